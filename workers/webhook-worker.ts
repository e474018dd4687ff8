// The worker for task queue `webhooks`: the dispatcher and the endpoints' delivery workflows
// (workflows/webhooks.ts) with the webhook activities, the client hook the dispatcher starts the
// delivery workflows with, and the dispatcher's Schedule, created or brought up to date at start.
// Its own task queue, so deliveries scale (and stall) apart from orders.
import { type Client, ScheduleOverlapPolicy, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import type { DataConverter, Duration } from '@temporalio/common';
import { type NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { StartDeliveries, WebhookActivities } from '../activities/webhooks';
import { WEBHOOK_DISPATCH_SCHEDULE_ID, WEBHOOKS_TASK_QUEUE, webhookEndpointWorkflowId } from '../domain/ids';
import type { WebhookDispatchInput, webhookDispatchWorkflow, webhookEndpointWorkflow } from '../workflows/webhooks';
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
 * The dispatcher's StartDeliveries: each endpoint's delivery workflow under its fixed id, a few
 * starts at a time. One running already (it delivers what is due) counts as nothing to start.
 */
export function startEndpointWorkflows(client: Client, concurrency = 20): StartDeliveries {
  return async (endpointIds, taskQueue) => {
    let next = 0;
    let started = 0;
    const startNext = async (): Promise<void> => {
      while (next < endpointIds.length) {
        const endpointId = endpointIds[next++];
        try {
          await client.workflow.start<typeof webhookEndpointWorkflow>('webhookEndpointWorkflow', {
            workflowId: webhookEndpointWorkflowId(endpointId),
            taskQueue,
            args: [{ endpointId }],
            workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
          });
          started++;
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, endpointIds.length) }, startNext));
    return started;
  };
}

/**
 * Creates the dispatcher's Schedule, or brings an existing one's interval and action up to date
 * (keeping whether it is paused). A run polls for `runSeconds` and the Schedule fires every
 * `runSeconds`, so a run is nearly always still going when the next fires: overlap BUFFER_ONE
 * starts that one as soon as it ends (SKIP would leave a whole interval without a dispatcher).
 * A missed one (Temporal was down) is not worth catching up, the next does the same work.
 */
export async function ensureWebhookDispatchSchedule(
  client: Client,
  options: { runSeconds: number; pollMs: number; scheduleId?: string; taskQueue?: string },
): Promise<{ scheduleId: string; created: boolean }> {
  const scheduleId = options.scheduleId ?? WEBHOOK_DISPATCH_SCHEDULE_ID;
  const spec = { intervals: [{ every: options.runSeconds * 1000 }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'webhookDispatchWorkflow',
    workflowId: scheduleId,
    taskQueue: options.taskQueue ?? WEBHOOKS_TASK_QUEUE,
    args: [{ runSeconds: options.runSeconds, pollMs: options.pollMs }] as [WebhookDispatchInput],
    // Room for the run and its retries after a worker died; a run that outlives it ends, and the buffered next one starts.
    workflowExecutionTimeout: options.runSeconds * 1000 + 5 * 60_000,
  };
  const policies = { overlap: ScheduleOverlapPolicy.BUFFER_ONE, catchupWindow: 10_000 };
  const result = await upsertSchedule<typeof webhookDispatchWorkflow>(client, { scheduleId, spec, action, policies, state: { note: 'created by the webhook worker' } });
  // Intervals fire on multiples of `every` since the epoch: a new (or idle) Schedule would start
  // its first run up to a whole interval late. A run going on or a pause stays as it is.
  const handle = client.schedule.getHandle(scheduleId);
  const { state, info } = await handle.describe();
  if (!state.paused && info.runningActions.length === 0) await handle.trigger(ScheduleOverlapPolicy.SKIP);
  return result;
}
