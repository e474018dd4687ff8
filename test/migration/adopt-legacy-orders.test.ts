// Adoption of in-flight legacy orders: the migration starts one order workflow per P, S and N
// order (through a Temporal client, like the worker process does) and an order worker of this
// file runs them against the migrated projections. P orders book a shipment and complete after the
// carrier's reports; S orders complete on delivery; N orders stay parked until cancelled. Nothing
// is reserved or authorized a second time, and a second run adopts nothing new.
import pino from 'pino';
import { CarrierSimulator, createOrderActivities, LEGACY_PAYMENT_PROVIDER, PaymentSimulator } from '../../activities';
import { LEGACY_WITHOUT_PAYMENT_REASON } from '../../activities/migration';
import { orderWorkflowId } from '../../domain/ids';
import { cancelUpdate, carrierEventSignal, type OrderState, orderStateQuery, retrySignal } from '../../workflows/order-definitions';
import {
  eventTypes,
  eventually,
  invoicesOf,
  type OrderHandle,
  type RunningWorker,
  startOrderWorker,
  stateEventually,
  uniqueTaskQueue,
} from '../support/temporal';
import { MigrationTestBed } from './migration-bed';

jest.setTimeout(180_000);

const bed = new MigrationTestBed('adopt-legacy');
const orderTaskQueue = uniqueTaskQueue('adopted-orders');
let orderWorker: RunningWorker;
const adopted = new Map<'N' | 'P' | 'S', string[]>();

beforeAll(async () => {
  await bed.start({ orders: 1200, seed: 31 });
  // Order workflow ids (order-<UUIDv5 of order_no>) live on the shared dev server and outlive the
  // file: renumber this file's legacy orders so its workflows are its own in every run.
  const offset = 1_000_000 * (1 + Math.floor(Math.random() * 2000));
  await bed.legacyQuery('UPDATE legacy.order_lines SET order_no = order_no + $1', [offset]);
  await bed.legacyQuery('UPDATE legacy.orders SET order_no = order_no + $1', [offset]);
  const activities = createOrderActivities({
    dataSource: bed.dataSource,
    redis: null,
    payment: new PaymentSimulator({ dataSource: bed.dataSource }),
    carrier: new CarrierSimulator({ dataSource: bed.dataSource, shipAfterMs: null, deliverAfterMs: null }), // manual: the test moves parcels
    logger: pino({ level: 'silent' }),
  });
  orderWorker = await startOrderWorker({ env: bed.env, taskQueue: orderTaskQueue, activities });
  await bed.startWorker({ client: bed.env.client, orderTaskQueue });
});

afterAll(async () => {
  // Whatever a failed test left running must not outlive the schema.
  for (const id of [...adopted.values()].flat()) {
    await handleOf(id).terminate('test finished').catch(() => undefined);
  }
  await orderWorker?.stop();
  await bed.stop();
});

function handleOf(orderId: string): OrderHandle {
  return bed.env.client.workflow.getHandle(orderWorkflowId(orderId));
}

async function paymentsOf(orderId: string): Promise<{ provider: string; status: string }[]> {
  return bed.dataSource.query('SELECT provider, status FROM payments WHERE order_id = $1', [orderId]);
}

async function countFor(table: 'inventory_reservations' | 'stock_movements' | 'shipments', orderId: string): Promise<number> {
  const [{ n }] = await bed.dataSource.query(`SELECT count(*)::int AS n FROM ${table} WHERE order_id = $1`, [orderId]);
  return n;
}

describe('adoption of in-flight legacy orders', () => {
  it('starts one order workflow per P, S and N order and marks each adopted', async () => {
    const { result, run } = await bed.migrate();
    expect(run.status).toBe('completed');
    const rows: { order_id: string; legacy_status: 'N' | 'P' | 'S'; workflow_id: string | null; adopted_at: Date | null }[] =
      await bed.dataSource.query('SELECT order_id, legacy_status, workflow_id, adopted_at FROM migration_adoptions ORDER BY legacy_order_no');
    for (const row of rows) adopted.set(row.legacy_status, [...(adopted.get(row.legacy_status) ?? []), row.order_id]);
    for (const status of ['N', 'P', 'S'] as const) expect(adopted.get(status)?.length ?? 0).toBeGreaterThan(0);

    expect(result.adoption).toEqual({ awaiting: 0, adopted: rows.length });
    expect(rows.every((r) => r.adopted_at !== null && r.workflow_id === orderWorkflowId(r.order_id))).toBe(true);
    // An adopted order's status belongs to its workflow now: the reconciliation does not count it as a mismatch.
    const mismatches: { n: number }[] = await bed.dataSource.query(
      `SELECT count(*)::int AS n FROM migration_discrepancies WHERE run_id = $1 AND kind IN ('status_mismatch', 'total_mismatch')`,
      [run.id],
    );
    expect(mismatches[0].n).toBe(0);
  });

  it('P orders book a shipment and complete without a second reservation or authorization', async () => {
    const orders = adopted.get('P')!;
    for (const orderId of orders) {
      await stateEventually(handleOf(orderId), (s) => s.trackingNumber !== null, `order ${orderId} to book its shipment`);
      await eventually(async () => (await countFor('shipments', orderId)) === 1, `the shipment of ${orderId}`);
    }
    for (const orderId of orders) {
      await carrierReports(orderId, 'shipped');
      await carrierReports(orderId, 'delivered');
    }
    for (const orderId of orders) {
      const final = (await handleOf(orderId).result()) as OrderState;
      expect(final.status).toBe('DELIVERED');
      expect(await paymentsOf(orderId)).toEqual([{ provider: LEGACY_PAYMENT_PROVIDER, status: 'CAPTURED' }]);
      expect(await invoicesOf(bed.dataSource, orderId)).toEqual([{ revision: 1, status: 'PAID' }]);
      // The legacy reservation stands for the goods: nothing held, so shipping moved no stock either.
      expect(await countFor('inventory_reservations', orderId)).toBe(0);
      expect(await countFor('stock_movements', orderId)).toBe(0);
      expect(await eventTypes(bed.dataSource, orderId)).toEqual([
        'order.created',
        'order.adopted',
        'invoice.created',
        'shipment.created',
        'order.shipped',
        'payment.captured',
        'order.delivered',
      ]);
    }
    // The legacy authorization was captured without a call to the payment provider.
    const [{ n }] = await bed.dataSource.query('SELECT count(*)::int AS n FROM sim_payment_operations');
    expect(n).toBe(0);
  });

  it('S orders are captured at adoption and complete on the delivered report', async () => {
    for (const orderId of adopted.get('S')!) {
      const handle = handleOf(orderId);
      await stateEventually(handle, (s) => s.waitingFor.includes('deliver'), `order ${orderId} to wait for delivery`);
      expect(await paymentsOf(orderId)).toEqual([{ provider: LEGACY_PAYMENT_PROVIDER, status: 'CAPTURED' }]);
      await handle.signal(carrierEventSignal, { kind: 'delivered' });
      expect(((await handle.result()) as OrderState).status).toBe('DELIVERED');
      expect(await invoicesOf(bed.dataSource, orderId)).toEqual([{ revision: 1, status: 'PAID' }]);
      expect(await countFor('inventory_reservations', orderId)).toBe(0);
      expect(await eventTypes(bed.dataSource, orderId)).toEqual(['order.created', 'order.shipped', 'order.adopted', 'invoice.created', 'payment.captured', 'order.delivered']);
    }
  });

  it('N orders stay parked (a retry is refused) until an operator cancels them', async () => {
    for (const orderId of adopted.get('N')!) {
      const handle = handleOf(orderId);
      await stateEventually(handle, (s) => s.waitingFor.startsWith('an operator to cancel'), `order ${orderId} to park`);
      await handle.signal(retrySignal, { operator: 'test' });
      const parked = await handle.query(orderStateQuery);
      expect(parked).toMatchObject({ status: 'NEEDS_ATTENTION', statusReason: LEGACY_WITHOUT_PAYMENT_REASON, parkedFrom: 'PENDING' });

      const cancelled = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'no payment: customer asked to re-order' }] });
      expect(cancelled.status).toBe('CANCELLED');
      expect(((await handle.result()) as OrderState).status).toBe('CANCELLED');
      const [row] = await bed.dataSource.query('SELECT status FROM orders WHERE id = $1', [orderId]);
      expect(row.status).toBe('CANCELLED');
      expect(await paymentsOf(orderId)).toEqual([]);
      expect(await eventTypes(bed.dataSource, orderId)).toEqual(['order.created', 'order.needs_attention', 'order.adopted', 'order.canceled']);
    }
  });

  it('a second run adopts nothing new', async () => {
    const { result } = await bed.migrate();
    expect(result.adoption).toEqual({ awaiting: 0, adopted: 0 });
  });
});

/** The carrier reports a parcel as the worker's dispatcher would. */
async function carrierReports(orderId: string, kind: 'shipped' | 'delivered'): Promise<void> {
  const [shipment]: { tracking_number: string }[] = await bed.dataSource.query(
    `SELECT tracking_number FROM shipments WHERE order_id = $1 AND status <> 'CANCELED'`,
    [orderId],
  );
  await handleOf(orderId).signal(carrierEventSignal, { kind, trackingNumber: shipment.tracking_number, at: new Date().toISOString() });
}
