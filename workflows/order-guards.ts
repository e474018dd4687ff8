// The rules the order's update validators apply: one list of guards per kind of request, each
// guard named for what it refuses. They read only the workflow's in-memory view, so a refused
// update never enters history. A guard refuses by throwing an ApplicationFailure whose type
// (OrderUpdateFailure) the API maps to a status code, accepts a harmless repeat by returning
// ACCEPT (nothing after it is asked), or returns nothing to pass the request on.
import { ApplicationFailure } from '@temporalio/workflow';
import {
  type OrderStatus,
  type Problem,
  isOrderStatus,
  isTerminal,
  transitionRefusal,
  validateAddress,
  validateLines,
} from '../domain';
import { type OrderChange, OrderUpdateFailure, type OrderState } from './order-definitions';

/** Where the saga is; validators decide with it together with the order's status. */
export type SagaStage =
  | 'placing'
  | 'reserving'
  | 'invoicing'
  | 'authorizing'
  | 'booking-shipment'
  | 'awaiting-shipment'
  | 'capturing'
  | 'awaiting-delivery'
  | 'unwinding'
  | 'done';

const STAGE_ORDER: readonly SagaStage[] = [
  'placing', 'reserving', 'invoicing', 'authorizing', 'booking-shipment', 'awaiting-shipment',
  'capturing', 'awaiting-delivery', 'unwinding', 'done',
];

function stageReached(current: SagaStage, stage: SagaStage): boolean {
  return STAGE_ORDER.indexOf(current) >= STAGE_ORDER.indexOf(stage);
}

/** The in-memory facts the guards look at. */
export interface OrderView {
  state: OrderState;
  stage: SagaStage;
  /** A cancel was accepted (of any kind), or the order's steps are being undone to cancel or reject it. */
  endingAs: 'CANCELLED' | 'REJECTED' | null;
  /** The payment authorization call is under way (not parked): a change now could move the amount under it. */
  authorizing: boolean;
  /** The payment is authorized: the amount is fixed from here on. */
  paymentAuthorized: boolean;
  /** The shipment is booked with the carrier. */
  shipmentBooked: boolean;
  /** The carrier (or an operator) reported that the goods left; nothing can be undone now. */
  goodsLeft: boolean;
  /**
   * patched('changes-after-payment'): lines (new SKUs too) and address change until the goods
   * leave, money following the difference. Orders started before it keep the old rules.
   */
  changesAfterPayment: boolean;
}

/** What `setStatus` asks for. */
export interface StatusRequest {
  status: OrderStatus;
  trackingNumber?: string;
}

const ACCEPT = 'accept';
export type Guard<Request> = (view: OrderView, request: Request) => typeof ACCEPT | void;

/** Asks each guard in turn; the first to refuse throws, the first to accept ends the check. */
export function check<Request>(guards: readonly Guard<Request>[], view: OrderView, request: Request): void {
  for (const guard of guards) if (guard(view, request) === ACCEPT) return;
}

function refuse(type: string, message: string, details?: unknown): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true, details: details === undefined ? undefined : [details] });
}

function refuseInvalid(problems: Problem[]): void {
  if (problems.length > 0) refuse(OrderUpdateFailure.InvalidChange, problems.map((p) => `${p.pointer}: ${p.detail}`).join('; '), problems);
}

function illegalTransition(view: OrderView, to: OrderStatus, reason: string, message: string): never {
  refuse(OrderUpdateFailure.IllegalTransition, message, { from: view.state.status, to, reason });
}

// ---------------------------------------------------------------- shared by several lists

const refuseChangesBeforeOrderIsRecorded: Guard<unknown> = (view) => {
  if (view.stage === 'placing') refuse(OrderUpdateFailure.ChangeNotAllowed, 'the order is still being recorded; try again in a moment');
};

const refuseChangesToFinishedOrder: Guard<unknown> = (view) => {
  if (isTerminal(view.state.status)) refuse(OrderUpdateFailure.ChangeNotAllowed, `the order is ${view.state.status}`);
  if (view.endingAs !== null) refuse(OrderUpdateFailure.ChangeNotAllowed, `the order is being ${view.endingAs === 'CANCELLED' ? 'cancelled' : 'rejected'}`);
};

/** Still PENDING, or parked before the payment was authorized (a provider outage). */
function beforeAuthorization(view: OrderView): boolean {
  const { status, parkedFrom } = view.state;
  return !view.paymentAuthorized && (status === 'PENDING' || (status === 'NEEDS_ATTENTION' && parkedFrom === 'PENDING'));
}

function refuseMoveOutsideTransitionTable(view: OrderView, to: OrderStatus): void {
  const reason = transitionRefusal(view.state.status, to, view.state.parkedFrom);
  if (reason !== null) illegalTransition(view, to, reason, `illegal order transition ${view.state.status} -> ${to}: ${reason}`);
}

// ---------------------------------------------------------------- changes of lines and address

const refuseEmptyChange: Guard<OrderChange> = (_view, { lines, shippingAddress }) => {
  if (lines === undefined && shippingAddress === undefined) {
    refuse(OrderUpdateFailure.InvalidChange, 'nothing to change: give lines and/or shippingAddress', [{ pointer: '', detail: 'give lines and/or shippingAddress' }]);
  }
};

const refuseInvalidLines: Guard<OrderChange> = (_view, { lines }) => {
  if (lines !== undefined) refuseInvalid(validateLines(lines));
};

const refuseInvalidAddress: Guard<OrderChange> = (_view, { shippingAddress }) => {
  if (shippingAddress !== undefined) refuseInvalid(validateAddress(shippingAddress));
};

/**
 * Prices were fixed when the order was placed, and a validator cannot look new SKUs up in the
 * catalogue: a change may set quantities of the order's SKUs or drop lines, not add SKUs.
 */
const refuseSkusNotOnOrder: Guard<OrderChange> = (view, { lines }) => {
  if (lines === undefined || view.changesAfterPayment) return;
  const known = new Set(view.state.lines.map((line) => line.sku));
  const problems = lines.flatMap((line, index) =>
    known.has(line.sku) ? [] : [{ pointer: `/lines/${index}/sku`, detail: `sku ${line.sku} is not on this order; only quantities of its SKUs can change` }],
  );
  // A well-formed request the order's current lines refuse: a conflict with its state.
  if (problems.length > 0) refuse(OrderUpdateFailure.ChangeNotAllowed, problems.map((p) => `${p.pointer}: ${p.detail}`).join('; '), problems);
};

const refuseLineChangesOnceAuthorizing: Guard<OrderChange> = (view, { lines }) => {
  if (lines === undefined || view.changesAfterPayment) return;
  if (!beforeAuthorization(view)) refuse(OrderUpdateFailure.ChangeNotAllowed, 'lines can change only until the payment is authorized');
  if (view.authorizing) refuse(OrderUpdateFailure.ChangeNotAllowed, 'the payment is being authorized; lines can no longer change');
};

const refuseAddressChangeOnceShipmentBooked: Guard<OrderChange> = (view, { shippingAddress }) => {
  if (shippingAddress === undefined || view.changesAfterPayment) return;
  if (view.shipmentBooked || view.goodsLeft || stageReached(view.stage, 'booking-shipment')) {
    refuse(OrderUpdateFailure.ChangeNotAllowed, 'the shipment is booked; the address can no longer change');
  }
};

/** The country decides tax and shipping, so after authorization the amount must not move. */
const refuseCountryChangeOnceAuthorizing: Guard<OrderChange> = (view, { shippingAddress }) => {
  if (shippingAddress === undefined || view.changesAfterPayment) return;
  const amountFixed = !beforeAuthorization(view) || view.authorizing;
  if (amountFixed && shippingAddress.country !== view.state.shippingAddress.country) {
    refuse(OrderUpdateFailure.ChangeNotAllowed, 'after payment authorization the address may change only within the same country');
  }
};

// ---- with changes after payment (the three above and refuseSkusNotOnOrder step aside)

const refuseChangesOnceGoodsLeft: Guard<OrderChange> = (view) => {
  if (!view.changesAfterPayment) return;
  if (view.goodsLeft || view.state.status === 'SHIPPED' || stageReached(view.stage, 'capturing')) refuse(OrderUpdateFailure.ChangeNotAllowed, 'the goods have left; the order can no longer change');
};

/** The authorization call is under way: the amount it asks for must not move under it. */
const refuseChangesWhileAuthorizing: Guard<OrderChange> = (view) => {
  if (view.changesAfterPayment && view.authorizing) refuse(OrderUpdateFailure.ChangeNotAllowed, 'the payment is being authorized; try again in a moment');
};

/** The booking call is under way: an address change would have nothing to re-book yet. */
const refuseAddressChangeWhileBooking: Guard<OrderChange> = (view, { shippingAddress }) => {
  if (!view.changesAfterPayment || shippingAddress === undefined) return;
  if (view.stage === 'booking-shipment' && !view.shipmentBooked) refuse(OrderUpdateFailure.ChangeNotAllowed, 'the shipment is being booked; try again in a moment');
};

const refuseMalformedVersion: Guard<OrderChange> = (_view, { expectedVersion }) => {
  if (expectedVersion !== undefined && (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0)) {
    refuse(OrderUpdateFailure.InvalidChange, 'expectedVersion must be a whole number >= 0', [{ pointer: '', detail: 'If-Match must be a version' }]);
  }
};

export const CHANGE_GUARDS: readonly Guard<OrderChange>[] = [
  refuseMalformedVersion,
  refuseEmptyChange,
  refuseInvalidLines,
  refuseInvalidAddress,
  refuseChangesBeforeOrderIsRecorded,
  refuseSkusNotOnOrder,
  refuseChangesToFinishedOrder,
  refuseLineChangesOnceAuthorizing,
  refuseAddressChangeOnceShipmentBooked,
  refuseCountryChangeOnceAuthorizing,
  refuseChangesOnceGoodsLeft,
  refuseChangesWhileAuthorizing,
  refuseAddressChangeWhileBooking,
];

// ---------------------------------------------------------------- cancel

/** Cancelling again answers the state and does nothing. */
const acceptRepeatedCancel: Guard<unknown> = (view) => {
  if (view.state.status === 'CANCELLED' || view.endingAs === 'CANCELLED') return ACCEPT;
};

const refuseCancellingRejectedOrder: Guard<unknown> = (view) => {
  if (view.endingAs === 'REJECTED') refuse(OrderUpdateFailure.IllegalTransition, 'the order is being rejected', { from: 'REJECTED', to: 'CANCELLED', reason: 'rejected' });
};

const refuseCancellingShippedOrder: Guard<unknown> = (view) => {
  if (view.goodsLeft) illegalTransition(view, 'CANCELLED', 'shipped', 'the goods have left; a shipped order cannot be cancelled');
};

const refuseCancelOutsideTransitionTable: Guard<unknown> = (view) => refuseMoveOutsideTransitionTable(view, 'CANCELLED');

export const CANCEL_GUARDS: readonly Guard<unknown>[] = [
  acceptRepeatedCancel,
  refuseCancellingRejectedOrder,
  refuseCancellingShippedOrder,
  refuseCancelOutsideTransitionTable,
];

// ---------------------------------------------------------------- setStatus

/** PENDING, PROCESSING, REJECTED and NEEDS_ATTENTION are the saga's own moves. */
const SETTABLE_STATUSES: readonly OrderStatus[] = ['SHIPPED', 'DELIVERED', 'CANCELLED'];

const refuseStatusTheSagaOwns: Guard<StatusRequest> = (view, { status }) => {
  if (!isOrderStatus(status)) refuse(OrderUpdateFailure.InvalidChange, `unknown status ${JSON.stringify(status)}`, [{ pointer: '/status', detail: 'unknown status' }]);
  if (!SETTABLE_STATUSES.includes(status)) illegalTransition(view, status, 'set by the saga', `status ${status} is set by the order saga, not by request`);
};

/** CANCELLED is a cancel: the cancel guards decide, and nothing after them. */
const leaveCancelToCancelGuards: Guard<StatusRequest> = (view, { status }) => {
  if (status !== 'CANCELLED') return;
  check(CANCEL_GUARDS, view, undefined);
  return ACCEPT;
};

/** Asking for the status the order has (SHIPPED: once the goods left) answers the state and does nothing. */
const acceptRepeatedStatus: Guard<StatusRequest> = (view, { status }) => {
  const repeat = status === 'SHIPPED' ? view.goodsLeft && view.state.status !== 'DELIVERED' : view.state.status === status;
  if (repeat) return ACCEPT;
};

const refuseMoveOutsideTable: Guard<StatusRequest> = (view, { status }) => refuseMoveOutsideTransitionTable(view, status);

const refuseShippingBeforeShipmentBooked: Guard<StatusRequest> = (view, { status }) => {
  if (status === 'SHIPPED' && !view.shipmentBooked) illegalTransition(view, 'SHIPPED', 'not booked', 'the shipment is not booked yet');
};

const refuseMalformedTrackingNumber: Guard<StatusRequest> = (_view, { status, trackingNumber }) => {
  if (status !== 'SHIPPED' || trackingNumber === undefined) return;
  if (typeof trackingNumber !== 'string' || trackingNumber.trim() === '' || trackingNumber.length > 100) {
    refuse(OrderUpdateFailure.InvalidChange, 'trackingNumber must be 1 to 100 characters', [{ pointer: '/trackingNumber', detail: 'must be 1 to 100 characters' }]);
  }
};

export const STATUS_GUARDS: readonly Guard<StatusRequest>[] = [
  refuseStatusTheSagaOwns,
  leaveCancelToCancelGuards,
  acceptRepeatedStatus,
  refuseChangesBeforeOrderIsRecorded,
  refuseChangesToFinishedOrder,
  refuseMoveOutsideTable,
  refuseShippingBeforeShipmentBooked,
  refuseMalformedTrackingNumber,
];
