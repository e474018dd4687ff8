// Webhook deliveries as Temporal work. The dispatcher runs on a Schedule: each run is one long
// activity that, every poll interval (WEBHOOK_DISPATCH_POLL_MS) for the run's length
// (WEBHOOK_DISPATCH_RUN_SECONDS), fans new feed events out to endpoint queues and starts a
// delivery workflow for each endpoint with something due, unless one is running already. That
// workflow delivers round after round until nothing is due, then ends: an endpoint with nothing
// to send has no workflow at all, so a thousand idle storefronts cost a thousand rows, not a
// thousand busy workflows. What is queued, delivered and due lives in PostgreSQL, so a worker
// crash loses nothing: the dispatcher's activity is retried elsewhere and starts the endpoint's
// workflow again.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, patched, proxyActivities, startChild, WorkflowIdReusePolicy } from '@temporalio/workflow';
import type { DispatchResult, WebhookActivities } from '../activities/webhooks/contract';
import { webhookEndpointWorkflowId } from '../domain/ids';

const { fanOutWebhookEvents, dueWebhookEndpoints } = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

// A round sends orders concurrently and each order's events in sequence (at most 15 s a request), then records the outcomes.
// It heartbeats: a round on a worker that died is tried again after 20 s, not after the 5 minutes
// (the full fault drill saw deliveries stand still that long after a worker kill).
const { deliverDueWebhooks } = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

/** Deliveries one round takes at most (orders concurrently, each order's in sequence). */
export const WEBHOOK_ROUND_SIZE = 200;
/** Rounds before the workflow ends to keep its history short; the next dispatch goes on. */
const MAX_ROUNDS = 200;
/** Endpoints one dispatch starts at most; the next dispatch takes the rest. */
const MAX_STARTS = 500;

export interface WebhookDispatchResult {
  events: number;
  deliveries: number;
  started: number;
}

/**
 * Runs started with it do their work in one activity (dispatchWebhooks); runs from before it
 * replay their three steps below. The workflow type stays, so the Schedule, its id and what
 * operators see keep their names, and a worker of either version can run either kind of run.
 */
export const DISPATCH_IN_ONE_ACTIVITY = 'dispatch-in-one-activity';

export interface WebhookDispatchInput {
  /** How long the run polls; the Schedule starts one this often (overlap BUFFER_ONE: back to back). */
  runSeconds: number;
  pollMs: number;
}

/** What a Schedule made before the input existed starts runs with. */
const DEFAULT_DISPATCH: WebhookDispatchInput = { runSeconds: 60, pollMs: 1000 };

export async function webhookDispatchWorkflow(input?: WebhookDispatchInput): Promise<WebhookDispatchResult | DispatchResult> {
  if (patched(DISPATCH_IN_ONE_ACTIVITY)) {
    const { runSeconds, pollMs } = input ?? DEFAULT_DISPATCH;
    // A worker that dies mid-run is noticed by the heartbeat timeout; the retry polls on to the same deadline.
    const { dispatchWebhooks } = proxyActivities<WebhookActivities>({
      startToCloseTimeout: runSeconds * 1000 + 60_000,
      heartbeatTimeout: '20 seconds',
      retry: { initialInterval: '1s', maximumInterval: '10s' },
    });
    return dispatchWebhooks({ until: Date.now() + runSeconds * 1000, pollMs, maxStarts: MAX_STARTS });
  }
  const { events, deliveries } = await fanOutWebhookEvents();
  const endpoints = await dueWebhookEndpoints({ limit: MAX_STARTS });
  const starts = await Promise.all(
    endpoints.map(async (endpointId) => {
      try {
        await startChild(webhookEndpointWorkflow, {
          workflowId: webhookEndpointWorkflowId(endpointId),
          args: [{ endpointId }],
          // The delivery workflow outlives this short run.
          parentClosePolicy: ParentClosePolicy.ABANDON,
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        });
        return 1;
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return 0; // it is delivering already
        throw err;
      }
    }),
  );
  return { events, deliveries, started: starts.reduce((a: number, b) => a + b, 0) };
}

export async function webhookEndpointWorkflow(input: { endpointId: string }): Promise<{ attempted: number; delivered: number }> {
  const total = { attempted: 0, delivered: 0 };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const { attempted, delivered } = await deliverDueWebhooks({ endpointId: input.endpointId, limit: WEBHOOK_ROUND_SIZE });
    if (attempted === 0) break;
    total.attempted += attempted;
    total.delivered += delivered;
  }
  return total;
}
