// The webhook dispatcher's one long activity on the real stack: a webhook worker in a process of
// its own (so it can be SIGKILLed), its Schedule on the Temporal dev server, PostgreSQL, and a
// receiver on real HTTP. An event written while the run waits between polls reaches the receiver
// from that same run; after the worker is killed mid-run, the run's activity is retried on the
// next worker, to the same deadline, and delivers what was queued meanwhile. Nothing twice.
import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import { openTestDataSource } from '../support/db';
import { ordersOf } from '../support/events';
import { connectToDevServer, eventually, orderWorkflowBundle, uniqueTaskQueue } from '../support/temporal';
import { type Receiver, removeDispatchSchedule, startReceiver } from '../support/webhooks';
import { killProcess, startWorkerProcess } from './support/worker-process';

jest.setTimeout(240_000);

const storefront = `dispatch-${randomUUID().slice(0, 8)}`;
const taskQueue = uniqueTaskQueue('webhook-dispatch');
const scheduleId = `webhook-dispatch-${randomUUID().slice(0, 8)}`;
let env: TestWorkflowEnvironment;
let dataSource: DataSource;
let receiver: Receiver;
let bundlePath = '';
let child: ChildProcess | undefined;

beforeAll(async () => {
  env = await connectToDevServer();
  dataSource = await openTestDataSource({ poolSize: 5 });
  receiver = await startReceiver();
  await dataSource.query('INSERT INTO webhook_endpoints (id, storefront, url, secret) VALUES ($1, $2, $3, $4)', [
    randomUUID(),
    storefront,
    receiver.url,
    `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
  ]);
  const dir = await mkdtemp(path.join(tmpdir(), 'ordersaga-bundle-'));
  bundlePath = path.join(dir, 'workflow-bundle.js');
  await writeFile(bundlePath, (await orderWorkflowBundle()).code);
});

afterAll(async () => {
  if (child) killProcess(child);
  await removeDispatchSchedule(env.client, scheduleId);
  await receiver?.close();
  await dataSource?.destroy();
  if (bundlePath) await rm(path.dirname(bundlePath), { recursive: true, force: true });
});

const startWorker = async () => {
  child = await startWorkerProcess(taskQueue, bundlePath, { SCHEDULE_ID: scheduleId, POLL_MS: '500' }, 'webhook-worker-process.ts');
};

/** The dispatcher's running run and its activity (attempt, polls so far), once the activity runs. */
async function dispatcherActivity(): Promise<{ runId: string; attempt: number } | undefined> {
  const { info } = await env.client.schedule.getHandle(scheduleId).describe();
  const action = info.runningActions[0];
  if (!action) return undefined;
  const { raw } = await env.client.workflow.getHandle(action.workflow.workflowId, action.workflow.firstExecutionRunId).describe();
  const activity = (raw.pendingActivities ?? []).find((a) => a.activityType?.name === 'dispatchWebhooks' && a.lastStartedTime && a.lastWorkerIdentity);
  return activity && raw.pendingActivities?.length === 1 ? { runId: action.workflow.firstExecutionRunId, attempt: activity.attempt ?? 0 } : undefined;
}

const arrivalsOf = (orderId: string) => receiver.received.filter((r) => r.status < 300 && JSON.parse(r.body).data.orderId === orderId);

it("delivers an event written while the run waits, from that run; a killed worker's run is retried on the next worker and delivers what was queued meanwhile, once", async () => {
  await startWorker();
  const first = await eventually(dispatcherActivity, 'the dispatcher activity to run', 60_000, 200);
  // Past the first poll: the activity is waiting between polls when the event commits.
  await new Promise((resolve) => setTimeout(resolve, 1200));
  const [waitedFor] = await ordersOf(dataSource, storefront, 1);
  await eventually(async () => arrivalsOf(waitedFor).length > 0, 'the event written while the dispatcher waited to arrive', 30_000, 100);
  // The same run and attempt delivered it: the loop, not a new run.
  expect(await dispatcherActivity()).toEqual(first);
  await eventually(
    async () => (await dataSource.query(`SELECT 1 FROM webhook_deliveries WHERE order_id = $1 AND status = 'DELIVERED'`, [waitedFor])).length === 1,
    'the delivery to be recorded',
  );

  killProcess(child!);
  child = undefined;
  const [whileDown] = await ordersOf(dataSource, storefront, 1);
  await startWorker();
  // The heartbeat timeout (20 s) lets the server see the dead worker's attempt; the retry runs on the new one.
  await eventually(async () => arrivalsOf(whileDown).length > 0, 'the event queued while the worker was dead to arrive', 120_000, 200);
  const retried = await dispatcherActivity();
  expect(retried?.runId).toBe(first.runId);
  expect(retried?.attempt).toBeGreaterThanOrEqual(2);
  expect(arrivalsOf(waitedFor)).toHaveLength(1);
  expect(arrivalsOf(whileDown)).toHaveLength(1);
  const ids = receiver.received.map((r) => r.headers['webhook-id']);
  expect(new Set(ids).size).toBe(ids.length);
});
