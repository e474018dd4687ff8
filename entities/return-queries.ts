// Reads the return rules need, shared by the API's pre-check and the return activities (which run
// them again under the order's row lock): the order as domain/returns.ts sees it.
import type { EntityManager } from 'typeorm';
import type { Totals } from '../domain/pricing';
import { CLAIMING_RETURN_STATUSES, type RefundableLine, type ReturnableOrder, type ReturnQuantity } from '../domain/returns';

export interface ReturnableOrderRow extends ReturnableOrder {
  id: string;
  storefront: string;
  country: string | null;
  totals: Totals;
}

/** The order, its delivery time and lines, and what its other returns claim; null when there is none. */
export async function loadReturnableOrder(manager: EntityManager, orderId: string, exceptReturnId: string | null = null): Promise<ReturnableOrderRow | null> {
  const [order]: {
    id: string;
    storefront: string;
    status: string;
    country: string | null;
    subtotal: string | null;
    discount: string | null;
    shipping: string | null;
    tax: string | null;
    total: string | null;
    delivered_at: Date | null;
  }[] = await manager.query(
    `SELECT o.id, o.storefront, o.status, o.shipping_address->>'country' AS country, o.subtotal, o.discount, o.shipping, o.tax, o.total,
            (SELECT max(e.occurred_at) FROM order_events e WHERE e.order_id = o.id AND e.type = 'order.delivered') AS delivered_at
       FROM orders o WHERE o.id = $1`,
    [orderId],
  );
  if (!order) return null;
  const lines: RefundableLine[] = (
    await manager.query('SELECT sku, quantity, amount FROM order_lines WHERE order_id = $1 ORDER BY line_no', [orderId])
  ).map((l: { sku: string; quantity: number; amount: string }) => ({ sku: l.sku, quantity: l.quantity, amount: Number(l.amount) }));
  const claimed: ReturnQuantity[] = await manager.query(
    `SELECT l.sku, sum(CASE WHEN r.status = 'REQUESTED' THEN l.quantity ELSE COALESCE(l.received_quantity, l.quantity) END)::int AS quantity
       FROM returns r JOIN return_lines l ON l.return_id = r.id
      WHERE r.order_id = $1 AND r.status = ANY($2::varchar[]) AND r.id IS DISTINCT FROM $3::uuid
      GROUP BY l.sku`,
    [orderId, CLAIMING_RETURN_STATUSES, exceptReturnId],
  );
  const cents = (v: string | null) => Number(v ?? 0);
  return {
    id: order.id,
    storefront: order.storefront,
    status: order.status,
    country: order.country,
    deliveredAt: order.delivered_at,
    totals: { subtotal: cents(order.subtotal), discount: cents(order.discount), shipping: cents(order.shipping), tax: cents(order.tax), total: cents(order.total) },
    lines,
    claimed,
  };
}
