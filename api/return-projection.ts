// Returns as the API shows them: one statement for the rows, their lines and credit notes.
import type { DataSource } from 'typeorm';
import type { ReturnDisposition, ReturnStatus } from '../domain/returns';

export interface ReturnSnapshot {
  id: string;
  order_id: string;
  storefront: string;
  rma: string;
  status: ReturnStatus;
  status_reason: string | null;
  refund: { subtotal: number; discount: number; shipping: number; tax: number; total: number } | null;
  lines: { sku: string; quantity: number; reason: string | null; receivedQuantity: number | null; disposition: ReturnDisposition | null }[];
  credit_note: { number: string; subtotal: number; discount: number; shipping: number; tax: number; total: number; issuedAt: string } | null;
  expires_at: Date;
  received_at: Date | null;
  refunded_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const LOAD_RETURNS_SQL = `
  SELECT r.id, r.order_id, r.storefront, r.rma, r.status, r.status_reason,
         CASE WHEN r.refund_total IS NULL THEN NULL ELSE json_build_object(
           'subtotal', r.refund_subtotal, 'discount', r.refund_discount, 'shipping', r.refund_shipping, 'tax', r.refund_tax, 'total', r.refund_total) END AS refund,
         (SELECT json_agg(json_build_object('sku', l.sku, 'quantity', l.quantity, 'reason', l.reason,
                                            'receivedQuantity', l.received_quantity, 'disposition', l.disposition) ORDER BY l.line_no)
            FROM return_lines l WHERE l.return_id = r.id) AS lines,
         (SELECT json_build_object('number', c.number, 'subtotal', c.subtotal, 'discount', c.discount, 'shipping', c.shipping,
                                   'tax', c.tax, 'total', c.total, 'issuedAt', to_char(c.issued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
            FROM credit_notes c WHERE c.return_id = r.id) AS credit_note,
         r.expires_at, r.received_at, r.refunded_at, r.created_at, r.updated_at
    FROM returns r WHERE r.id = ANY($1::uuid[])`;

/** The returns of `ids`, in that order (missing ones left out). */
export async function loadReturns(dataSource: DataSource, ids: string[]): Promise<ReturnSnapshot[]> {
  if (ids.length === 0) return [];
  const rows: ReturnSnapshot[] = await dataSource.query(LOAD_RETURNS_SQL, [ids]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

export function returnResource(r: ReturnSnapshot) {
  return {
    type: 'returns' as const,
    id: r.id,
    attributes: {
      orderId: r.order_id,
      rma: r.rma,
      status: r.status,
      statusReason: r.status_reason,
      lines: r.lines ?? [],
      refund: r.refund,
      creditNote: r.credit_note,
      expiresAt: r.expires_at.toISOString(),
      receivedAt: iso(r.received_at),
      refundedAt: iso(r.refunded_at),
      createdAt: r.created_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
    },
    links: { self: `/v1/returns/${r.id}` },
  };
}
