// The order worker as bench/api.ts runs it, in a process of its own: the real activities with
// both simulators at zero latency and a manual carrier (orders stay PROCESSING, their workflows
// open, so `?consistency=strong` has something to ask). Settings from the environment:
// DATABASE_URL, REDIS_URL, TEMPORAL_ADDRESS, BENCH_TASK_QUEUE.
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import Redis from 'ioredis';
import { bundleOrderWorkflows } from '../workers/order-worker';
import { benchActivities, createBenchOrderWorker, DEFAULT_WORKER_SETTINGS, services } from './support';
import { createDataSource } from '../entities/data-source';

async function main(): Promise<void> {
  const taskQueue = process.env.BENCH_TASK_QUEUE;
  if (!taskQueue) throw new Error('BENCH_TASK_QUEUE is not set');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dataSource = createDataSource(services.databaseUrl, { poolSize: 20 });
  await dataSource.initialize();
  const redis = new Redis(services.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  const connection = await NativeConnection.connect({ address: services.temporalAddress });
  const worker = await createBenchOrderWorker({
    connection,
    taskQueue,
    activities: benchActivities(dataSource, redis, null),
    workflowBundle: await bundleOrderWorkflows(),
    settings: DEFAULT_WORKER_SETTINGS,
  });
  process.once('SIGTERM', () => worker.shutdown());
  process.stdout.write('worker ready\n');
  await worker.run();
  redis.disconnect();
  await connection.close();
  await dataSource.destroy();
}

main().catch((err: unknown) => {
  process.stderr.write(`bench worker failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
