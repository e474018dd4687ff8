// Adoption of in-flight legacy orders into order workflows.
//
// The migration imports legacy P, S and N orders as projections (PROCESSING / SHIPPED /
// NEEDS_ATTENTION 'legacy order without payment') and lists them in migration_adoptions with
// adopted_at null. Each is adopted by an order workflow started with an `adoption` input (see
// LegacyAdoption in workflows/order-definitions.ts): reservation and authorization are marked as
// legacy and never repeated; P continues with the shipment, S waits for delivery, N stays parked
// until an operator cancels it.
//
// `adoptLegacyOrders` (the migration workflow calls it once per run, after the batches, before
// the reconciliation) hands each page of awaiting orders to the `AdoptOrders` hook and marks the
// ids it answers adopted with their workflow id; from then on the migration never writes that
// order again (a later legacy change is quarantined as changed_after_adoption). The hook that
// starts the workflows holds a Temporal client, so it lives with the worker
// (workers/adopt-legacy-orders.ts); without a hook awaiting orders are only counted.
import type { DataSource } from 'typeorm';
import { orderWorkflowId } from '../../domain/ids';
import type { CreateOrderInput, OrderLineInput, ShippingAddress } from '../../domain/order';
import type { AdoptedStatus } from '../../domain/order-status';
import { batchColumns } from '../../entities/batch-columns';

export interface AwaitingAdoption {
  orderId: string;
  legacyOrderNo: number;
  legacyStatus: 'N' | 'P' | 'S';
  importedStatus: AdoptedStatus;
}

/** Adopts a page of orders; returns the ids of those now owned by an order workflow. */
export type AdoptOrders = (orders: AwaitingAdoption[]) => Promise<string[]>;

export interface AdoptionResult {
  awaiting: number;
  adopted: number;
}

/** An order workflow's input for adopting one order (the `order` and `adoption` of its input). */
export interface AdoptionInput {
  order: CreateOrderInput;
  adoption: { legacyOrderNo: number; from: AdoptedStatus };
}

const PAGE = 500;
const ADOPTED_COLUMNS = batchColumns({ order_id: 'uuid', workflow_id: 'varchar' });

export async function listOrdersAwaitingAdoption(dataSource: DataSource, opts: { afterOrderNo?: number; limit?: number } = {}): Promise<AwaitingAdoption[]> {
  const rows: { order_id: string; legacy_order_no: number; legacy_status: AwaitingAdoption['legacyStatus']; imported_status: AdoptedStatus }[] = await dataSource.query(
    `SELECT order_id, legacy_order_no, legacy_status, imported_status FROM migration_adoptions
      WHERE adopted_at IS NULL AND legacy_order_no > $1 ORDER BY legacy_order_no LIMIT $2`,
    [opts.afterOrderNo ?? -2147483648, opts.limit ?? PAGE],
  );
  return rows.map((r) => ({ orderId: r.order_id, legacyOrderNo: r.legacy_order_no, legacyStatus: r.legacy_status, importedStatus: r.imported_status }));
}

export async function markOrdersAdopted(dataSource: DataSource, orderIds: string[]): Promise<void> {
  if (orderIds.length === 0) return;
  await dataSource.query(
    `UPDATE migration_adoptions SET adopted_at = now(), workflow_id = w.workflow_id
       FROM ${ADOPTED_COLUMNS.unnest('w')}
      WHERE migration_adoptions.order_id = w.order_id AND migration_adoptions.adopted_at IS NULL`,
    ADOPTED_COLUMNS.arrays(orderIds.map((id) => ({ order_id: id, workflow_id: orderWorkflowId(id) }))),
  );
}

export async function adoptLegacyOrders(dataSource: DataSource, adoptOrders: AdoptOrders | undefined, heartbeat: (step: string) => void): Promise<AdoptionResult> {
  let awaiting = 0;
  let adopted = 0;
  let after: number | undefined;
  for (;;) {
    const page = await listOrdersAwaitingAdoption(dataSource, { afterOrderNo: after, limit: PAGE });
    if (page.length === 0) break;
    awaiting += page.length;
    after = page[page.length - 1].legacyOrderNo;
    if (adoptOrders) {
      const ids = await adoptOrders(page);
      await markOrdersAdopted(dataSource, ids);
      adopted += ids.length;
    }
    heartbeat(`adoption: ${awaiting} seen`);
  }
  return { awaiting: awaiting - adopted, adopted };
}

/** The order workflows' input for a page of awaiting orders, from the projections the migration wrote. */
export async function adoptionInputs(dataSource: DataSource, orders: AwaitingAdoption[]): Promise<AdoptionInput[]> {
  const rows: { id: string; customer_id: string; shipping_address: ShippingAddress; lines: OrderLineInput[] }[] = await dataSource.query(
    `SELECT o.id, o.customer_id, o.shipping_address,
            (SELECT json_agg(json_build_object('sku', l.sku, 'quantity', l.quantity) ORDER BY l.line_no) FROM order_lines l WHERE l.order_id = o.id) AS lines
       FROM orders o WHERE o.id = ANY ($1::uuid[])`,
    [orders.map((o) => o.orderId)],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  return orders.map(({ orderId, legacyOrderNo, importedStatus }) => {
    const row = byId.get(orderId);
    if (!row) throw new Error(`order ${orderId} (legacy ${legacyOrderNo}) awaits adoption but has no projection`);
    return {
      // No payment token: an adopted order never authorizes (the legacy authorization stands, or there is none).
      order: { orderId, customerId: row.customer_id, lines: row.lines, shippingAddress: row.shipping_address, payment: { token: '' } },
      adoption: { legacyOrderNo, from: importedStatus },
    };
  });
}
