// Webhook receivers (real HTTP servers on 127.0.0.1 that record what reaches them and answer as
// told) and a webhook worker with its dispatch Schedule on a task queue of the test's own.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import { createWebhookActivities } from '../../activities/webhooks';
import { createWebhookWorker, ensureWebhookDispatchSchedule, startEndpointWorkflows } from '../../workers/webhook-worker';
import { orderWorkflowBundle, type RunningWorker, uniqueTaskQueue } from './temporal';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver answered. */
  status: number;
  at: number;
}

/** `afterMs`: the request is recorded when it arrives and answered that much later. */
export type Answer = { status: number; headers?: Record<string, string>; afterMs?: number } | 'hang';

export interface Receiver {
  url: string;
  received: Received[];
  /** How to answer the next request (default 204); return 'hang' to never answer. */
  answer: (req: { headers: IncomingHttpHeaders; body: string }) => Answer;
  close(): Promise<void>;
}

export async function startReceiver(path = '/hooks'): Promise<Receiver> {
  const receiver: Receiver = {
    url: '',
    received: [],
    answer: () => ({ status: 204 }),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const answer = receiver.answer({ headers: req.headers, body });
      if (answer === 'hang') return;
      receiver.received.push({ headers: req.headers, body, status: answer.status, at: Date.now() });
      setTimeout(() => {
        res.writeHead(answer.status, answer.headers ?? {});
        res.end();
      }, answer.afterMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  return receiver;
}

/**
 * Ends the dispatcher's runs and removes its Schedule: deleting a Schedule leaves its running
 * workflow be, and that one polls on for a minute.
 */
export async function removeDispatchSchedule(client: Client, scheduleId: string): Promise<void> {
  const schedule = client.schedule.getHandle(scheduleId);
  const running = await schedule.describe().then((d) => d.info.runningActions, () => []);
  await schedule.delete().catch(() => undefined);
  await Promise.all(running.map((a) => client.workflow.getHandle(a.workflow.workflowId).terminate('test over').catch(() => undefined)));
}

/** A webhook worker and its dispatch Schedule (polling every `pollMs`, default 500; `schedule: false`: none), removed by stop(). */
export async function startWebhookWorker(options: {
  env: TestWorkflowEnvironment;
  dataSource: DataSource;
  allowPrivate?: boolean;
  timeoutMs?: number;
  pollMs?: number;
  schedule?: false;
}): Promise<RunningWorker & { scheduleId: string }> {
  const taskQueue = uniqueTaskQueue('webhooks');
  const scheduleId = `webhook-dispatch-${randomUUID().slice(0, 8)}`;
  const worker = await createWebhookWorker({
    connection: options.env.nativeConnection,
    namespace: options.env.namespace ?? 'default',
    taskQueue,
    activities: createWebhookActivities({
      dataSource: options.dataSource,
      startDeliveries: startEndpointWorkflows(options.env.client),
      allowPrivate: options.allowPrivate ?? true,
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    }),
    workflowBundle: await orderWorkflowBundle(),
    shutdownGraceTime: '5s',
  });
  const running = worker.run();
  if (options.schedule !== false) await ensureWebhookDispatchSchedule(options.env.client, { scheduleId, taskQueue, runSeconds: 60, pollMs: options.pollMs ?? 500 });
  let stopped: Promise<void> | undefined;
  return {
    worker,
    taskQueue,
    scheduleId,
    stop() {
      if (!stopped) {
        stopped = (async () => {
          await removeDispatchSchedule(options.env.client, scheduleId);
          if (worker.getState() === 'RUNNING') worker.shutdown();
          await running;
        })();
      }
      return stopped;
    },
  };
}
