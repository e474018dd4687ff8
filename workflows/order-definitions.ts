// The order workflow's public surface: its input, updates, signals and query. The API and the
// tests import these definitions; only workflows/order.ts implements them.
import { defineSearchAttributeKey, type Duration } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { ORDERS_TASK_QUEUE, orderWorkflowId } from '../domain/ids';
import type { CreateOrderInput, OrderLine, OrderLineInput, ShippingAddress } from '../domain/order';
import type { AdoptedStatus, OrderStatus } from '../domain/order-status';
import type { Totals } from '../domain/pricing';

export const ORDER_WORKFLOW_TYPE = 'orderWorkflow';

export interface OrderWorkflowInput {
  order: CreateOrderInput;
  /** Tuning knobs; anything left out takes DEFAULT_ORDER_WORKFLOW_OPTIONS. */
  options?: OrderWorkflowOptions;
  /** Set by the legacy migration: the order exists already (the migration wrote it); take it over. */
  adoption?: LegacyAdoption;
}

/**
 * A migrated legacy order an order workflow takes over where it stands, without placing it
 * again. The reservation and authorization happened in the legacy system and are never repeated:
 *   PROCESSING (legacy P): book the shipment -> wait SHIPPED -> capture -> wait DELIVERED;
 *   SHIPPED (legacy S): capture at adoption (S counts as paid: the saga captures on shipping) -> wait DELIVERED;
 *   NEEDS_ATTENTION (legacy N, no payment): parked until an operator cancels it (a retry is
 *     refused: there is no payment token to authorize with), or the auto-cancel does.
 */
export interface LegacyAdoption {
  legacyOrderNo: number;
  /** The status the migration imported the order with. */
  from: AdoptedStatus;
}
export type { AdoptedStatus };

/** Retry policy of the payment and carrier calls; when it runs out the order is parked. */
export interface ProviderRetryOptions {
  initialInterval?: Duration;
  backoffCoefficient?: number;
  maximumInterval?: Duration;
  maximumAttempts?: number;
}

export interface OrderWorkflowOptions {
  /** A parked (NEEDS_ATTENTION) order nobody touched is escalated (log, metric, details) after this. */
  escalateAfter?: Duration;
  /** ...and cancelled, undoing its steps, after this (counted from parking). Never after shipping. */
  autoCancelAfter?: Duration;
  providerRetry?: ProviderRetryOptions;
}

export const DEFAULT_ORDER_WORKFLOW_OPTIONS = Object.freeze({
  escalateAfter: '24h',
  autoCancelAfter: '72h',
  providerRetry: Object.freeze({ initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 6 }),
} satisfies Required<OrderWorkflowOptions>);

/** What the query and every update answer: the workflow's live view of the order. */
export interface OrderState {
  orderId: string;
  customerId: string;
  status: OrderStatus;
  statusReason: string | null;
  /** The status an order parked in NEEDS_ATTENTION returns to on `retry`. */
  parkedFrom: OrderStatus | null;
  lines: OrderLine[];
  totals: Totals | null;
  shippingAddress: ShippingAddress;
  invoiceRevision: number;
  trackingNumber: string | null;
  /** What the saga is doing or waiting for, in words, for operators. */
  waitingFor: string;
}

/**
 * Update-with-start's update: answers once the order is recorded (projection + order.created),
 * with the workflow task that recorded it (which also reserves and invoices, as local activities).
 */
export const placeOrderUpdate = defineUpdate<OrderState>('placeOrder');
/** Lines and/or address in one update (PUT /v1/orders/{id}): validated together, applied together. */
export interface OrderChange {
  lines?: OrderLineInput[];
  shippingAddress?: ShippingAddress;
  /** If-Match: the order's version (its last event's seq) the change was made against; stale -> StaleVersion. */
  expectedVersion?: number;
}
export const changeOrderUpdate = defineUpdate<OrderState, [OrderChange]>('changeOrder');
export const changeLinesUpdate = defineUpdate<OrderState, [{ lines: OrderLineInput[] }]>('changeLines');
export const changeAddressUpdate = defineUpdate<OrderState, [{ shippingAddress: ShippingAddress }]>('changeAddress');
export const setStatusUpdate = defineUpdate<OrderState, [{ status: OrderStatus; trackingNumber?: string; reason?: string }]>('setStatus');
export const cancelUpdate = defineUpdate<OrderState, [{ reason?: string }]>('cancel');

export interface CarrierEvent { kind: 'shipped' | 'delivered' | 'exception'; trackingNumber?: string; at?: string; detail?: string }
export const carrierEventSignal = defineSignal<[CarrierEvent]>('carrierEvent');
/** The operator's "try again" for a NEEDS_ATTENTION order. */
export const retrySignal = defineSignal<[{ operator?: string; note?: string }?]>('retry');

export const orderStateQuery = defineQuery<OrderState>('state');

/**
 * Why an update was refused or failed: the `type` of the ApplicationFailure the client finds as
 * `WorkflowUpdateFailedError.cause`. Refusals come from validators (nothing entered history).
 * Two failures come after acceptance: a change of lines can fail with a business failure type
 * of domain/failures (`OutOfStock`; the order keeps its lines), and a cancel with
 * IllegalTransition when the parcel left before the carrier got the cancellation.
 */
export const OrderUpdateFailure = {
  /** The status move is not in the transition table (cancel after shipping, SHIPPED from PENDING, ...): 409; details[0] is { from, to, reason }. */
  IllegalTransition: 'IllegalTransition',
  /** The order is past the point where this change is allowed (lines after authorization, being cancelled, a SKU not on the order, ...): 409; details[0] may be Problem[]. */
  ChangeNotAllowed: 'ChangeNotAllowed',
  /** The request itself is wrong (bad lines or address, bad tracking number): 422; details[0] is Problem[]. */
  InvalidChange: 'InvalidChange',
  /** The change's If-Match version is no longer the order's: 412, nothing changed. */
  StaleVersion: 'StaleVersion',
} as const;
export type OrderUpdateFailureType = (typeof OrderUpdateFailure)[keyof typeof OrderUpdateFailure];

/** Typed search attributes the workflow keeps current (registered on the server at start-up). */
export const OrderSearchAttributes = Object.freeze({
  status: defineSearchAttributeKey('OrderStatus', 'KEYWORD'),
  customerId: defineSearchAttributeKey('CustomerId', 'KEYWORD'),
  /** Invoice total in cents, once invoiced. */
  total: defineSearchAttributeKey('OrderTotal', 'INT'),
});

/**
 * The start options every caller uses for an order workflow (the API's POST, the migration's
 * adoption, the tests), so ids, queue, policies, search attributes and the static summary cannot
 * drift apart. Pass the result to `new WithStartWorkflowOperation(ORDER_WORKFLOW_TYPE, ...)`.
 */
export function orderWorkflowStartOptions(input: OrderWorkflowInput, taskQueue: string = ORDERS_TASK_QUEUE) {
  const { order } = input;
  const units = order.lines.reduce((sum, line) => sum + line.quantity, 0);
  return {
    workflowId: orderWorkflowId(order.orderId),
    taskQueue,
    args: [input] as [OrderWorkflowInput],
    // A repeated POST reaches the running order; a finished order's id is never reused.
    workflowIdConflictPolicy: 'USE_EXISTING' as const,
    workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
    typedSearchAttributes: [
      { key: OrderSearchAttributes.customerId, value: order.customerId },
      { key: OrderSearchAttributes.status, value: input.adoption?.from ?? 'PENDING' },
    ],
    // No address or payment token here: summaries are shown to every UI user.
    staticSummary:
      (input.adoption ? `Legacy order #${input.adoption.legacyOrderNo} adopted at ${input.adoption.from}. ` : '') +
      `Order ${order.orderId}: ${order.lines.length} line(s), ${units} unit(s) for customer ${order.customerId}`,
  };
}
