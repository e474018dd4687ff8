// A webhook worker and its dispatch Schedule in a process of its own, so a test can SIGKILL it
// while the dispatcher's activity runs. Prints "ready" once it polls.
//   TASK_QUEUE, SCHEDULE_ID, WORKFLOW_BUNDLE_PATH, POLL_MS, TEMPORAL_ADDRESS, DATABASE_URL
import 'reflect-metadata';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createWebhookActivities } from '../../../activities/webhooks';
import { createWebhookWorker, ensureWebhookDispatchSchedule, startEndpointWorkflows } from '../../../workers/webhook-worker';
import { openTestDataSource } from '../../support/db';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const address = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
  const dataSource = await openTestDataSource({ poolSize: 5 });
  const client = new Client({ connection: await Connection.connect({ address }) });
  const worker = await createWebhookWorker({
    connection: await NativeConnection.connect({ address }),
    taskQueue: process.env.TASK_QUEUE!,
    activities: createWebhookActivities({ dataSource, startDeliveries: startEndpointWorkflows(client), allowPrivate: true }),
    workflowBundle: { codePath: process.env.WORKFLOW_BUNDLE_PATH! },
  });
  const running = worker.run();
  await ensureWebhookDispatchSchedule(client, {
    scheduleId: process.env.SCHEDULE_ID!,
    taskQueue: process.env.TASK_QUEUE!,
    runSeconds: 60,
    pollMs: Number(process.env.POLL_MS ?? 500),
  });
  process.stdout.write('ready\n');
  await running;
}

main().catch((err: unknown) => {
  process.stderr.write(`webhook worker process failed: ${String(err)}\n`);
  process.exit(1);
});
