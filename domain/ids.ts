// Workflow ids and task queues live together: the id scheme is what makes order starts
// idempotent, and activity idempotency keys are derived from it.

export const ORDERS_TASK_QUEUE = 'orders';
export const MIGRATION_TASK_QUEUE = 'migration';
/** The Temporal Schedule that runs the legacy migration. */
export const MIGRATION_SCHEDULE_ID = 'legacy-migration';
export const WEBHOOKS_TASK_QUEUE = 'webhooks';
/** The Temporal Schedule that fans new events out to webhook endpoints and starts their deliveries. */
export const WEBHOOK_DISPATCH_SCHEDULE_ID = 'webhook-dispatch';

/** One delivery workflow per endpoint at a time (it runs only while the endpoint has work). */
export function webhookEndpointWorkflowId(endpointId: string): string {
  return `webhook-endpoint-${endpointId}`;
}

const ORDER_WORKFLOW_PREFIX = 'order-';

/** One workflow per order: 'order-<orderId>'. */
export function orderWorkflowId(orderId: string): string {
  if (typeof orderId !== 'string' || orderId === '') throw new RangeError('orderId must be a non-empty string');
  return ORDER_WORKFLOW_PREFIX + orderId;
}

export function orderIdFromWorkflowId(wid: string): string {
  if (typeof wid !== 'string' || !wid.startsWith(ORDER_WORKFLOW_PREFIX) || wid.length === ORDER_WORKFLOW_PREFIX.length) {
    throw new RangeError(`${JSON.stringify(wid)} is not an order workflow id (expected "order-<orderId>")`);
  }
  return wid.slice(ORDER_WORKFLOW_PREFIX.length);
}

/** One workflow per return: 'return-<returnId>' (its refund key: stepIdempotencyKey(id, 'refund')). */
export function returnWorkflowId(returnId: string): string {
  if (typeof returnId !== 'string' || returnId === '') throw new RangeError('returnId must be a non-empty string');
  return `return-${returnId}`;
}

/**
 * The idempotency key an activity sends to its provider for one saga step:
 * 'order-<id>:authorize', or 'order-<id>:invoice:2' for a step repeated per revision.
 * Stable across retries, worker crashes and replays because it depends only on the workflow.
 */
export function stepIdempotencyKey(workflowId: string, step: string, revision?: number): string {
  if (typeof workflowId !== 'string' || workflowId === '') throw new RangeError('workflowId must be a non-empty string');
  // A ':' in the step would make two different (step, revision) pairs share one key.
  if (typeof step !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(step)) {
    throw new RangeError(`step must be letters, digits, ".", "_" or "-", got ${JSON.stringify(step)}`);
  }
  if (revision === undefined) return `${workflowId}:${step}`;
  if (!Number.isSafeInteger(revision) || revision < 0) {
    throw new RangeError(`revision must be a non-negative integer, got ${String(revision)}`);
  }
  return `${workflowId}:${step}:${revision}`;
}
