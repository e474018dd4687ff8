// An order worker in a process of its own, so a test can kill it with SIGKILL mid-saga.
// Started by order-worker-restart.test.ts through tsx; prints "ready" once it polls.
//   TASK_QUEUE, WORKFLOW_BUNDLE_PATH, PAYMENT_LATENCY_MS, CARRIER_LATENCY_MS, TEMPORAL_ADDRESS, DATABASE_URL, REDIS_URL
import 'reflect-metadata';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import Redis from 'ioredis';
import pino from 'pino';
import { CarrierSimulator, createOrderActivities, PaymentSimulator } from '../../../activities';
import { createOrderWorker } from '../../../workers/order-worker';
import { openTestDataSource } from '../../support/db';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const dataSource = await openTestDataSource({ poolSize: 5 });
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6380', { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  const activities = createOrderActivities({
    dataSource,
    redis,
    payment: new PaymentSimulator({ dataSource, latencyMs: Number(process.env.PAYMENT_LATENCY_MS ?? 0) }),
    carrier: new CarrierSimulator({ dataSource, latencyMs: Number(process.env.CARRIER_LATENCY_MS ?? 0), shipAfterMs: null, deliverAfterMs: null }),
    logger: pino({ level: 'silent' }),
  });
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
  const worker = await createOrderWorker({
    connection,
    taskQueue: process.env.TASK_QUEUE!,
    activities,
    workflowBundle: { codePath: process.env.WORKFLOW_BUNDLE_PATH! },
  });
  const running = worker.run();
  process.stdout.write('ready\n');
  await running;
}

main().catch((err: unknown) => {
  process.stderr.write(`order worker process failed: ${String(err)}\n`);
  process.exit(1);
});
