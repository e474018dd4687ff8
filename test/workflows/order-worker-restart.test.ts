// A worker dies mid-saga and another takes over: the order completes, and nothing is reserved,
// invoiced, authorized, shipped or captured twice.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stockOf } from '../support/db';
import { cancelUpdate } from '../../workflows/order-definitions';
import { HAPPY_PATH_EVENTS, SagaTestBed, activityRunning, eventTypes, eventually, historyEvents, orderWorkflowBundle, stateEventually } from '../support/temporal';

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
  await bed.worker?.stop();
});
afterAll(async () => {
  if (child) kill(child);
  await bed.stop();
  await rm(bundleDir, { recursive: true, force: true });
});

function kill(proc: ChildProcess): void {
  proc.kill('SIGKILL');
  proc.stdout?.destroy();
  proc.stderr?.destroy();
}

/** Starts an order worker in another process on the bed's task queue; resolves once it polls. */
function startWorkerProcess(): Promise<ChildProcess> {
  // `--import tsx` compiles in this very process (the tsx CLI would put a wrapper process between).
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'support', 'order-worker-process.ts')], {
    env: {
      ...process.env,
      TASK_QUEUE: bed.taskQueue,
      WORKFLOW_BUNDLE_PATH: path.join(bundleDir, 'workflow-bundle.js'),
      PAYMENT_LATENCY_MS: '3000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    proc.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(proc);
    });
    proc.once('exit', (code) => reject(new Error(`worker process exited (${code}) before it was ready: ${stderr}`)));
  });
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
