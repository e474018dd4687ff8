// The worker for task queue `webhooks`: the dispatcher and the endpoints' delivery workflows
// (workflows/webhooks.ts) with the webhook activities, and the dispatcher's Schedule, created or
// brought up to date at start. Its own task queue, so deliveries scale (and stall) apart from orders.
import { type Client, ScheduleOverlapPolicy } from '@temporalio/client';
import type { DataConverter, Duration } from '@temporalio/common';
import { type NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { WebhookActivities } from '../activities/webhooks';
import { WEBHOOK_DISPATCH_SCHEDULE_ID, WEBHOOKS_TASK_QUEUE } from '../domain/ids';
import type { webhookDispatchWorkflow } from '../workflows/webhooks';
import { ORDER_WORKFLOWS_PATH } from './order-worker';
import { upsertSchedule } from './schedules';

export interface WebhookWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  activities: WebhookActivities;
  workflowBundle?: WorkflowBundleOption;
  maxConcurrentActivityTaskExecutions?: number;
  shutdownGraceTime?: Duration;
  dataConverter?: DataConverter;
}

export function createWebhookWorker(options: WebhookWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue ?? WEBHOOKS_TASK_QUEUE,
    activities: options.activities,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: ORDER_WORKFLOWS_PATH }),
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions ?? 100,
    shutdownGraceTime: options.shutdownGraceTime ?? '30s',
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
  });
}

/**
 * Creates the dispatcher's Schedule, or brings an existing one's interval and action up to date
 * (keeping whether it is paused). Overlap SKIP: a dispatch still running makes the next one skip;
 * a missed one (Temporal was down) is not worth catching up, the next does the same work.
 */
export async function ensureWebhookDispatchSchedule(
  client: Client,
  options: { intervalSeconds: number; scheduleId?: string; taskQueue?: string },
): Promise<{ scheduleId: string; created: boolean }> {
  const scheduleId = options.scheduleId ?? WEBHOOK_DISPATCH_SCHEDULE_ID;
  const spec = { intervals: [{ every: options.intervalSeconds * 1000 }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'webhookDispatchWorkflow',
    workflowId: scheduleId,
    taskQueue: options.taskQueue ?? WEBHOOKS_TASK_QUEUE,
    args: [] as [],
    workflowExecutionTimeout: 5 * 60_000,
  };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 10_000 };
  return upsertSchedule<typeof webhookDispatchWorkflow>(client, { scheduleId, spec, action, policies, state: { note: 'created by the webhook worker' } });
}
