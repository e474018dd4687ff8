// The worker process: validated settings, connections, the order and migration workers (from the
// prebuilt workflow bundle when there is one), the legacy migration's Schedule, the carrier
// simulator's dispatcher, Temporal's Prometheus metrics on METRICS_PORT, the health endpoints on
// HEALTH_PORT (when set), and a graceful stop that lets in-flight tasks finish.
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import Redis from 'ioredis';
import { createOrderActivities } from '../activities';
import { createWebhookActivities } from '../activities/webhooks';
import { CarrierDueSignal } from '../activities/adapters/carrier-dispatcher';
import { CarrierSimulator } from '../activities/adapters/carrier-simulator';
import { createPaymentAdapter } from '../activities/adapters/payment-provider';
import { createDataSource, hearLostSessions } from '../entities/data-source';
import { MIGRATION_TASK_QUEUE, ORDERS_TASK_QUEUE, WEBHOOKS_TASK_QUEUE } from '../domain/ids';
import { loadConfig, workerSchema } from '../runtime/config';
import { createDataConverter } from '../runtime/data-converter';
import { createLogger } from '../runtime/logger';
import { onShutdown } from '../runtime/shutdown';
import { createMigrationWorker, ensureMigrationSchedule } from './migration-worker';
import { serveWorkerHealth } from './health';
import { createOrderWorker, startCarrierEventDispatcher } from './order-worker';
import { temporalLoggerFor } from './temporal-logger';
import { createWebhookWorker, ensureWebhookDispatchSchedule, startEndpointWorkflows } from './webhook-worker';

async function main() {
  const config = loadConfig(workerSchema);
  const logger = createLogger('worker', config.LOG_LEVEL);

  // The SDK's own logs go through pino too, so every line of the process is JSON.
  Runtime.install({
    logger: temporalLoggerFor(logger),
    telemetryOptions: { metrics: { prometheus: { bindAddress: `0.0.0.0:${config.METRICS_PORT}` } } },
  });

  const dataSource = createDataSource(config.DATABASE_URL, { poolSize: config.DATABASE_POOL_SIZE });
  await dataSource.initialize().catch((err: Error) => {
    throw new Error(`cannot reach PostgreSQL at DATABASE_URL: ${err.message}`, { cause: err });
  });
  hearLostSessions(dataSource, (err) => logger.warn({ err: err.message }, 'postgres session lost'));
  // Publishing is best effort: without an offline queue a Redis outage fails the publish at once.
  // Auto-pipelining: an event's cache invalidation and publishes go out in one write.
  const redis = new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, enableAutoPipelining: true });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis'));

  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  // Payload encryption (PAYLOAD_ENCRYPTION_KEYS) for the worker and its client alike.
  const dataConverter = createDataConverter(config);
  // The client (carrier signals, webhook and migration starts) shares the worker's native
  // connection: no second gRPC stack in JavaScript.
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter });

  // Each task queue can run alone (WORKER_TASK_QUEUES), so they can be scaled apart.
  const queues = new Set(config.WORKER_TASK_QUEUES.split(',').map((q) => q.trim()).filter(Boolean));
  const bundlePath = config.WORKFLOW_BUNDLE_PATH || path.resolve(__dirname, '../workflow-bundle.js');
  const bundle = existsSync(bundlePath) ? { workflowBundle: { codePath: bundlePath } } : {};
  const workers: Worker[] = [];
  let stopDispatcher = async (): Promise<void> => undefined;

  if (queues.has(ORDERS_TASK_QUEUE)) {
    const manual = config.CARRIER_MODE === 'manual';
    // The simulator's bookings wake the dispatcher when they fall due (it polls only every CARRIER_POLL_MS).
    const carrierDue = new CarrierDueSignal();
    const activities = createOrderActivities({
      dataSource,
      redis,
      logger,
      payment: createPaymentAdapter(config, dataSource),
      carrier: new CarrierSimulator({
        dataSource,
        latencyMs: config.CARRIER_LATENCY_MS,
        shipAfterMs: manual ? null : config.CARRIER_SHIP_AFTER_MS,
        deliverAfterMs: manual ? null : config.CARRIER_DELIVER_AFTER_MS,
        dueSignal: carrierDue,
      }),
    });
    workers.push(await createOrderWorker({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: ORDERS_TASK_QUEUE,
      activities,
      ...bundle,
      maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
      maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
      maxConcurrentLocalActivityExecutions: config.WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES,
      maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
      shutdownGraceTime: config.SHUTDOWN_GRACE_MS,
      dataConverter,
    }));
    if (config.ENABLE_CARRIER_DISPATCHER) {
      stopDispatcher = startCarrierEventDispatcher({
        client,
        dataSource,
        pollMs: config.CARRIER_POLL_MS,
        dueSignal: carrierDue,
        onError: (err, event) => logger.warn({ err: (err as Error).message, event }, 'carrier event not delivered; will retry'),
      });
    }
  }

  if (queues.has(MIGRATION_TASK_QUEUE)) {
    workers.push(await createMigrationWorker({
      connection,
      dataSource,
      namespace: config.TEMPORAL_NAMESPACE,
      logger,
      storefront: config.LEGACY_STOREFRONT,
      // Adopted legacy orders get their order workflows through this client (same codec as the worker).
      client,
      ...bundle,
      shutdownGraceTime: config.SHUTDOWN_GRACE_MS,
      dataConverter,
    }));
    // A Schedule that cannot be set up now (Temporal refuses it) is no reason to stop migrating.
    await ensureMigrationSchedule(client, {
      intervalSeconds: config.MIGRATION_INTERVAL_SECONDS,
      pausedOnCreate: config.MIGRATION_SCHEDULE_PAUSED,
      workflowInput: { sourceSchema: config.LEGACY_SCHEMA },
    }).then(
      (schedule) => logger.info({ ...schedule, intervalSeconds: config.MIGRATION_INTERVAL_SECONDS, sourceSchema: config.LEGACY_SCHEMA }, 'migration schedule ready'),
      (err: Error) => logger.warn({ err: err.message }, 'migration schedule not set up; the worker goes on without it'),
    );
  }
  if (queues.has(WEBHOOKS_TASK_QUEUE)) {
    workers.push(await createWebhookWorker({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      activities: createWebhookActivities({ dataSource, startDeliveries: startEndpointWorkflows(client), allowPrivate: config.WEBHOOK_ALLOW_PRIVATE_URLS }),
      ...bundle,
      maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
      shutdownGraceTime: config.SHUTDOWN_GRACE_MS,
      dataConverter,
    }));
    const dispatch = { runSeconds: config.WEBHOOK_DISPATCH_RUN_SECONDS, pollMs: config.WEBHOOK_DISPATCH_POLL_MS };
    await ensureWebhookDispatchSchedule(client, dispatch).then(
      (schedule) => logger.info({ ...schedule, ...dispatch }, 'webhook dispatch schedule ready'),
      (err: Error) => logger.warn({ err: err.message }, 'webhook dispatch schedule not set up; deliveries wait for it'),
    );
  }
  if (workers.length === 0) {
    throw new Error(`WORKER_TASK_QUEUES names no known task queue (${ORDERS_TASK_QUEUE}, ${MIGRATION_TASK_QUEUE}, ${WEBHOOKS_TASK_QUEUE})`);
  }

  // SIGTERM: stop taking work, let in-flight tasks finish (run() resolves), then close.
  const running = Promise.all(workers.map((w) => w.run()));
  const health = config.HEALTH_PORT === undefined ? undefined : await serveWorkerHealth({ port: config.HEALTH_PORT, workers, dataSource });
  onShutdown(logger, [
    { name: 'carrier dispatcher', run: stopDispatcher },
    {
      name: 'workers',
      run: async () => {
        // The SDK's own signal handler (Runtime shutdownSignals) may have started draining them already.
        for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
        await running;
      },
    },
    {
      name: 'connections',
      run: async () => {
        health?.close();
        await connection.close();
        redis.disconnect();
        await dataSource.destroy();
      },
    },
  ], config.SHUTDOWN_GRACE_MS + 5000);
  logger.info({ taskQueues: [...queues], metricsPort: config.METRICS_PORT, healthPort: config.HEALTH_PORT, bundle: 'workflowBundle' in bundle }, 'worker started');
  await running;
}

main().catch((err: unknown) => {
  process.stderr.write(`worker failed: ${(err as Error).message}\n`);
  process.exit(1);
});
