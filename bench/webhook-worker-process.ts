// The webhook worker as bench/webhooks.ts runs it, in a process of its own (so its CPU is its
// own): the webhook activities (private addresses allowed: the receivers are local) and the
// dispatch Schedule. Settings from the environment: DATABASE_URL, TEMPORAL_ADDRESS,
// BENCH_TASK_QUEUE, BENCH_SCHEDULE_ID, WEBHOOK_DISPATCH_POLL_MS, WEBHOOK_DISPATCH_RUN_SECONDS.
import 'reflect-metadata';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createWebhookActivities } from '../activities/webhooks';
import { createDataSource } from '../entities/data-source';
import { bundleOrderWorkflows } from '../workers/order-worker';
import { createWebhookWorker, ensureWebhookDispatchSchedule, startEndpointWorkflows } from '../workers/webhook-worker';
import { services } from './support';

async function main(): Promise<void> {
  const taskQueue = process.env.BENCH_TASK_QUEUE;
  const scheduleId = process.env.BENCH_SCHEDULE_ID;
  if (!taskQueue || !scheduleId) throw new Error('BENCH_TASK_QUEUE and BENCH_SCHEDULE_ID must be set');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dataSource = createDataSource(services.databaseUrl, { poolSize: 20 });
  await dataSource.initialize();
  const connection = await NativeConnection.connect({ address: services.temporalAddress });
  const client = new Client({ connection: await Connection.connect({ address: services.temporalAddress }) });
  const worker = await createWebhookWorker({
    connection,
    taskQueue,
    activities: createWebhookActivities({ dataSource, startDeliveries: startEndpointWorkflows(client), allowPrivate: true }),
    workflowBundle: await bundleOrderWorkflows(),
    shutdownGraceTime: '5s',
  });
  await ensureWebhookDispatchSchedule(client, {
    scheduleId,
    taskQueue,
    pollMs: Number(process.env.WEBHOOK_DISPATCH_POLL_MS ?? 1000),
    runSeconds: Number(process.env.WEBHOOK_DISPATCH_RUN_SECONDS ?? 60),
  });
  process.once('SIGTERM', () => worker.shutdown());
  process.stdout.write('worker ready\n');
  await worker.run();
  await client.schedule.getHandle(scheduleId).delete().catch(() => undefined);
  await dataSource.destroy();
  await connection.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`webhook worker failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
