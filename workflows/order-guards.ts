// The rules the order's update validators apply, as a list of guards named for what they refuse.
// They read only the workflow's in-memory view, so a refused update never enters history. Each
// throws an ApplicationFailure whose type (OrderUpdateFailure) the API maps to a status code.
import { ApplicationFailure } from '@temporalio/workflow';
import {
  type OrderLineInput,
  type OrderStatus,
  type Problem,
  type ShippingAddress,
  isOrderStatus,
  isTerminal,
  transitionRefusal,
  validateAddress,
  validateLines,
} from '../domain';
import { OrderUpdateFailure, type OrderState } from './order-definitions';

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

export function stageReached(current: SagaStage, stage: SagaStage): boolean {
  return STAGE_ORDER.indexOf(current) >= STAGE_ORDER.indexOf(stage);
}

/** The in-memory facts the guards look at. */
export interface OrderView {
  state: OrderState;
  stage: SagaStage;
  /** A cancel (update, workflow cancellation, auto-cancel) or a rejection under way or done. */
  unwinding: 'CANCELLED' | 'REJECTED' | null;
  /** The payment authorization call is running (a change now could change the amount under it). */
  authorizing: boolean;
  /** The payment is authorized: the amount is fixed from here on. */
  paymentAuthorized: boolean;
  /** The shipment is booked with the carrier. */
  shipmentBooked: boolean;
  /** The carrier (or an operator) reported that the goods left; nothing can be undone now. */
  goodsLeft: boolean;
}

function refuse(type: string, message: string, details?: unknown): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true, details: details === undefined ? undefined : [details] });
}

function refuseInvalid(problems: Problem[]): void {
  if (problems.length > 0) refuse(OrderUpdateFailure.InvalidChange, problems.map((p) => `${p.pointer}: ${p.detail}`).join('; '), problems);
}

// ---------------------------------------------------------------- guards

export function refuseChangesBeforeOrderIsRecorded(view: OrderView): void {
  if (view.stage === 'placing') refuse(OrderUpdateFailure.ChangeNotAllowed, 'the order is still being recorded; try again in a moment');
}

export function refuseChangesToFinishedOrder(view: OrderView): void {
  if (isTerminal(view.state.status)) refuse(OrderUpdateFailure.ChangeNotAllowed, `the order is ${view.state.status}`);
  if (view.unwinding !== null) refuse(OrderUpdateFailure.ChangeNotAllowed, `the order is being ${view.unwinding === 'CANCELLED' ? 'cancelled' : 'rejected'}`);
}

/** Still PENDING, or parked before the payment was authorized (a provider outage). */
function beforeAuthorization(view: OrderView): boolean {
  const { status, parkedFrom } = view.state;
  return !view.paymentAuthorized && (status === 'PENDING' || (status === 'NEEDS_ATTENTION' && parkedFrom === 'PENDING'));
}

export function refuseLineChangesOnceAuthorizing(view: OrderView): void {
  if (!beforeAuthorization(view)) refuse(OrderUpdateFailure.ChangeNotAllowed, 'lines can change only until the payment is authorized');
  if (view.authorizing) refuse(OrderUpdateFailure.ChangeNotAllowed, 'the payment is being authorized; lines can no longer change');
}

export function refuseEmptyChange(): never {
  refuse(OrderUpdateFailure.InvalidChange, 'nothing to change: give lines and/or shippingAddress', [{ pointer: '', detail: 'give lines and/or shippingAddress' }]);
}

export function refuseInvalidLines(lines: OrderLineInput[]): void {
  refuseInvalid(validateLines(lines));
}

/**
 * Prices were fixed when the order was placed, and a validator cannot look new SKUs up in the
 * catalogue: a change may set quantities of the order's SKUs or drop lines, not add SKUs.
 */
export function refuseSkusNotOnOrder(view: OrderView, lines: OrderLineInput[]): void {
  const known = new Set(view.state.lines.map((line) => line.sku));
  const problems = lines.flatMap((line, index) =>
    known.has(line.sku) ? [] : [{ pointer: `/lines/${index}/sku`, detail: `sku ${line.sku} is not on this order; only quantities of its SKUs can change` }],
  );
  // A well-formed request the order's current lines refuse: a conflict with its state.
  if (problems.length > 0) refuse(OrderUpdateFailure.ChangeNotAllowed, problems.map((p) => `${p.pointer}: ${p.detail}`).join('; '), problems);
}

export function refuseInvalidAddress(address: ShippingAddress): void {
  refuseInvalid(validateAddress(address));
}

export function refuseAddressChangeOnceShipmentBooked(view: OrderView): void {
  if (view.shipmentBooked || view.goodsLeft || stageReached(view.stage, 'booking-shipment')) {
    refuse(OrderUpdateFailure.ChangeNotAllowed, 'the shipment is booked; the address can no longer change');
  }
}

/** The country decides tax and shipping, so after authorization the amount must not move. */
export function refuseCountryChangeOnceAuthorizing(view: OrderView, address: ShippingAddress): void {
  const amountFixed = !beforeAuthorization(view) || view.authorizing;
  if (amountFixed && address.country !== view.state.shippingAddress.country) {
    refuse(OrderUpdateFailure.ChangeNotAllowed, 'after payment authorization the address may change only within the same country');
  }
}

/** PENDING, PROCESSING, REJECTED and NEEDS_ATTENTION are the saga's own moves. */
const SETTABLE_STATUSES: readonly OrderStatus[] = ['SHIPPED', 'DELIVERED', 'CANCELLED'];

export function refuseStatusTheSagaOwns(view: OrderView, status: OrderStatus): void {
  if (!isOrderStatus(status)) refuse(OrderUpdateFailure.InvalidChange, `unknown status ${JSON.stringify(status)}`, [{ pointer: '/status', detail: 'unknown status' }]);
  if (!SETTABLE_STATUSES.includes(status)) {
    refuse(OrderUpdateFailure.IllegalTransition, `status ${status} is set by the order saga, not by request`, {
      from: view.state.status,
      to: status,
      reason: 'set by the saga',
    });
  }
}

export function refuseMoveOutsideTransitionTable(view: OrderView, to: OrderStatus): void {
  const reason = transitionRefusal(view.state.status, to, view.state.parkedFrom);
  if (reason !== null) {
    refuse(OrderUpdateFailure.IllegalTransition, `illegal order transition ${view.state.status} -> ${to}: ${reason}`, {
      from: view.state.status,
      to,
      reason,
    });
  }
}

export function refuseShippingBeforeShipmentBooked(view: OrderView): void {
  if (!view.shipmentBooked) {
    refuse(OrderUpdateFailure.IllegalTransition, 'the shipment is not booked yet', { from: view.state.status, to: 'SHIPPED', reason: 'not booked' });
  }
}

export function refuseMalformedTrackingNumber(trackingNumber: string | undefined): void {
  if (trackingNumber !== undefined && (typeof trackingNumber !== 'string' || trackingNumber.trim() === '' || trackingNumber.length > 100)) {
    refuse(OrderUpdateFailure.InvalidChange, 'trackingNumber must be 1 to 100 characters', [{ pointer: '/trackingNumber', detail: 'must be 1 to 100 characters' }]);
  }
}

export function refuseCancellingShippedOrder(view: OrderView): void {
  if (view.goodsLeft) {
    refuse(OrderUpdateFailure.IllegalTransition, 'the goods have left; a shipped order cannot be cancelled', {
      from: view.state.status,
      to: 'CANCELLED',
      reason: 'shipped',
    });
  }
  refuseMoveOutsideTransitionTable(view, 'CANCELLED');
}

export function refuseCancellingRejectedOrder(view: OrderView): void {
  if (view.unwinding === 'REJECTED') {
    refuse(OrderUpdateFailure.IllegalTransition, 'the order is being rejected', { from: 'REJECTED', to: 'CANCELLED', reason: 'rejected' });
  }
}

/** Cancelling again, or asking for the status the order has, answers the state and does nothing. */
export function isRepeatOf(view: OrderView, to: OrderStatus): boolean {
  if (to === 'CANCELLED') return view.state.status === 'CANCELLED' || view.unwinding === 'CANCELLED';
  if (to === 'SHIPPED') return view.goodsLeft && view.state.status !== 'DELIVERED';
  return view.state.status === to;
}
