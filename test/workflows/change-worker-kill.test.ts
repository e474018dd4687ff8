// A worker killed in the middle of a change after payment (SIGKILL, a real worker process): once
// after the stock moved and the increment was held, before the invoice's next revision; once
// inside the provider's incremental authorization. Another worker finishes each change: it
// happens once, the money is held once and captured once, the stock moves by the difference once.
import { changeOrderUpdate } from '../../workflows/order-definitions';
import { someoneWaitsOnLock, stockOf, whileRowsHeld } from '../support/db';
import { eventually, historyEvents, stateEventually } from '../support/temporal';
import { killableWorkers } from './support/worker-process';

jest.setTimeout(240_000);

const { bed, startProcess, killProcess } = killableWorkers('change-kill');

/** What the database says about the order's money, documents and stock. */
async function ledgerOf(orderId: string, sku: string) {
  const [row]: Record<string, number>[] = await bed.dataSource.query(
    `SELECT (SELECT count(*)::int FROM sim_payment_operations o JOIN payments p ON o.request->>'authorizationId' = p.authorization_id
              WHERE p.order_id = $1 AND o.operation = 'increment' AND o.outcome = 'succeeded') AS "providerIncrements",
            (SELECT count(*)::int FROM sim_payment_operations o JOIN payments p ON o.request->>'authorizationId' = p.authorization_id
              WHERE p.order_id = $1 AND o.operation = 'capture' AND o.outcome = 'succeeded') AS "providerCaptures",
            (SELECT count(*)::int FROM payment_movements WHERE order_id = $1 AND kind = 'increment') AS "ledgerIncrements",
            (SELECT count(*)::int FROM payment_movements WHERE order_id = $1 AND kind = 'authorization') AS authorizations,
            (SELECT COALESCE(sum(amount), 0)::int FROM payment_movements WHERE order_id = $1 AND kind IN ('authorization', 'increment')) AS held,
            (SELECT COALESCE(sum(amount), 0)::int FROM payment_movements WHERE order_id = $1 AND kind = 'capture') AS captured,
            (SELECT count(*)::int FROM payment_movements WHERE order_id = $1 AND kind = 'void') AS voids,
            (SELECT count(*)::int FROM order_events WHERE order_id = $1 AND type = 'order.changed') AS changes,
            (SELECT quantity FROM order_lines WHERE order_id = $1 AND sku = $2) AS "lineQuantity",
            (SELECT quantity FROM inventory_reservations WHERE order_id = $1 AND sku = $2) AS reserved,
            (SELECT COALESCE(-sum(delta), 0)::int FROM stock_movements WHERE order_id = $1 AND sku = $2 AND reason = 'ship') AS shipped,
            (SELECT count(*)::int FROM stock_movements WHERE order_id = $1 AND sku = $2 AND reason = 'ship') AS "shipMovements"`,
    [orderId, sku],
  );
  const invoices: { revision: number; status: string; total: string; lines: { sku: string; quantity: number }[] }[] = await bed.dataSource.query(
    'SELECT revision, status, total, lines FROM invoices WHERE order_id = $1 ORDER BY revision',
    [orderId],
  );
  return { counts: row, invoices: invoices.map((i) => ({ revision: i.revision, status: i.status, total: Number(i.total), quantities: i.lines.map((l) => l.quantity) })) };
}

it('a change killed after the stock moved, and one killed inside the increment, each happen once: money held and captured once, stock moved by the difference once', async () => {
  await bed.startWorker();
  const { order, sku } = await bed.simpleOrder({ quantity: 2 });
  const { handle } = await bed.place(order);
  await stateEventually(handle, (s) => s.waitingFor.startsWith('the carrier to pick up'), 'the shipment to be booked');
  await bed.worker?.stop();
  bed.worker = undefined;
  expect(await stockOf(bed.dataSource, sku)).toMatchObject({ onHand: 100, reserved: 2 });
  await startProcess();

  // 1. Up to 5 units. Hold the live invoice's row: voiding it (the change's next step after the
  // stock) waits on it inside its transaction when the worker dies.
  let first!: Promise<unknown>;
  await whileRowsHeld(bed.dataSource, 'SELECT id FROM invoices WHERE order_id = $1 AND status <> $2 FOR UPDATE', [order.orderId, 'VOID'], async () => {
    first = handle.executeUpdate(changeOrderUpdate, { args: [{ lines: [{ sku, quantity: 5 }] }] });
    first.catch(() => undefined);
    await eventually(() => someoneWaitsOnLock(bed.dataSource, "%UPDATE invoices SET status = 'VOID'%"), 'the change to wait on the invoice row', 120_000, 200);
    // Where the worker dies: the difference is held and the stock moved, the invoice not yet revised.
    expect((await ledgerOf(order.orderId, sku)).counts).toMatchObject({ providerIncrements: 1, ledgerIncrements: 1, reserved: 5, lineQuantity: 2, changes: 0 });
    expect(await stockOf(bed.dataSource, sku)).toMatchObject({ onHand: 100, reserved: 5 });
    killProcess();
  });

  // Another worker takes the voiding up again (its heartbeat stopped) and finishes the change.
  await startProcess();
  expect(await first).toMatchObject({ lines: [expect.objectContaining({ sku, quantity: 5 })] });
  const afterFirst = await ledgerOf(order.orderId, sku);
  expect(afterFirst.counts).toMatchObject({ providerIncrements: 1, ledgerIncrements: 1, reserved: 5, lineQuantity: 5, changes: 1 });
  expect(afterFirst.invoices.map((i) => [i.revision, i.status, i.quantities])).toEqual([
    [1, 'VOID', [2]],
    [2, 'ISSUED', [5]],
  ]);
  expect(afterFirst.counts.held).toBe(afterFirst.invoices[1].total);

  // 2. Up to 7 units; the worker dies inside the provider's increment (3 s round trip).
  const second = handle.executeUpdate(changeOrderUpdate, { args: [{ lines: [{ sku, quantity: 7 }] }] });
  second.catch(() => undefined);
  // The increment is a local activity (patch 'local-provider-calls'): nothing in Temporal shows it
  // running, so the kill comes 1.5 s into the update (the change's first step takes milliseconds).
  await new Promise((resolve) => setTimeout(resolve, 1500)); // inside the provider call
  killProcess();
  await bed.startWorker();
  expect(await second).toMatchObject({ lines: [expect.objectContaining({ sku, quantity: 7 })] });

  await bed.carrierReports(order.orderId, 'shipped');
  await bed.carrierReports(order.orderId, 'delivered');
  expect((await handle.result()).status).toBe('DELIVERED');

  const end = await ledgerOf(order.orderId, sku);
  const total = end.invoices[2].total;
  expect(end.counts).toMatchObject({
    providerIncrements: 2,
    ledgerIncrements: 2,
    authorizations: 1, // the first authorization raised, never a second one, never voided
    voids: 0,
    held: total,
    providerCaptures: 1,
    captured: total,
    changes: 2,
    lineQuantity: 7,
    reserved: 7,
    shipped: 7,
    shipMovements: 1,
  });
  expect(end.invoices.map((i) => [i.revision, i.status, i.quantities])).toEqual([
    [1, 'VOID', [2]],
    [2, 'VOID', [5]],
    [3, 'PAID', [7]],
  ]);
  expect(await stockOf(bed.dataSource, sku)).toMatchObject({ onHand: 93, reserved: 0 });

  // The attempts that died never reported back: the voiding (an activity) was retried, and the
  // workflow task that ran the increment (a local activity) timed out and ran again.
  const history = await historyEvents(handle);
  expect(history.filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1).length).toBeGreaterThanOrEqual(1);
  expect(history.filter((e) => e.workflowTaskTimedOutEventAttributes).length).toBeGreaterThanOrEqual(1);
});
