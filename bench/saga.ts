// The order saga's throughput against its floor.
//
//   npx tsx bench/saga.ts [--orders 1000] [--concurrency 50]
//
// Starts an order worker in this process on a task queue of the run's own (the real activities,
// both simulators at zero latency, the carrier shipping and delivering at once through the
// carrier dispatcher) and a PostgreSQL schema of the run's own, then drives `--orders` orders
// through update-with-start exactly as POST /v1/orders does. `--concurrency` lanes each place an
// order and wait until it is PROCESSING (what a checkout waits for) before placing the next; the
// rest of each saga (shipment, capture, delivery) runs on behind them. Then the same for the
// floor (bench/floor-workflow.ts: the same update-with-start and number of activities, doing
// nothing). `--external-worker <task queue>` drives a worker that is already running instead
// (on DATABASE_URL's schema; no floor profile of the worker then).
//
// `--temporal-server` picks the Temporal server: `file` (default) starts a dev server of the run's
// own with a SQLite file, as `./dev up` runs it (same flags); `memory` the same without the file
// (in-memory SQLite); `external` uses TEMPORAL_ADDRESS. The worker's pollers can be varied with
// `--workflow-polls`, `--activity-polls` and `--sticky-ratio` (0: the worker's defaults).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { asyncLocalStorage } from '@temporalio/activity';
import { Client, Connection, WithStartWorkflowOperation } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import Redis from 'ioredis';
import { Client as PgClient } from 'pg';
import type { DataSource } from 'typeorm';
import type { AppendedEvent } from '../activities/events-publisher';
import type { OrderActivities } from '../activities/contract';
import type { CreateOrderInput } from '../domain/order';
import { bundleOrderWorkflows, startCarrierEventDispatcher } from '../workers/order-worker';
import { ORDER_WORKFLOW_TYPE, orderWorkflowStartOptions, placeOrderUpdate } from '../workflows/order-definitions';
import { bundleFloorWorkflow, createFloorActivities, createFloorWorker, placeFloorOrder } from './floor';
import {
  BENCH_ADDRESS,
  benchActivities,
  benchLines,
  type Catalogue,
  createBenchOrderWorker,
  DEFAULT_WORKER_SETTINGS,
  freePort,
  log,
  ms,
  openBenchDatabase,
  parseFlags,
  percentile,
  rate,
  ratio,
  type SagaWorkerSettings,
  seedCatalogue,
  services,
  table,
  terminateRunning,
} from './support';

/** Activities of the saga's happy path: place, reserve, invoice, authorize, book, record shipped, capture, record delivered. */
const HAPPY_PATH_ACTIVITIES = 8;
/** The step after which an order is PROCESSING (authorizePayment is the 4th). */
const PROCESSING_STEP = 4;

/** What a failed run must still do (end the workflows it left open). */
const onFailure: (() => Promise<unknown>)[] = [];

const flags = parseFlags(process.argv.slice(2), {
  orders: 1000,
  concurrency: 50,
  warmup: 50,
  'external-worker': '',
  'skip-floor': false,
  'keep-schema': false,
  'db-pool': 20,
  'max-activities': DEFAULT_WORKER_SETTINGS.maxConcurrentActivityTaskExecutions,
  'max-workflow-tasks': DEFAULT_WORKER_SETTINGS.maxConcurrentWorkflowTaskExecutions,
  'max-cached': DEFAULT_WORKER_SETTINGS.maxCachedWorkflows,
  'dispatch-poll-ms': 50,
  // The simulators at zero latency: the carrier reports shipped and delivered at once.
  'ship-after-ms': 0,
  'deliver-after-ms': 0,
  'timeout-s': 600,
  'temporal-server': 'file',
  /** Extra dynamic config of a dev server the bench starts, comma-separated KEY=VALUE. */
  'temporal-dynamic-config': '',
  /** SQLite pragmas of a dev server the bench starts, comma-separated NAME=VALUE (--sqlite-pragma). */
  'temporal-sqlite-pragma': 'journal_mode=wal,synchronous=normal',
  'workflow-polls': 0,
  'activity-polls': 0,
  'sticky-ratio': 0,
});

// ---------------------------------------------------------------- the Temporal server

/** The Temporal CLI as ./dev finds it: on PATH, else the one ./dev installed. */
function temporalCli(): string {
  if (process.env.TEMPORAL_CLI) return process.env.TEMPORAL_CLI;
  const installed = path.resolve(__dirname, '../.tools/py/bin/temporal');
  return existsSync(installed) ? installed : 'temporal';
}

interface TemporalServer {
  address: string;
  description: string;
  stop(): Promise<void>;
}

/** A dev server of the run's own, with `./dev up`'s flags (scripts/stack.sh temporal_start); `file`: a SQLite file, as ./dev up. */
async function startTemporalServer(kind: 'memory' | 'file'): Promise<TemporalServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ordersaga-bench-temporal-'));
  const [port, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  // ./dev up's dynamic config; --temporal-dynamic-config adds to it or overrides a key of it.
  const devUp = ['frontend.enableUpdateWorkflowExecution=true', 'frontend.enableExecuteMultiOperation=true', 'system.forceSearchAttributesCacheRefreshOnRead=true'];
  const extraDynamic = String(flags['temporal-dynamic-config']).split(',').map((v) => v.trim()).filter(Boolean);
  const dynamic = [...devUp.filter((d) => !extraDynamic.some((e) => e.split('=')[0] === d.split('=')[0])), ...extraDynamic];
  const args = [
    'server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--http-port', String(httpPort),
    '--metrics-port', String(metricsPort), '--log-level', 'warn',
    ...(kind === 'file' ? ['--db-filename', path.join(dir, 'temporal.db')] : []),
    '--search-attribute', 'OrderStatus=Keyword', '--search-attribute', 'CustomerId=Keyword', '--search-attribute', 'OrderTotal=Int',
    ...dynamic.flatMap((v) => ['--dynamic-config-value', v]),
    ...String(flags['temporal-sqlite-pragma']).split(',').map((v) => v.trim()).filter(Boolean).flatMap((v) => ['--sqlite-pragma', v]),
  ];
  const logFd = openSync(path.join(dir, 'temporal.log'), 'a');
  const child: ChildProcess = spawn(temporalCli(), args, { stdio: ['ignore', logFd, logFd] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const address = `127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  onFailure.push(stop);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the Temporal dev server exited (${child.exitCode}); see ${dir}/temporal.log`);
    try {
      const probe = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await probe.workflowService.describeNamespace({ namespace: 'default' });
        // The search attributes are registered once the namespace answers a query on them.
        await probe.workflowService.countWorkflowExecutions({ namespace: 'default', query: 'OrderStatus = "PENDING"' });
      } finally {
        await probe.close();
      }
      break;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`the Temporal dev server did not come up within 60 s: ${(err as Error).message}`, { cause: err });
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const extras = [...extraDynamic, ...args.filter((_, i) => args[i - 1] === '--sqlite-pragma')];
  const description = `dev server of the bench's own on ${address}, ${kind === 'file' ? 'SQLite file (as ./dev up)' : 'in-memory SQLite'}${extras.length ? `; ${extras.join(' ')}` : ''}`;
  return { address, description, stop };
}

// ---------------------------------------------------------------- progress of each order

interface Waiter {
  processing: Deferred<number>;
  delivered: Deferred<number>;
  since: number;
}

class Deferred<T> {
  readonly promise: Promise<T>;
  resolve!: (value: T) => void;
  reject!: (err: Error) => void;
  settled = false;
  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolve = (v) => {
        this.settled = true;
        resolve(v);
      };
      this.reject = (e) => {
        this.settled = true;
        reject(e);
      };
    });
    this.promise.catch(() => undefined);
  }
}

/** When each order became PROCESSING and DELIVERED (performance.now() of this process). */
class Progress {
  private readonly waiters = new Map<string, Waiter>();

  expect(orderId: string): Waiter {
    const waiter: Waiter = { processing: new Deferred(), delivered: new Deferred(), since: performance.now() };
    this.waiters.set(orderId, waiter);
    return waiter;
  }

  processing(orderId: string, at = performance.now()): void {
    const w = this.waiters.get(orderId);
    if (w && !w.processing.settled) w.processing.resolve(at);
  }

  delivered(orderId: string, at = performance.now()): void {
    const w = this.waiters.get(orderId);
    if (!w) return;
    if (!w.processing.settled) w.processing.resolve(at);
    if (!w.delivered.settled) w.delivered.resolve(at);
  }

  failed(orderId: string, why: string): void {
    const w = this.waiters.get(orderId);
    if (!w) return;
    const err = new Error(`order ${orderId}: ${why}`);
    if (!w.processing.settled) w.processing.reject(err);
    if (!w.delivered.settled) w.delivered.reject(err);
  }

  /** Orders still waiting for something, and since when. */
  pending(): { orderId: string; since: number }[] {
    return [...this.waiters].filter(([, w]) => !w.delivered.settled).map(([orderId, w]) => ({ orderId, since: w.since }));
  }

  forget(): void {
    this.waiters.clear();
  }
}

/**
 * The saga's progress as a client sees it: the order events the activities publish after each
 * commit (Redis), with PostgreSQL as the fallback for an event Redis lost (publishing is best effort).
 */
function watchSagaEvents(subscriber: Redis, dataSource: DataSource, progress: Progress): () => void {
  subscriber.on('pmessage', (_pattern: string, _channel: string, message: string) => {
    let event: AppendedEvent;
    try {
      event = JSON.parse(message) as AppendedEvent;
    } catch {
      return; // someone else's channel content
    }
    if (event.type === 'payment.authorized') progress.processing(event.orderId);
    else if (event.type === 'order.delivered') progress.delivered(event.orderId);
    else if (event.type === 'order.rejected' || event.type === 'order.canceled' || event.type === 'order.needs_attention') {
      progress.failed(event.orderId, `${event.type} ${JSON.stringify(event.data)}`);
    }
  });
  const sweep = setInterval(() => void sweepStale().catch((err: Error) => log(`progress sweep: ${err.message}`)), 1000);
  const sweepStale = async () => {
    const stale = progress.pending().filter((p) => performance.now() - p.since > 3000);
    if (stale.length === 0) return;
    const rows: { id: string; status: string; lost: boolean }[] = await dataSource.query(
      `SELECT o.id, o.status, coalesce(c.delivered_at < now() - interval '30 seconds', false) AS lost
         FROM orders o LEFT JOIN sim_carrier_shipments c ON c.order_id = o.id
        WHERE o.id = ANY($1::uuid[])`,
      [stale.map((s) => s.orderId)],
    );
    for (const row of rows) {
      if (row.status === 'DELIVERED') progress.delivered(row.id);
      else if (row.status === 'PROCESSING' || row.status === 'SHIPPED') progress.processing(row.id);
      // The carrier delivered half a minute ago and the order never moved: the workflow dropped its events.
      if (row.status === 'PROCESSING' && row.lost) {
        progress.failed(row.id, 'stuck in PROCESSING although the carrier reported shipped and delivered (carrier events dropped by the workflow)');
      }
    }
  };
  return () => clearInterval(sweep);
}

// ---------------------------------------------------------------- driving orders

interface OrderTiming {
  orderId: string;
  /** ms from the run's start */
  placedAfter: number;
  /** update-with-start round trip */
  placeMs: number;
  toProcessingMs: number;
  processingAt: number;
}

interface RunResult {
  orders: number;
  timings: OrderTiming[];
  processingPerSecond: number;
  deliveredPerSecond: number;
  wallSeconds: number;
}

async function drive(opts: {
  orders: number;
  concurrency: number;
  progress: Progress;
  place: (i: number, orderId: string) => Promise<void>;
  timeoutMs: number;
}): Promise<RunResult> {
  const started = performance.now();
  const timings: OrderTiming[] = [];
  const delivered: Promise<number>[] = [];
  let next = 0;
  const lane = async () => {
    while (next < opts.orders) {
      const i = next++;
      const orderId = randomUUID();
      const waiter = opts.progress.expect(orderId);
      delivered.push(waiter.delivered.promise);
      const t0 = performance.now();
      await opts.place(i, orderId);
      const placed = performance.now();
      const processingAt = await waiter.processing.promise;
      timings.push({ orderId, placedAfter: t0 - started, placeMs: placed - t0, toProcessingMs: processingAt - t0, processingAt });
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not done within ${opts.timeoutMs / 1000} s; ${opts.progress.pending().length} orders pending`)), opts.timeoutMs);
  });
  try {
    await Promise.race([Promise.all(Array.from({ length: opts.concurrency }, lane)), deadline]);
    const deliveredAt = await Promise.race([Promise.all(delivered), deadline]);
    const lastProcessing = Math.max(...timings.map((t) => t.processingAt));
    const lastDelivered = Math.max(...deliveredAt);
    return {
      orders: opts.orders,
      timings,
      processingPerSecond: opts.orders / ((lastProcessing - started) / 1000),
      deliveredPerSecond: opts.orders / ((lastDelivered - started) / 1000),
      wallSeconds: (lastDelivered - started) / 1000,
    };
  } finally {
    clearTimeout(timer);
    opts.progress.forget();
  }
}

// ---------------------------------------------------------------- profile: Temporal's metrics, DB round trips, activity time

/** Sums of every histogram `_sum`/`_count` and counter on the worker runtime's Prometheus endpoint, for one task queue. */
async function scrapeTemporal(port: number, taskQueue: string): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const totals = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const [, name, labels = '', value] = match;
    if (name.endsWith('_bucket')) continue;
    if (labels.includes('task_queue=') && !labels.includes(`task_queue="${taskQueue}"`) && !labels.includes(`task_queue="${taskQueue}`)) continue;
    totals.set(name, (totals.get(name) ?? 0) + Number(value));
  }
  return totals;
}

function diff(after: Map<string, number>, before: Map<string, number>): Map<string, number> {
  return new Map([...after].map(([k, v]) => [k, v - (before.get(k) ?? 0)]));
}

/** Counts PostgreSQL round trips (pg Client.query calls) and time per activity type. */
class ActivityProfile {
  private readonly queries = new Map<string, number>();
  private readonly calls = new Map<string, { count: number; ms: number }>();

  install(): void {
    const proto = PgClient.prototype as unknown as { query: (...args: unknown[]) => unknown };
    const original = proto.query;
    const queries = this.queries;
    proto.query = function (this: unknown, ...args: unknown[]) {
      const activity = asyncLocalStorage.getStore()?.info.activityType ?? '(outside activities)';
      queries.set(activity, (queries.get(activity) ?? 0) + 1);
      return original.apply(this, args);
    };
  }

  wrap<T extends object>(activities: T): T {
    return Object.fromEntries(
      Object.entries(activities).map(([name, fn]) => [
        name,
        async (...args: unknown[]) => {
          const t0 = performance.now();
          try {
            return await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
          } finally {
            const c = this.calls.get(name) ?? { count: 0, ms: 0 };
            c.count++;
            c.ms += performance.now() - t0;
            this.calls.set(name, c);
          }
        },
      ]),
    ) as T;
  }

  reset(): void {
    this.queries.clear();
    this.calls.clear();
  }

  report(): string {
    const rows = [...this.calls].map(([name, c]) => [
      name,
      String(c.count),
      ms(c.ms / c.count),
      ((this.queries.get(name) ?? 0) / c.count).toFixed(1),
    ]);
    const outside = this.queries.get('(outside activities)') ?? 0;
    return `${table(['activity', 'runs', 'mean time', 'PG round trips/run'], rows)}\n(outside activities: ${outside} PG round trips: carrier dispatcher, fallbacks)`;
  }
}

function temporalReport(d: Map<string, number>, orders: number): string {
  const mean = (base: string) => {
    const sum = [...d].find(([k]) => k.startsWith(base) && k.endsWith('_sum'));
    const count = [...d].find(([k]) => k.startsWith(base) && k.endsWith('_count'));
    return sum && count && count[1] > 0 ? { mean: sum[1] / count[1], count: count[1], unit: sum[0].includes('seconds') ? 1000 : 1 } : null;
  };
  const rows: string[][] = [];
  for (const [label, base] of [
    ['workflow task schedule-to-start', 'temporal_workflow_task_schedule_to_start_latency'],
    ['workflow task execution', 'temporal_workflow_task_execution_latency'],
    ['workflow task replay', 'temporal_workflow_task_replay_latency'],
    ['activity schedule-to-start', 'temporal_activity_schedule_to_start_latency'],
    ['activity execution', 'temporal_activity_execution_latency'],
  ] as const) {
    const m = mean(base);
    if (m) rows.push([label, ms(m.mean * m.unit), (m.count / orders).toFixed(1)]);
  }
  const counter = (prefix: string) => [...d].filter(([k]) => k.startsWith(prefix)).reduce((s, [, v]) => s + v, 0);
  const hits = counter('temporal_sticky_cache_hit');
  const misses = counter('temporal_sticky_cache_miss');
  return `${table(['Temporal (worker side)', 'mean', 'per order'], rows)}\nsticky cache: ${hits} hits, ${misses} misses; empty polls: ${counter('temporal_workflow_task_queue_poll_empty')} workflow, ${counter('temporal_activity_poll_no_task')} activity`;
}

// ---------------------------------------------------------------- the run

function summary(name: string, r: RunResult): string[] {
  const toProcessing = r.timings.map((t) => t.toProcessingMs).sort((a, b) => a - b);
  const place = r.timings.map((t) => t.placeMs).sort((a, b) => a - b);
  return [
    name,
    rate(r.processingPerSecond),
    rate(r.deliveredPerSecond),
    ms(percentile(toProcessing, 50)),
    ms(percentile(toProcessing, 95)),
    ms(percentile(toProcessing, 99)),
    ms(percentile(place, 50)),
    ms(percentile(place, 99)),
  ];
}

async function main(): Promise<void> {
  const external = String(flags['external-worker']);
  const settings: SagaWorkerSettings = {
    maxConcurrentActivityTaskExecutions: Number(flags['max-activities']),
    maxConcurrentWorkflowTaskExecutions: Number(flags['max-workflow-tasks']),
    maxCachedWorkflows: Number(flags['max-cached']),
    ...(Number(flags['workflow-polls']) > 0 ? { maxConcurrentWorkflowTaskPolls: Number(flags['workflow-polls']) } : {}),
    ...(Number(flags['activity-polls']) > 0 ? { maxConcurrentActivityTaskPolls: Number(flags['activity-polls']) } : {}),
    ...(Number(flags['sticky-ratio']) > 0 ? { nonStickyToStickyPollRatio: Number(flags['sticky-ratio']) } : {}),
  };
  const serverKind = String(flags['temporal-server']);
  if (!['memory', 'file', 'external'].includes(serverKind)) throw new Error(`--temporal-server must be memory, file or external, got ${serverKind}`);
  const server: TemporalServer =
    serverKind === 'external'
      ? { address: services.temporalAddress, description: `external on ${services.temporalAddress} (TEMPORAL_ADDRESS)`, stop: async () => undefined }
      : await startTemporalServer(serverKind as 'memory' | 'file');
  const metricsPort = await freePort();
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${metricsPort}` } } },
  });
  const profile = new ActivityProfile();
  profile.install();

  const db = await openBenchDatabase({ prefix: 'bench_saga', poolSize: Number(flags['db-pool']), schema: external ? null : undefined });
  const orders = Number(flags.orders);
  const warmup = Number(flags.warmup);
  const concurrency = Number(flags.concurrency);
  const catalogue: Catalogue = await seedCatalogue(db.dataSource, { products: 10, stock: (orders + warmup) * 3 + 100 });

  const connection = await NativeConnection.connect({ address: server.address });
  const clientConnection = await Connection.connect({ address: server.address });
  const client = new Client({ connection: clientConnection });
  const redis = new Redis(services.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
  const subscriber = new Redis(services.redisUrl, { lazyConnect: true });
  await Promise.all([redis.connect(), subscriber.connect()]);
  await subscriber.psubscribe('order-events:*');

  log(`ordersaga saga benchmark: ${orders} orders (+${warmup} warm-up), concurrency ${concurrency}; ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  log(`Temporal: ${server.description}`);
  log(`worker: ${external ? `external, task queue ${external}` : `in-process, ${JSON.stringify(settings)}, PG pool ${flags['db-pool']}, schema ${db.schema}`}`);

  // ------------------------------------------------ the saga
  const sagaQueue = external || `bench-saga-${randomBytes(4).toString('hex')}`;
  if (!external) onFailure.push(() => terminateRunning(client, sagaQueue));
  let sagaWorker: Worker | undefined;
  let sagaRunning: Promise<void> | undefined;
  let stopDispatcher: (() => Promise<void>) | undefined;
  if (!external) {
    const bundlePath = path.resolve(__dirname, '../dist/workflow-bundle.js');
    const workflowBundle = process.env.BENCH_USE_DIST_BUNDLE && existsSync(bundlePath) ? { codePath: bundlePath } : await bundleOrderWorkflows();
    const activities = profile.wrap<OrderActivities>(benchActivities(db.dataSource, redis, {
      shipAfterMs: Number(flags['ship-after-ms']),
      deliverAfterMs: Number(flags['deliver-after-ms']),
    }));
    sagaWorker = await createBenchOrderWorker({ connection, taskQueue: sagaQueue, activities, workflowBundle, settings });
    sagaRunning = sagaWorker.run();
    stopDispatcher = startCarrierEventDispatcher({
      client,
      dataSource: db.dataSource,
      pollMs: Number(flags['dispatch-poll-ms']),
      onError: (err) => log(`carrier dispatcher: ${(err as Error).message}`),
    });
  }
  const sagaProgress = new Progress();
  const stopWatching = watchSagaEvents(subscriber, db.dataSource, sagaProgress);
  const placeSagaOrder = async (i: number, orderId: string) => {
    const order: CreateOrderInput = {
      orderId,
      customerId: catalogue.customerId,
      lines: benchLines(catalogue.skus, i),
      shippingAddress: BENCH_ADDRESS,
      payment: { token: 'tok_ok' },
    };
    const startWorkflowOperation = new WithStartWorkflowOperation(ORDER_WORKFLOW_TYPE, orderWorkflowStartOptions({ order }, sagaQueue));
    await client.workflow.executeUpdateWithStart(placeOrderUpdate, { updateId: randomUUID(), startWorkflowOperation });
  };
  const timeoutMs = Number(flags['timeout-s']) * 1000;
  if (warmup > 0) await drive({ orders: warmup, concurrency, progress: sagaProgress, place: placeSagaOrder, timeoutMs });
  profile.reset();
  const sagaBefore = await scrapeTemporal(metricsPort, sagaQueue);
  const saga = await drive({ orders, concurrency, progress: sagaProgress, place: placeSagaOrder, timeoutMs });
  const sagaTemporal = diff(await scrapeTemporal(metricsPort, sagaQueue), sagaBefore);
  const sagaProfile = profile.report();
  stopWatching();

  // State transitions per order, from the event trail the activities wrote.
  const ids = saga.timings.map((t) => t.orderId);
  const [trail]: { events: string; transitions: string }[] = await db.dataSource.query(
    `SELECT count(*)::float / $2 AS events,
            count(*) FILTER (WHERE type IN ('order.created', 'payment.authorized', 'order.shipped', 'order.delivered',
                                            'order.canceled', 'order.rejected', 'order.needs_attention', 'order.resumed'))::float / $2 AS transitions
       FROM order_events WHERE order_id = ANY($1::uuid[])`,
    [ids, ids.length],
  );
  const [statuses]: { delivered: string; total: string }[] = await db.dataSource.query(
    `SELECT count(*) FILTER (WHERE status = 'DELIVERED') AS delivered, count(*) AS total FROM orders WHERE id = ANY($1::uuid[])`,
    [ids],
  );

  if (sagaWorker) {
    await stopDispatcher?.();
    sagaWorker.shutdown();
    await sagaRunning;
  }

  // ------------------------------------------------ the floor
  let floor: RunResult | undefined;
  let floorTemporal: Map<string, number> | undefined;
  if (!flags['skip-floor']) {
    const floorQueue = `bench-floor-${randomBytes(4).toString('hex')}`;
    onFailure.push(() => terminateRunning(client, floorQueue));
    const floorProgress = new Progress();
    const activities = createFloorActivities((orderId, step) => {
      if (step === PROCESSING_STEP) floorProgress.processing(orderId);
      if (step === HAPPY_PATH_ACTIVITIES) floorProgress.delivered(orderId);
    });
    const floorWorker = await createFloorWorker({ connection, taskQueue: floorQueue, activities, workflowBundle: await bundleFloorWorkflow(), settings });
    const floorRunning = floorWorker.run();
    const placeFloor = (_i: number, orderId: string) =>
      placeFloorOrder(client, { orderId, steps: HAPPY_PATH_ACTIVITIES, customerId: catalogue.customerId }, floorQueue);
    if (warmup > 0) await drive({ orders: warmup, concurrency, progress: floorProgress, place: placeFloor, timeoutMs });
    const floorBefore = await scrapeTemporal(metricsPort, floorQueue);
    floor = await drive({ orders, concurrency, progress: floorProgress, place: placeFloor, timeoutMs });
    floorTemporal = diff(await scrapeTemporal(metricsPort, floorQueue), floorBefore);
    floorWorker.shutdown();
    await floorRunning;
  }

  // ------------------------------------------------ figures
  log('');
  log(
    table(
      ['run', 'orders/s to PROCESSING', 'orders/s to DELIVERED', 'p50 to PROCESSING', 'p95', 'p99', 'update-with-start p50', 'p99'],
      [summary('order saga', saga), ...(floor ? [summary(`floor (${HAPPY_PATH_ACTIVITIES} empty activities)`, floor)] : [])],
    ),
  );
  if (floor) {
    log('');
    log(`saga / floor: ${ratio(saga.processingPerSecond / floor.processingPerSecond)} to PROCESSING, ${ratio(saga.deliveredPerSecond / floor.deliveredPerSecond)} to DELIVERED (target >= 0.70)`);
  }
  log(`state transitions per order: ${Number(trail.transitions).toFixed(2)} (PENDING -> PROCESSING -> SHIPPED -> DELIVERED, counting creation); order events per order: ${Number(trail.events).toFixed(2)}`);
  log(`orders DELIVERED: ${statuses.delivered} of ${statuses.total}; wall time ${saga.wallSeconds.toFixed(1)} s (saga)${floor ? `, ${floor.wallSeconds.toFixed(1)} s (floor)` : ''}`);
  if (!external) {
    log('');
    log('profile of the saga run:');
    log(sagaProfile);
    log(temporalReport(sagaTemporal, orders));
    if (floorTemporal) {
      log('');
      log('profile of the floor run:');
      log(temporalReport(floorTemporal, orders));
    }
  }

  redis.disconnect();
  subscriber.disconnect();
  await clientConnection.close();
  await connection.close();
  await db.close({ keep: Boolean(flags['keep-schema']) });
  await server.stop();
}

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    for (const cleanup of onFailure) await cleanup().catch(() => undefined);
    process.stderr.write(`saga benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
