// The order saga's steps, each beside its undo. workflows/order.ts runs them in order (its step
// list reads there); adoptOrder takes the undos of the steps the legacy system did from here.
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import { stepIdempotencyKey } from '../domain';
import type { OrderActivityProxies } from './order-activities';
import { lineInputs, requireTotals } from './order-change';
import type { OrderState, OrderWorkflowInput } from './order-definitions';
import type { SagaStage } from './order-guards';
import type { OrderInvoice } from './order-invoice';
import type { OrderShipment } from './order-shipment';
import { type Step, UndoImpossible } from './saga';

export type OrderStep<T = unknown> = Step<SagaStage, T>;

/** What has been done, beside the stage: the facts the guards and handlers need. */
export interface Progress {
  stage: SagaStage;
  /** Authorized here, or by the legacy system for an adopted order: the amount is fixed. */
  paymentAuthorized: boolean;
  /** order.shipped is recorded, here or by the migration (an adopted SHIPPED order). */
  shippedRecorded: boolean;
  /** What the order's authorizations hold, in cents (changes after payment raise it). */
  authorizedAmount?: number;
}

/** What the steps need of their order. */
export interface StepHost {
  orderId: string;
  workflowId: string;
  input: OrderWorkflowInput;
  state: OrderState;
  progress: Progress;
  activities: OrderActivityProxies;
  shipment: OrderShipment;
  invoice: OrderInvoice;
}

export function orderSteps(order: StepHost) {
  const { orderId, state, activities, shipment, invoice } = order;
  const key = (step: string, revision?: number) => stepIdempotencyKey(order.workflowId, step, revision);

  return {
    reserveInventory: {
      name: 'inventory reservation',
      stage: 'reserving',
      waitingFor: 'reserving inventory',
      exclusive: 'throughout',
      run: () => activities.database.reserveInventory({ orderId, lines: lineInputs(state.lines) }),
      undo: { name: 'releaseInventory', run: () => activities.undo.releaseInventory({ orderId }) },
    },

    issueInvoice: {
      name: 'invoicing',
      stage: 'invoicing',
      waitingFor: 'issuing the invoice',
      exclusive: 'throughout',
      run: () => invoice.issue(1),
      undo: { name: 'voidInvoice', run: () => invoice.voidCurrent() },
    },

    // Lines may change while the order is parked before authorization, so every attempt reads the
    // live invoice, and the idempotency key names its revision: a new amount never reuses a key.
    authorizePayment: {
      name: 'payment authorization',
      stage: 'authorizing',
      waitingFor: 'authorizing the payment',
      exclusive: 'at-start',
      run: async () => {
        const amount = requireTotals(state).total;
        const idempotencyKey = key('authorize', state.invoiceRevision);
        await activities.authorization.authorizePayment({ orderId, token: order.input.order.payment.token, amount, idempotencyKey });
        order.progress.paymentAuthorized = true;
        order.progress.authorizedAmount = amount;
      },
      undo: { name: 'voidPayment', run: () => activities.undo.voidPayment({ orderId, idempotencyKey: key('void-authorization') }) },
    },

    bookShipment: {
      name: 'shipment booking',
      stage: 'booking-shipment',
      waitingFor: 'booking the shipment with the carrier',
      run: async () => {
        shipment.booking = await activities.providers.createShipment({ orderId, address: state.shippingAddress });
        state.trackingNumber = shipment.booking.trackingNumber;
      },
      undo: {
        name: 'cancelShipment',
        run: async () => {
          try {
            await activities.undo.cancelShipment({ orderId });
          } catch (err) {
            // The carrier refuses only once the parcel has left.
            if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === 'CarrierRefused') {
              throw new UndoImpossible(`the parcel left before the cancellation reached the carrier (${err.cause.message})`);
            }
            throw err;
          }
        },
      },
    },

    awaitPickup: {
      name: 'carrier',
      stage: 'awaiting-shipment',
      waitingFor: () => `the carrier to pick up the parcel (${shipment.booking?.carrier})`,
      run: () => shipment.pickedUp(),
    },

    // ---- the goods have left: nothing below is ever undone

    // At start: a change of the order in flight finishes first, so the capture takes its total.
    capturePayment: {
      name: 'payment capture',
      stage: 'capturing',
      waitingFor: 'capturing the payment',
      exclusive: 'at-start',
      parkOnBusinessFailure: true,
      run: () => activities.providers.capturePayment({ orderId, idempotencyKey: key('capture'), amount: requireTotals(state).total }),
    },

    awaitDelivery: {
      name: 'carrier',
      stage: 'awaiting-delivery',
      waitingFor: 'the carrier to deliver the parcel',
      run: () => shipment.deliveredToCustomer(),
    },
  } satisfies Record<string, OrderStep>;
}
