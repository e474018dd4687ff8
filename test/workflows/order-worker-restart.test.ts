// A worker dies mid-saga and another takes over: the order completes, and nothing is reserved,
// invoiced, authorized, shipped or captured twice.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { someoneWaitsOnLock, stockOf } from '../support/db';
import { killProcess, startWorkerProcess as startWorkerProcessOn } from './support/worker-process';
import { orderWorkflowId, stepIdempotencyKey } from '../../domain/ids';
import { cancelUpdate } from '../../workflows/order-definitions';
import { HAPPY_PATH_EVENTS, SagaTestBed, activityRunning, bookingUnderWay, eventTypes, eventually, historyEvents, orderWorkflowBundle, stateEventually } from '../support/temporal';

jest.setTimeout(120_000);

const bed = new SagaTestBed('worker-restart', { paymentLatencyMs: 3000, noWorker: true });
let bundleDir: string;
let child: ChildProcess | undefined;

beforeAll(async () => {
  await bed.start();
  bundleDir = await mkdtemp(path.join(tmpdir(), 'ordersaga-bundle-'));
  await writeFile(path.join(bundleDir, 'workflow-bundle.js'), (await orderWorkflowBundle()).code);
});
afterEach(async () => {
  // A test that failed before it killed its worker process leaves it here; left running, it would
  // keep jest from exiting.
  if (child) kill(child);
  child = undefined;
  await bed.worker?.stop();
});
afterAll(async () => {
  await bed.stop();
  await rm(bundleDir, { recursive: true, force: true });
});

const kill = killProcess;

/** Starts an order worker in another process on the bed's task queue; resolves once it polls. */
function startWorkerProcess(env: Record<string, string> = {}): Promise<ChildProcess> {
  return startWorkerProcessOn(bed.taskQueue, path.join(bundleDir, 'workflow-bundle.js'), env);
}

async function expectDeliveredOnce(orderId: string, sku: string): Promise<void> {
  expect(await eventTypes(bed.dataSource, orderId)).toEqual(HAPPY_PATH_EVENTS);
  const [counts]: Record<string, number>[] = await bed.dataSource.query(
    `SELECT (SELECT count(*)::int FROM payments WHERE order_id = $1) AS payments,
            (SELECT count(*)::int FROM sim_payment_operations WHERE request->>'orderId' = $2 AND operation = 'authorize') AS authorizations,
            (SELECT count(*)::int FROM sim_payment_operations o JOIN payments p ON o.request->>'authorizationId' = p.authorization_id
              WHERE p.order_id = $1 AND o.operation = 'capture') AS captures,
            (SELECT count(*)::int FROM shipments WHERE order_id = $1) AS shipments,
            (SELECT count(*)::int FROM sim_carrier_shipments WHERE order_id = $1) AS bookings,
            (SELECT count(*)::int FROM invoices WHERE order_id = $1) AS invoices`,
    [orderId, orderId],
  );
  expect(counts).toEqual({ payments: 1, authorizations: 1, captures: 1, shipments: 1, bookings: 1, invoices: 1 });
  expect(await stockOf(bed.dataSource, sku)).toEqual({ onHand: 98, reserved: 0, available: 98 });
}

describe('a worker that dies mid-saga', () => {
  it('is replaced by another, and the order completes with every effect exactly once (SIGKILL during a step)', async () => {
    child = await startWorkerProcess();
    const { order, sku } = await bed.simpleOrder({ quantity: 2 });
    const { handle } = await bed.place(order);
    await eventually(() => activityRunning(handle, 'authorizePayment'), 'the authorization to be running on the doomed worker');

    kill(child); // no graceful shutdown: the running activity and the cached workflow are lost
    child = undefined;
    await bed.startWorker();

    // The authorization's heartbeat times out on the server and it runs again on the new worker.
    await stateEventually(handle, (s) => s.waitingFor.startsWith('the carrier to pick up'), 'the shipment to be booked', 60_000);
    await bed.carrierReports(order.orderId, 'shipped');
    await bed.carrierReports(order.orderId, 'delivered');
    expect((await handle.result()).status).toBe('DELIVERED');
    await expectDeliveredOnce(order.orderId, sku);
    const history = await historyEvents(handle);
    const scheduled = new Map(
      history
        .filter((e) => e.activityTaskScheduledEventAttributes != null)
        .map((e) => [String(e.eventId), e.activityTaskScheduledEventAttributes?.activityType?.name ?? undefined]),
    );
    // The attempt that died never reported back: the one recorded is a retry.
    const started = history.filter(
      (e) => e.activityTaskStartedEventAttributes != null && activityTypeOf(e.activityTaskStartedEventAttributes.scheduledEventId) === 'authorizePayment',
    );
    expect(started[0]?.activityTaskStartedEventAttributes?.attempt).toBeGreaterThan(1);

    function activityTypeOf(scheduledEventId: unknown): string | undefined {
      return scheduled.get(String(scheduledEventId));
    }
  });

  it('runs a local activity again on the new worker when the old one dies in it (SIGKILL while reserving)', async () => {
    child = await startWorkerProcess();
    const { order, sku } = await bed.simpleOrder({ quantity: 2 });
    // Hold the product row, so the reservation (a local activity) waits on it inside PostgreSQL.
    const blocker = bed.dataSource.createQueryRunner();
    await blocker.connect();
    await blocker.startTransaction();
    try {
      await blocker.query('SELECT sku FROM products WHERE sku = $1 FOR NO KEY UPDATE', [sku]);
      // The answer to the update-with-start travels with the workflow task the reservation holds open.
      const placing = bed.place(order);
      placing.catch(() => undefined);
      await eventually(
        () => someoneWaitsOnLock(bed.dataSource, '%FROM products WHERE sku = ANY%FOR NO KEY UPDATE%'),
        'the reservation to wait on the product row',
      );

      kill(child); // the local activity, its transaction and the open workflow task die with it
      child = undefined;
      await blocker.commitTransaction();
      await bed.startWorker();

      // The workflow task times out on the server; the new worker replays the order and reserves.
      const { handle } = await placing;
      await stateEventually(handle, (s) => s.waitingFor.startsWith('the carrier to pick up'), 'the shipment to be booked', 60_000);
      await bed.carrierReports(order.orderId, 'shipped');
      await bed.carrierReports(order.orderId, 'delivered');
      expect((await handle.result()).status).toBe('DELIVERED');
      await expectDeliveredOnce(order.orderId, sku);
      const movements: { n: string }[] = await bed.dataSource.query(
        `SELECT count(*) AS n FROM stock_movements WHERE order_id = $1`,
        [order.orderId],
      );
      expect(Number(movements[0].n)).toBe(1); // one 'ship' movement: the stock left once
      expect((await historyEvents(handle)).some((e) => e.workflowTaskTimedOutEventAttributes != null)).toBe(true);
    } finally {
      if (blocker.isTransactionActive) await blocker.rollbackTransaction();
      await blocker.release();
    }
  });

  it('cancels cleanly when the cancel reaches a step whose worker died (the step times out instead of confirming)', async () => {
    child = await startWorkerProcess();
    const { order, sku } = await bed.simpleOrder({ quantity: 2 });
    const { handle } = await bed.place(order);
    await eventually(() => activityRunning(handle, 'authorizePayment'), 'the authorization to be running on the doomed worker');

    kill(child);
    child = undefined;
    await bed.startWorker();
    const cancelled = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'customer changed their mind' }] });
    expect(cancelled.status).toBe('CANCELLED');
    expect((await handle.result()).status).toBe('CANCELLED');
    const events = await eventTypes(bed.dataSource, order.orderId);
    expect(events[0]).toBe('order.created');
    expect(events.at(-1)).toBe('order.canceled');
    expect(events).toEqual(expect.arrayContaining(['inventory.released', 'invoice.voided']));
    expect(await stockOf(bed.dataSource, sku)).toEqual({ onHand: 100, reserved: 0, available: 100 });
  });

  it('hands a waiting order to a new worker after a graceful shutdown', async () => {
    await bed.startWorker();
    const { order, sku } = await bed.simpleOrder({ quantity: 2 });
    const { handle } = await bed.place(order);
    await stateEventually(handle, (s) => s.waitingFor.startsWith('the carrier to pick up'), 'the shipment to be booked');

    await bed.worker?.stop();
    await bed.carrierReports(order.orderId, 'shipped'); // arrives while no worker runs
    await bed.startWorker();
    await bed.carrierReports(order.orderId, 'delivered');
    expect((await handle.result()).status).toBe('DELIVERED');
    await expectDeliveredOnce(order.orderId, sku);
  });
});

describe('a worker that dies between the provider call and its record', () => {
  // One attempt per provider step. The authorization is an activity: the killed attempt is never
  // retried, so nothing records what it did; the order parks, and the cancel's undo has only the
  // step's idempotency key to go by. The booking is a local activity (patch 'local-provider-calls'):
  // its workflow task times out and the new worker books again, whatever the attempts, and the
  // carrier answers the key with the booking it made, which is recorded once; the cancel undoes it.
  const oneAttempt = { providerRetry: { maximumAttempts: 1 } };

  /** Holds the order's row, so the step's record (withLockedOrder) waits after the provider answered. */
  async function killWhileRecordWaits(orderId: string, providerDone: () => Promise<boolean>): Promise<void> {
    const blocker = bed.dataSource.createQueryRunner();
    await blocker.connect();
    await blocker.startTransaction();
    try {
      await blocker.query('SELECT id FROM orders WHERE id = $1 FOR NO KEY UPDATE', [orderId]);
      await eventually(providerDone, 'the provider to do the step');
      // withLockedOrder's statement (activities/order-events.ts LOCK_ORDER_SQL) waits on the row.
      await eventually(() => someoneWaitsOnLock(bed.dataSource, '%FROM order_lock, orders o WHERE o.id = $1 FOR NO KEY UPDATE%'), "the step's record to wait on the order row");
      kill(child!); // the provider did the work; PostgreSQL never hears of it
      child = undefined;
    } finally {
      await blocker.rollbackTransaction();
      await blocker.release();
    }
  }

  async function cancelParkedOrder(handle: Awaited<ReturnType<typeof bed.place>>['handle'], step: string): Promise<void> {
    await bed.startWorker();
    await stateEventually(handle, (s) => s.status === 'NEEDS_ATTENTION', `the order to park at ${step}`, 60_000);
    await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'customer changed their mind' }] });
    expect((await handle.result()).status).toBe('CANCELLED');
  }

  it('voids the authorization at the provider when the order is cancelled', async () => {
    child = await startWorkerProcess();
    const { order, sku } = await bed.simpleOrder({ quantity: 2 });
    const authorizeKey = stepIdempotencyKey(orderWorkflowId(order.orderId), 'authorize', 1);
    const atProvider = async () =>
      (await bed.dataSource.query('SELECT authorization_id, authorization_state FROM sim_payment_operations WHERE idempotency_key = $1', [authorizeKey]))[0] as
        | { authorization_id: string; authorization_state: string }
        | undefined;
    const { handle } = await bed.place(order, { options: oneAttempt });
    await eventually(() => activityRunning(handle, 'authorizePayment'), 'the authorization to be running on the doomed worker');

    await killWhileRecordWaits(order.orderId, async () => (await atProvider())?.authorization_state === 'authorized');
    expect(await bed.dataSource.query('SELECT 1 FROM payments WHERE order_id = $1', [order.orderId])).toEqual([]);
    await cancelParkedOrder(handle, 'the payment authorization');

    const { authorization_id: authorizationId, authorization_state: state } = (await atProvider())!;
    expect(state).toBe('voided'); // the provider's side: nothing left open
    expect((await bed.dataSource.query('SELECT status, authorization_id FROM payments WHERE order_id = $1', [order.orderId]))[0]).toEqual({
      status: 'VOIDED',
      authorization_id: authorizationId,
    });
    expect(await eventTypes(bed.dataSource, order.orderId)).toEqual(expect.arrayContaining(['payment.voided', 'invoice.voided', 'inventory.released']));
    expect(await stockOf(bed.dataSource, sku)).toEqual({ onHand: 100, reserved: 0, available: 100 });
  });

  it('records the booking the carrier made once, and cancels it when the order is cancelled', async () => {
    child = await startWorkerProcess({ CARRIER_LATENCY_MS: '3000' });
    const { order } = await bed.simpleOrder({ quantity: 1 });
    const shipKey = stepIdempotencyKey(orderWorkflowId(order.orderId), 'ship', 1);
    const atCarrier = async () =>
      (await bed.dataSource.query('SELECT shipment_id, status FROM sim_carrier_shipments WHERE idempotency_key = $1', [shipKey]))[0] as
        | { shipment_id: string; status: string }
        | undefined;
    const { handle } = await bed.place(order, { options: oneAttempt });
    await bookingUnderWay(handle);

    await killWhileRecordWaits(order.orderId, async () => (await atCarrier())?.status === 'BOOKED');
    expect(await bed.dataSource.query('SELECT 1 FROM shipments WHERE order_id = $1', [order.orderId])).toEqual([]);
    await bed.startWorker();
    await stateEventually(handle, (s) => s.waitingFor.startsWith('the carrier to pick up'), 'the booking to run again on the new worker', 60_000);
    await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'customer changed their mind' }] });
    expect((await handle.result()).status).toBe('CANCELLED');

    expect(await atCarrier()).toMatchObject({ status: 'CANCELED' }); // the carrier's side: nothing left booked
    expect(await bed.dataSource.query('SELECT status, idempotency_key FROM shipments WHERE order_id = $1', [order.orderId])).toEqual([
      { status: 'CANCELED', idempotency_key: shipKey },
    ]);
    const [payment] = await bed.dataSource.query(
      `SELECT o.authorization_state FROM payments p JOIN sim_payment_operations o ON o.authorization_id = p.authorization_id AND o.operation = 'authorize'
        WHERE p.order_id = $1`,
      [order.orderId],
    );
    expect(payment).toEqual({ authorization_state: 'voided' });
  });
});
