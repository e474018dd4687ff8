// The order workflow's public surface: its input, updates, signals and query. The API and the
// tests import these definitions; only workflows/order.ts implements them.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CreateOrderInput, OrderLine, OrderLineInput, ShippingAddress } from '../domain/order';
import type { OrderStatus } from '../domain/order-status';
import type { Totals } from '../domain/pricing';

export const ORDER_WORKFLOW_TYPE = 'orderWorkflow';

export interface OrderWorkflowInput {
  order: CreateOrderInput;
}

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

/** Update-with-start's update: answers once the order is recorded (projection + order.created). */
export const placeOrderUpdate = defineUpdate<OrderState>('placeOrder');
export const changeLinesUpdate = defineUpdate<OrderState, [{ lines: OrderLineInput[] }]>('changeLines');
export const changeAddressUpdate = defineUpdate<OrderState, [{ shippingAddress: ShippingAddress }]>('changeAddress');
export const setStatusUpdate = defineUpdate<OrderState, [{ status: OrderStatus; trackingNumber?: string; reason?: string }]>('setStatus');
export const cancelUpdate = defineUpdate<OrderState, [{ reason?: string }]>('cancel');

export interface CarrierEvent { kind: 'shipped' | 'delivered' | 'exception'; trackingNumber?: string; at?: string; detail?: string }
export const carrierEventSignal = defineSignal<[CarrierEvent]>('carrierEvent');
/** The operator's "try again" for a NEEDS_ATTENTION order. */
export const retrySignal = defineSignal<[{ operator?: string; note?: string }?]>('retry');

export const orderStateQuery = defineQuery<OrderState>('state');
