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
// own with a SQLite file, as `./dev up` starts it (the same shell function, without the UI);
// `memory` the same without the file (in-memory SQLite); `external` uses TEMPORAL_ADDRESS. The
// worker's pollers can be varied with `--workflow-polls`, `--activity-polls` and `--sticky-ratio`
// (0: the worker's defaults).
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { Client, Connection, WithStartWorkflowOperation } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import Redis from 'ioredis';
import type { OrderActivities } from '../activities/contract';
import type { CreateOrderInput } from '../domain/order';
import { startTemporalDevServer } from '../scripts/lib/services';
import { bundleOrderWorkflows, startCarrierEventDispatcher } from '../workers/order-worker';
import { ORDER_WORKFLOW_TYPE, orderWorkflowStartOptions, placeOrderUpdate } from '../workflows/order-definitions';
import { bundleFloorWorkflow, createFloorActivities, createFloorWorker, placeFloorOrder } from './floor';
import { type RunResult, Progress, drive, watchSagaEvents } from './saga-drive';
import { ActivityProfile, diff, scrapeTemporal, temporalReport } from './saga-profile';
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
  /** Dynamic config added to a dev server the bench starts, comma-separated KEY=VALUE. */
  'temporal-dynamic-config': '',
  /** SQLite pragmas added to a dev server the bench starts, comma-separated NAME=VALUE (./dev up's: journal_mode=wal,synchronous=normal). */
  'temporal-sqlite-pragma': '',
  'workflow-polls': 0,
  'activity-polls': 0,
  'sticky-ratio': 0,
});

// ---------------------------------------------------------------- the Temporal server

interface TemporalServer {
  address: string;
  description: string;
  stop(): Promise<void>;
}

/**
 * A dev server of the run's own, started as `./dev up` starts it (scripts/lib/services.ts), without
 * its UI; `memory` without the SQLite file. --temporal-dynamic-config and --temporal-sqlite-pragma
 * add to ./dev up's flags.
 */
async function startTemporalServer(kind: 'memory' | 'file'): Promise<TemporalServer> {
  const list = (flag: 'temporal-dynamic-config' | 'temporal-sqlite-pragma') => String(flags[flag]).split(',').map((v) => v.trim()).filter(Boolean);
  const extras = [...list('temporal-dynamic-config').map((v) => `--dynamic-config-value ${v}`), ...list('temporal-sqlite-pragma').map((v) => `--sqlite-pragma ${v}`)];
  const server = await startTemporalDevServer({
    port: await freePort(),
    uiPort: await freePort(),
    flags: ['--headless', ...(kind === 'memory' ? ['--db-filename='] : []), ...extras],
  });
  onFailure.push(server.stop);
  const description = `dev server of the bench's own on ${server.address}, ${kind === 'file' ? 'SQLite file (as ./dev up)' : 'in-memory SQLite'}${extras.length ? `; ${extras.join(' ')}` : ''}`;
  return { address: server.address, description, stop: server.stop };
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
