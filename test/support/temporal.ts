// Shared helpers for tests that run the order saga on a real Temporal server: the connection,
// the workflow bundle (built once per test file), a worker on a task queue of the test's own,
// catalogue fixtures written through the data source, and `placeOrder`, which starts an order
// with update-with-start exactly as the API does.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type Client, type WorkflowHandle, WithStartWorkflowOperation } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import Redis from 'ioredis';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { CarrierSimulator, createOrderActivities, type PaymentAdapter, PaymentSimulator } from '../../activities';
import type { CarrierDispatchEvent } from '../../activities/adapters/carrier-dispatcher';
import type { OrderActivities } from '../../activities/contract';
import type { CreateOrderInput, OrderLineInput, ShippingAddress } from '../../domain';
import { bundleOrderWorkflows, carrierEventDelivery, createOrderWorker, type OrderWorkerOptions } from '../../workers/order-worker';
import {
  ORDER_WORKFLOW_TYPE,
  type OrderState,
  type OrderWorkflowInput,
  type OrderWorkflowOptions,
  orderStateQuery,
  orderWorkflowStartOptions,
  placeOrderUpdate,
} from '../../workflows/order-definitions';
import type { orderWorkflow } from '../../workflows/order';
import { createCustomer, createProduct, openTestDataSource } from './db';
import { historyFromJson } from './history-json';

// The SDK's own INFO lines (bundling, worker state) would bury the test output.
try {
  Runtime.install({ logger: new DefaultLogger((process.env.TEMPORAL_LOG_LEVEL as 'WARN' | 'ERROR' | undefined) ?? 'ERROR') });
} catch {
  // already installed in this process
}

export const TEMPORAL_ADDRESS = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
export const TEMPORAL_NAMESPACE = process.env.TEMPORAL_NAMESPACE ?? 'default';

/**
 * Attaches to the server the test run started (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE): the dev
 * server (`./dev test`) or the Temporal cluster (`./dev test-cluster`). Either must already have
 * the namespace, the order search attributes and the dynamic config for update-with-start.
 */
export function connectToDevServer(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createFromExistingServer({ address: TEMPORAL_ADDRESS, namespace: TEMPORAL_NAMESPACE });
}

/**
 * The time-skipping test server (TEMPORAL_TEST_SERVER), with the order search attributes
 * registered. It skips time for every workflow on it, so a test file uses it alone.
 */
export async function startTimeSkippingServer(): Promise<TestWorkflowEnvironment> {
  const executable = process.env.TEMPORAL_TEST_SERVER;
  const env = await TestWorkflowEnvironment.createTimeSkipping(
    executable ? { server: { executable: { type: 'existing-path', path: executable } } } : undefined,
  );
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: { OrderStatus: 2, CustomerId: 2, OrderTotal: 3 }, // KEYWORD, KEYWORD, INT
  });
  return env;
}

let bundle: Promise<{ code: string }> | undefined;

/** The order workflows bundled from source, once per test file (jest isolates modules per file). */
export function orderWorkflowBundle(): Promise<{ code: string }> {
  bundle ??= bundleOrderWorkflows(path.resolve(__dirname, '../../workflows'), new DefaultLogger('WARN'));
  return bundle;
}

export function uniqueTaskQueue(name: string): string {
  return `test-${name}-${randomUUID().slice(0, 8)}`;
}

export interface RunningWorker {
  worker: Worker;
  taskQueue: string;
  /** Graceful shutdown; resolves when the worker stopped. */
  stop(): Promise<void>;
}

/** A worker for the order workflow on `taskQueue`, running until `stop()`. */
export async function startOrderWorker(options: {
  env: TestWorkflowEnvironment;
  taskQueue: string;
  activities: OrderActivities;
  worker?: Partial<OrderWorkerOptions>;
}): Promise<RunningWorker> {
  const worker = await createOrderWorker({
    connection: options.env.nativeConnection,
    namespace: options.env.namespace ?? 'default',
    taskQueue: options.taskQueue,
    activities: options.activities,
    workflowBundle: await orderWorkflowBundle(),
    shutdownGraceTime: '5s',
    ...options.worker,
  });
  const running = worker.run();
  let stopped: Promise<void> | undefined;
  return {
    worker,
    taskQueue: options.taskQueue,
    stop() {
      if (!stopped) {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        stopped = running;
      }
      return stopped;
    },
  };
}

// ---------------------------------------------------------------- projections (read back for assertions)

/** The order's event trail, oldest first: ['order.created', 'inventory.reserved', ...]. */
export async function eventTypes(dataSource: DataSource, orderId: string): Promise<string[]> {
  const rows: { type: string }[] = await dataSource.query('SELECT type FROM order_events WHERE order_id = $1 ORDER BY seq', [orderId]);
  return rows.map((row) => row.type);
}

export async function invoicesOf(dataSource: DataSource, orderId: string): Promise<{ revision: number; status: string }[]> {
  return dataSource.query('SELECT revision, status FROM invoices WHERE order_id = $1 ORDER BY revision', [orderId]);
}

export async function orderRow(dataSource: DataSource, orderId: string): Promise<{ status: string; status_reason: string | null; tracking_number: string | null } | undefined> {
  const [row] = await dataSource.query('SELECT status, status_reason, tracking_number FROM orders WHERE id = $1', [orderId]);
  return row;
}

// ---------------------------------------------------------------- orders

/** The order events of the happy path, in order. */
export const HAPPY_PATH_EVENTS = [
  'order.created',
  'inventory.reserved',
  'invoice.created',
  'payment.authorized',
  'shipment.created',
  'order.shipped',
  'payment.captured',
  'order.delivered',
];

export const TEST_ADDRESS: ShippingAddress = { name: 'Ada Lovelace', line1: '1 Main St', city: 'Austin', postalCode: '78701', country: 'US' };

export function orderInput(customerId: string, lines: OrderLineInput[], attrs: Partial<CreateOrderInput> = {}): CreateOrderInput {
  return {
    orderId: randomUUID(),
    customerId,
    lines,
    shippingAddress: TEST_ADDRESS,
    payment: { token: 'tok_ok' },
    ...attrs,
  };
}

/** Quick parking settings for tests: payment/carrier give up after 3 fast attempts. */
export const FAST_PROVIDER_RETRY: OrderWorkflowOptions['providerRetry'] = {
  initialInterval: '100ms',
  backoffCoefficient: 1,
  maximumInterval: '100ms',
  maximumAttempts: 3,
};

export type OrderHandle = WorkflowHandle<typeof orderWorkflow>;

/**
 * Starts (or reaches) an order exactly as `POST /v1/orders` does: update-with-start with
 * conflict policy USE_EXISTING, reuse policy REJECT_DUPLICATE and the Idempotency-Key as update id.
 * Answers once the workflow has recorded the order.
 */
export async function placeOrder(
  client: Client,
  order: CreateOrderInput,
  opts: { taskQueue: string; idempotencyKey?: string; options?: OrderWorkflowOptions },
): Promise<{ handle: OrderHandle; state: OrderState }> {
  const input: OrderWorkflowInput = { order, ...(opts.options ? { options: opts.options } : {}) };
  const startWorkflowOperation = new WithStartWorkflowOperation<typeof orderWorkflow>(
    ORDER_WORKFLOW_TYPE,
    orderWorkflowStartOptions(input, opts.taskQueue),
  );
  const state = await client.workflow.executeUpdateWithStart(placeOrderUpdate, {
    updateId: opts.idempotencyKey ?? randomUUID(),
    startWorkflowOperation,
  });
  return { handle: await startWorkflowOperation.workflowHandle(), state };
}

/** Polls `probe` until it returns something truthy (or throws after `timeoutMs`). */
export async function eventually<T>(probe: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Waits until the workflow's live state satisfies `predicate` (through the `state` query). */
export function stateEventually(handle: OrderHandle, predicate: (state: OrderState) => boolean, what: string, timeoutMs = 30_000): Promise<OrderState> {
  return eventually(async () => {
    const state = await handle.query(orderStateQuery);
    return predicate(state) ? state : undefined;
  }, what, timeoutMs);
}

export async function historyEvents(handle: WorkflowHandle): Promise<temporal.api.history.v1.IHistoryEvent[]> {
  const history = await handle.fetchHistory();
  return history.events ?? [];
}

/** The activity type of a local activity's marker (Core records it in plain JSON beside the encoded result). */
export function localActivityType(event: temporal.api.history.v1.IHistoryEvent): string | undefined {
  const data = event.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
  return data ? (JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type?: string }).activity_type : undefined;
}

/**
 * Waits until the order's booking is under way: a worker has started the workflow task that takes
 * the authorization's result, and the booking runs in that task as a local activity (patch
 * 'local-provider-calls'; describe lists no pending activity, and a query would wait for the
 * task). Whatever is sent from here on reaches the order in a later task, after the booking.
 * (payment.authorized in the projection was not enough: a cancel could still reach the workflow
 * in the task with the authorization's result, ahead of it, and the booking never ran.)
 */
export async function bookingUnderWay(handle: WorkflowHandle): Promise<void> {
  await eventually(
    async () => {
      const events = await historyEvents(handle);
      const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'authorizePayment')?.eventId;
      const completed = events.findIndex((e) => scheduled != null && e.activityTaskCompletedEventAttributes?.scheduledEventId?.toString() === scheduled.toString());
      return completed >= 0 && events.slice(completed).some((e) => e.workflowTaskStartedEventAttributes != null);
    },
    'the booking to be under way',
    60_000,
    50,
  );
}

/** Whether an activity of `activityType` is running (started by a worker) for the workflow right now. */
export async function activityRunning(handle: WorkflowHandle, activityType: string): Promise<boolean> {
  const { raw } = await handle.describe();
  return (raw.pendingActivities ?? []).some(
    (activity) => activity.activityType?.name === activityType && activity.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
  );
}

export function hasUpdateAccepted(events: temporal.api.history.v1.IHistoryEvent[], updateName?: string): boolean {
  return events.some(
    (e) =>
      e.workflowExecutionUpdateAcceptedEventAttributes != null &&
      (updateName === undefined || e.workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest?.input?.name === updateName),
  );
}

// ---------------------------------------------------------------- the saga on real services

export interface SagaTestBedOptions {
  /** Simulated provider round trips (ms): long enough to cancel a step while it runs. */
  paymentLatencyMs?: number;
  carrierLatencyMs?: number;
  worker?: Partial<OrderWorkerOptions>;
  /** Skip starting a worker (a test that starts its own, e.g. in another process). */
  noWorker?: boolean;
  /** The shared dev server (default), or a time-skipping test server of the file's own. */
  server?: 'dev' | 'time-skipping';
  /** Another payment provider for the activities (the file's simulator stays in `payment`). */
  paymentAdapter?: PaymentAdapter;
}

/**
 * Everything a saga test needs: the dev server, PostgreSQL (migrated), Redis, the real order
 * activities with simulators of their own (so switching this file's carrier off affects no other
 * file), and a worker on a task queue of the file's own. The simulated carrier is manual: tests
 * move parcels with `carrierEvent`, the same signal the dispatcher and the webhook send.
 */
export class SagaTestBed {
  env!: TestWorkflowEnvironment;
  dataSource!: DataSource;
  redis!: Redis;
  payment!: PaymentSimulator;
  carrier!: CarrierSimulator;
  activities!: OrderActivities;
  worker: RunningWorker | undefined;
  readonly taskQueue: string;

  constructor(
    name: string,
    private readonly options: SagaTestBedOptions = {},
  ) {
    this.taskQueue = uniqueTaskQueue(name);
  }

  get client(): Client {
    return this.env.client;
  }

  async start(): Promise<void> {
    this.env = this.options.server === 'time-skipping' ? await startTimeSkippingServer() : await connectToDevServer();
    this.dataSource = await openTestDataSource({ poolSize: 10 });
    this.redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6380', { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
    await this.redis.connect();
    this.payment = new PaymentSimulator({ dataSource: this.dataSource, latencyMs: this.options.paymentLatencyMs ?? 0 });
    this.carrier = new CarrierSimulator({
      dataSource: this.dataSource,
      latencyMs: this.options.carrierLatencyMs ?? 0,
      shipAfterMs: null,
      deliverAfterMs: null,
    });
    this.activities = createOrderActivities({
      dataSource: this.dataSource,
      redis: this.redis,
      payment: this.options.paymentAdapter ?? this.payment,
      carrier: this.carrier,
      logger: pino({ level: 'silent' }),
    });
    if (!this.options.noWorker) await this.startWorker();
  }

  async startWorker(worker: Partial<OrderWorkerOptions> = {}): Promise<RunningWorker> {
    this.worker = await startOrderWorker({
      env: this.env,
      taskQueue: this.taskQueue,
      activities: this.activities,
      worker: { ...this.options.worker, ...worker },
    });
    return this.worker;
  }

  async stop(): Promise<void> {
    await this.worker?.stop();
    this.redis?.disconnect();
    await this.dataSource?.destroy();
    await this.env?.teardown();
  }

  async customer(attrs: Parameters<typeof createCustomer>[1] = {}): Promise<string> {
    return createCustomer(this.dataSource, attrs);
  }

  async product(attrs: Parameters<typeof createProduct>[1] = {}): Promise<string> {
    return createProduct(this.dataSource, { onHand: 100, ...attrs });
  }

  /** A customer and one product, and an order of `quantity` units of it. */
  async simpleOrder(attrs: Partial<CreateOrderInput> & { quantity?: number; onHand?: number } = {}): Promise<{ order: CreateOrderInput; sku: string }> {
    const { quantity = 2, onHand, ...rest } = attrs;
    const customerId = await this.customer();
    const sku = await this.product(onHand !== undefined ? { onHand } : {});
    return { order: orderInput(customerId, [{ sku, quantity }], rest), sku };
  }

  place(order: CreateOrderInput, opts: { idempotencyKey?: string; options?: OrderWorkflowOptions } = {}) {
    return placeOrder(this.client, order, { taskQueue: this.taskQueue, ...opts });
  }

  /** The carrier reports a parcel, through the function the worker's dispatcher delivers with. */
  async carrierReports(orderId: string, kind: CarrierDispatchEvent['kind']): Promise<void> {
    const [shipment]: { carrier_shipment_id: string; tracking_number: string }[] = await this.dataSource.query(
      `SELECT carrier_shipment_id, tracking_number FROM shipments WHERE order_id = $1 AND status <> 'CANCELED'`,
      [orderId],
    );
    await carrierEventDelivery(this.client)({
      orderId,
      carrierShipmentId: shipment.carrier_shipment_id,
      trackingNumber: shipment.tracking_number,
      kind,
      at: new Date().toISOString(),
    });
  }
}

// ---------------------------------------------------------------- stored histories

/** Replays stored histories (JSON files, `files` relative to `dir`) against the current workflow bundle: one line per failure. */
export async function replayFailures(dir: string, files: string[]): Promise<string[]> {
  const histories = await Promise.all(
    files.map(async (file) => ({ workflowId: file.replace(/\.json$/, ''), history: historyFromJson(JSON.parse(await readFile(path.join(dir, file), 'utf8'))) })),
  );
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: await orderWorkflowBundle() }, histories)) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  return failures;
}

