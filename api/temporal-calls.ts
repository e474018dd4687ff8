// Every call the API makes to Temporal, each under a deadline (TEMPORAL_CALL_TIMEOUT_MS), and the
// one place where Temporal's failures become HTTP answers: workflow not found -> 404, a refused
// update -> 409 (or 422 for an invalid change), deadline passed or server away -> 503 with
// Retry-After. Placing an order is the exception to the deadline: it waits for the record only
// so long (ORDER_RECORD_WAIT_MS), then answers with the order Temporal holds (see `place`).
import {
  type Client,
  isGrpcServiceError,
  ServiceError,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { BusinessFailure } from '../domain/failures';
import { orderWorkflowId } from '../domain/ids';
import type { CreateOrderInput, Problem } from '../domain/order';
import type { OrderStatus } from '../domain/order-status';
import {
  type CarrierEvent,
  cancelUpdate,
  carrierEventSignal,
  changeOrderUpdate,
  ORDER_WORKFLOW_TYPE,
  type OrderChange,
  OrderUpdateFailure,
  type OrderState,
  type OrderWorkflowInput,
  orderStateQuery,
  orderWorkflowStartOptions,
  placeOrderUpdate,
  retrySignal,
  setStatusUpdate,
} from '../workflows/order-definitions';
import { ApiError, errors } from './errors';
import { clientAddingCause } from './request-cause-header';

const RETRY_AFTER_SECONDS = 2;
/** gRPC status codes meaning "not now" (grpc-js is not a direct dependency, so by number). */
const GRPC_CANCELLED = 1;
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_NOT_FOUND = 5;
const GRPC_RESOURCE_EXHAUSTED = 8;
const GRPC_UNAVAILABLE = 14;

class DeadlineExceeded extends Error {}

/** The 409 of a change sent to an order whose workflow has finished. */
export class OrderFinishedError extends ApiError {
  constructor(orderId: string) {
    super(409, 'illegal_transition', 'Conflict', `Order ${orderId} is finished; it cannot change any more.`);
  }
}

export function isOrderFinished(err: unknown): err is OrderFinishedError {
  return err instanceof OrderFinishedError;
}

/**
 * `placed`: the workflow recorded the order (projection row, order.created); `started`: Temporal
 * holds the order (its workflow is started) but the worker has not recorded it yet; `finished`:
 * the key's order is finished and never started again.
 */
export type PlaceOrderOutcome = { kind: 'placed'; state: OrderState } | { kind: 'started' } | { kind: 'finished' };

/** How long the answer of `startedOrder` is reused, and for how many orders at most. */
const STARTED_ORDER_TTL_MS = 1000;
const STARTED_ORDERS_KEPT = 10_000;

export class OrderWorkflows {
  private readonly client: Client;
  private readonly startedOrders = new Map<string, { order: CreateOrderInput | null; until: number }>();

  constructor(
    client: Client,
    /** recordWaitMs: how long `place` waits for the record before answering with the start (default timeoutMs). */
    private readonly options: { taskQueue: string; timeoutMs: number; recordWaitMs?: number },
  ) {
    // Every change it sends names the client and request that asked for it (the audit trail).
    this.client = clientAddingCause(client);
  }

  /**
   * Update-with-start: starts the order's workflow (or reaches the running one: USE_EXISTING)
   * and waits until it has recorded the order. The Idempotency-Key is the update id, so a repeat
   * is answered with the first outcome. A finished workflow is never started again
   * (REJECT_DUPLICATE): `finished` tells the caller to answer from the projection.
   *
   * Under a flood the worker's backlog, not Temporal, makes the record late. Past recordWaitMs
   * the order is made sure of instead: a plain start with the same id and policies (it only
   * reaches the workflow the update-with-start started, or starts it when that never arrived)
   * answers from the server alone, so the client gets a 202 naming an order Temporal holds, and
   * no flood turns into 503s for orders that run anyway.
   */
  async place(order: CreateOrderInput, idempotencyKey: string): Promise<PlaceOrderOutcome> {
    const start = orderWorkflowStartOptions({ order }, this.options.taskQueue);
    const startWorkflowOperation = new WithStartWorkflowOperation(ORDER_WORKFLOW_TYPE, start);
    try {
      const recordWaitMs = Math.min(this.options.recordWaitMs ?? this.options.timeoutMs, this.options.timeoutMs);
      const state = await withTemporalDeadline(this.client, recordWaitMs, () =>
        this.client.workflow.executeUpdateWithStart(placeOrderUpdate, { updateId: idempotencyKey, startWorkflowOperation }),
      );
      return { kind: 'placed', state };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return { kind: 'finished' };
      // A workflow task in failed state is refused at once: not a backlog, the order cannot go on now.
      if (!isUnavailable(err) || isWorkflowTaskFailing(err)) throw temporalFailureToApiError(err, order.orderId);
    }
    try {
      await this.call(order.orderId, () => this.client.workflow.start(ORDER_WORKFLOW_TYPE, start));
      return { kind: 'started' };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return { kind: 'finished' };
      throw err;
    }
  }

  /**
   * The order a running workflow was started with, from its first history event (the server
   * alone answers): what a GET shows of an order the API answered `started` and the worker has
   * not recorded yet. Null when there is no such running workflow, or Temporal does not answer.
   */
  async startedOrder(orderId: string): Promise<CreateOrderInput | null> {
    // Clients poll such an order: one look at Temporal per order and STARTED_ORDER_TTL_MS, not per poll.
    const known = this.startedOrders.get(orderId);
    if (known && known.until > Date.now()) return known.order;
    const order = await this.readStartedOrder(orderId);
    if (this.startedOrders.size >= STARTED_ORDERS_KEPT) this.startedOrders.clear();
    this.startedOrders.set(orderId, { order, until: Date.now() + STARTED_ORDER_TTL_MS });
    return order;
  }

  private async readStartedOrder(orderId: string): Promise<CreateOrderInput | null> {
    const execution = { workflowId: orderWorkflowId(orderId) };
    const { namespace, loadedDataConverter } = this.client.options;
    try {
      const [description, history] = await withTemporalDeadline(this.client, this.options.timeoutMs, () =>
        Promise.all([
          this.handle(orderId).describe(),
          this.client.workflowService.getWorkflowExecutionHistory({ namespace, execution, maximumPageSize: 1 }),
        ]),
      );
      if (description.status.name !== 'RUNNING') return null;
      const payloads = history.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
      const input = await decodeFromPayloadsAtIndex<OrderWorkflowInput>(loadedDataConverter, 0, payloads);
      return input?.order?.orderId === orderId ? input.order : null;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || (isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND)) return null;
      // Only asked when the projection has no row: without Temporal that is all there is to say.
      if (isUnavailable(err)) return null;
      throw err;
    }
  }

  /** Lines and/or address in one update, so the saga cannot move on between the two. */
  changeOrder(orderId: string, change: OrderChange): Promise<OrderState> {
    return this.call(orderId, () => this.handle(orderId).executeUpdate(changeOrderUpdate, { args: [change] }));
  }

  setStatus(orderId: string, change: { status: OrderStatus; trackingNumber?: string; reason?: string }): Promise<OrderState> {
    return this.call(orderId, () => this.handle(orderId).executeUpdate(setStatusUpdate, { args: [change] }));
  }

  cancel(orderId: string, reason?: string): Promise<OrderState> {
    return this.call(orderId, () => this.handle(orderId).executeUpdate(cancelUpdate, { args: [{ reason }] }));
  }

  carrierEvent(orderId: string, event: CarrierEvent): Promise<void> {
    return this.call(orderId, () => this.handle(orderId).signal(carrierEventSignal, event));
  }

  retry(orderId: string, args: { operator?: string; note?: string }): Promise<void> {
    return this.call(orderId, () => this.handle(orderId).signal(retrySignal, args));
  }

  /** The workflow's live view (`?consistency=strong`). */
  state(orderId: string): Promise<OrderState> {
    return this.call(orderId, () => this.handle(orderId).query(orderStateQuery));
  }

  private handle(orderId: string) {
    return this.client.workflow.getHandle(orderWorkflowId(orderId));
  }

  private async call<T>(orderId: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await withTemporalDeadline(this.client, this.options.timeoutMs, fn);
    } catch (err) {
      throw temporalFailureToApiError(err, orderId);
    }
  }
}

/** Runs `fn` with the gRPC deadline set and a timer as a second guard (a lazy connection can hang). */
export async function withTemporalDeadline<T>(client: Client, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      client.withDeadline(Date.now() + timeoutMs, fn),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DeadlineExceeded(`no answer from Temporal within ${timeoutMs} ms`)), timeoutMs + 100);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Temporal refuses updates while an order's workflow task keeps failing or timing out (its worker
 * died under load, or a bug awaits a fix): the order is there, just not now. Update-with-start
 * reports it as a plain Error, a plain update as FAILED_PRECONDITION; both carry this text.
 */
const WORKFLOW_TASK_FAILING = /workflow ?task in failed state/i;

function isWorkflowTaskFailing(err: unknown): boolean {
  return WORKFLOW_TASK_FAILING.test(`${(err as Error)?.message} ${(err as { cause?: Error })?.cause?.message}`);
}

/** Temporal is away or too slow now (503 with Retry-After), as opposed to a refusal. */
export function isUnavailable(err: unknown): boolean {
  if (err instanceof DeadlineExceeded || err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
  if (isWorkflowTaskFailing(err)) return true;
  const cause = err instanceof ServiceError ? err.cause : err;
  if (isGrpcServiceError(cause)) {
    return [GRPC_DEADLINE_EXCEEDED, GRPC_UNAVAILABLE, GRPC_CANCELLED, GRPC_RESOURCE_EXHAUSTED].includes(cause.code);
  }
  // Connection failures before any call (lazy connect) surface as plain errors or ServiceErrors.
  return err instanceof ServiceError || /deadline|unavailable|connect|ECONNREFUSED|timed? ?out/i.test((err as Error)?.message ?? '');
}

function problemsOf(failure: ApplicationFailure): Problem[] {
  const details = failure.details?.[0];
  if (!Array.isArray(details)) return [];
  return details.filter((p): p is Problem => typeof p === 'object' && p !== null && typeof (p as Problem).pointer === 'string');
}

/** The one mapping from Temporal failures to HTTP answers; anything unknown stays a 500. */
export function temporalFailureToApiError(err: unknown, orderId: string): unknown {
  if (err instanceof ApiError) return err;
  if (err instanceof WorkflowNotFoundError) {
    // An update or signal to a closed workflow is NOT_FOUND too; the order exists but is finished.
    if (/already completed|already finished|closed/i.test(err.message)) {
      return new OrderFinishedError(orderId);
    }
    return errors.notFound(`Order ${orderId}`);
  }
  if (err instanceof WorkflowUpdateFailedError) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure) {
      const [first] = problemsOf(cause);
      if (cause.type === OrderUpdateFailure.InvalidChange) {
        return errors.unprocessable('invalid_change', cause.message, `/data/attributes${first?.pointer ?? ''}`);
      }
      if (cause.type === OrderUpdateFailure.StaleVersion) return errors.staleVersion(`${cause.message}; nothing changed.`);
      if (cause.type === BusinessFailure.PaymentDeclined) return errors.paymentDeclined(`${cause.message}; nothing changed.`);
      if (cause.type === BusinessFailure.OutOfStock) return errors.conflict('out_of_stock', `${cause.message}; nothing changed.`);
      if (cause.type === BusinessFailure.UnknownSku) return errors.unprocessable('unknown_sku', cause.message, '/data/attributes/lines');
      return errors.conflict('illegal_transition', cause.message, first ? { pointer: `/data/attributes${first.pointer}` } : undefined);
    }
    return errors.conflict('illegal_transition', cause?.message ?? err.message);
  }
  if (isUnavailable(err)) {
    return errors.unavailable('The order service did not answer in time; try again shortly.', RETRY_AFTER_SECONDS);
  }
  return err;
}
