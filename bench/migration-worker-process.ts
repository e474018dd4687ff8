// The migration worker as bench/migration.ts runs it, in a process of its own so its peak RSS
// (/proc/<pid>/status VmHWM) is the worker's and nothing else's: createMigrationWorker on the
// benchmark's target schema, adopting in-flight legacy orders through a client onto the
// benchmark's order task queue. The workflow bundle is built by the parent (webpack's peak memory
// is not the worker's) and read from BENCH_WORKFLOW_BUNDLE. Settings from the environment:
// DATABASE_URL (with the target schema's search_path), TEMPORAL_ADDRESS, BENCH_TASK_QUEUE,
// BENCH_ORDER_TASK_QUEUE, BENCH_WORKFLOW_BUNDLE, BENCH_DB_POOL.
import 'reflect-metadata';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import pino from 'pino';
import { createDataSource } from '../entities/data-source';
import { createMigrationWorker } from '../workers/migration-worker';
import { services } from './support';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

async function main(): Promise<void> {
  const taskQueue = required('BENCH_TASK_QUEUE');
  const orderTaskQueue = required('BENCH_ORDER_TASK_QUEUE');
  const codePath = required('BENCH_WORKFLOW_BUNDLE');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dataSource = createDataSource(services.databaseUrl, { poolSize: Number(process.env.BENCH_DB_POOL ?? 10) });
  await dataSource.initialize();
  const connection = await NativeConnection.connect({ address: services.temporalAddress });
  const clientConnection = await Connection.connect({ address: services.temporalAddress });
  const client = new Client({ connection: clientConnection });
  const worker = await createMigrationWorker({
    connection,
    dataSource,
    taskQueue,
    client,
    orderTaskQueue,
    logger: pino({ level: 'warn' }),
    workflowBundle: { codePath },
    shutdownGraceTime: '5s',
  });
  process.once('SIGTERM', () => worker.shutdown());
  process.stdout.write('worker ready\n');
  await worker.run();
  await clientConnection.close();
  await connection.close();
  await dataSource.destroy();
}

main().catch((err: unknown) => {
  process.stderr.write(`bench migration worker failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
