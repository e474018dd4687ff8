// HOOK POINT: adoption of in-flight legacy orders into order workflows.
//
// The migration imports legacy P and S orders as projections (PROCESSING / SHIPPED) and lists
// them in migration_adoptions with adopted_at null. DESIGN wants each adopted by an order
// workflow that starts at the right step: reservation and authorization marked as legacy and
// never repeated; P continues with the shipment, S waits for delivery. That workflow entry
// belongs to the order saga (workflows/order.ts); this module only hands the awaiting orders over.
//
// To wire it: pass `adoptOrders` to createMigrationActivities. It receives a page of awaiting
// orders and returns the ids it adopted (for instance after `client.workflow.start(orderWorkflow,
// { workflowId: orderWorkflowId(orderId), workflowIdReusePolicy: REJECT_DUPLICATE, args: [{ adopt:
// { legacyOrderNo, legacyStatus } }] })`, treating WorkflowExecutionAlreadyStartedError as
// adopted). Each returned id is marked adopted with its workflow id; from then on the migration
// never writes that order again (a later legacy change is quarantined as changed_after_adoption).
// The migration workflow calls `adoptLegacyOrders` once per run, after the batches, before the
// reconciliation. Without `adoptOrders` it only counts what is waiting.
//
// N orders are imported NEEDS_ATTENTION for an operator and are not listed here: decide whether
// they get a workflow parked at NEEDS_ATTENTION (so `retry` / `cancel` work on them) when wiring.
import type { DataSource } from 'typeorm';
import { orderWorkflowId } from '../../domain/ids';

export interface AwaitingAdoption {
  orderId: string;
  legacyOrderNo: number;
  legacyStatus: 'P' | 'S';
  importedStatus: 'PROCESSING' | 'SHIPPED';
}

/** Adopts a page of orders; returns the ids of those now owned by an order workflow. */
export type AdoptOrders = (orders: AwaitingAdoption[]) => Promise<string[]>;

export interface AdoptionResult {
  awaiting: number;
  adopted: number;
}

const PAGE = 500;

export async function listOrdersAwaitingAdoption(dataSource: DataSource, opts: { afterOrderNo?: number; limit?: number } = {}): Promise<AwaitingAdoption[]> {
  const rows: { order_id: string; legacy_order_no: number; legacy_status: 'P' | 'S'; imported_status: 'PROCESSING' | 'SHIPPED' }[] = await dataSource.query(
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
       FROM unnest($1::uuid[], $2::varchar[]) AS w(order_id, workflow_id)
      WHERE migration_adoptions.order_id = w.order_id AND migration_adoptions.adopted_at IS NULL`,
    [orderIds, orderIds.map(orderWorkflowId)],
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
