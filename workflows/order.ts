// The order saga: one workflow per order (id `order-<orderId>`, task queue `orders`).
//
//   record the order -> reserve inventory -> issue invoice -> authorize payment -> book shipment
//     -> await pickup | the goods have left: nothing is undone from here | -> capture payment
//     -> await delivery
//
// A migrated legacy order (input.adoption) is adopted instead of recorded and joins where it
// stands (reserved and authorized in the legacy system, never again): PROCESSING -> invoice ->
// book shipment -> ...; SHIPPED -> invoice -> capture -> await delivery; NEEDS_ATTENTION (no
// payment) -> parked until an operator cancels it.
//
// The workflow's state is its progress (the stage and what is done) and its cancellation (none,
// requested, unwinding, refused). A cancel (the `cancel` update, a workflow cancellation request
// from a client or the UI, the auto-cancel of a parked order) or a business failure runs the
// undos newest first in a non-cancellable scope. The steps and their undos are in
// order-steps.ts, waiting for an operator in order-parking.ts, the parcel in order-shipment.ts,
// changes of the order in order-change.ts, the rules of every update in order-guards.ts.
//
// Shape: `setup` registers every handler before the first await, `run` tells the story.
// What changes the commands a history produces ships behind `patched('<id>')` (order-patches.ts).
import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
  metricMeter,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time';
import type { RecordOrderEventInput } from '../activities/contract';
import { type OrderStatus, LEGACY_WITHOUT_PAYMENT_REASON, stepIdempotencyKey } from '../domain';
import { OrderActivityProxies, activityFailureMessage, businessFailureOf } from './order-activities';
import { OrderChanges } from './order-change';
import {
  DEFAULT_ORDER_WORKFLOW_OPTIONS,
  type LegacyAdoption,
  type OrderChange,
  type OrderState,
  type OrderWorkflowInput,
  OrderUpdateFailure,
  cancelUpdate,
  carrierEventSignal,
  changeAddressUpdate,
  changeLinesUpdate,
  changeOrderUpdate,
  orderStateQuery,
  placeOrderUpdate,
  retrySignal,
  setStatusUpdate,
} from './order-definitions';
import { OrderInvoice } from './order-invoice';
import { CANCEL_GUARDS, type OrderView, STATUS_GUARDS, check } from './order-guards';
import { Parking } from './order-parking';
import { type OrderPatches, decidePatches } from './order-patches';
import { openOrder, placeOrder } from './order-recording';
import { CarrierException, OrderShipment } from './order-shipment';
import { type OrderStep, type Progress, orderSteps } from './order-steps';
import { OrderVisibility, initialOrderState } from './order-visibility';
import { Compensations, StepLock, UndoImpossible } from './saga';

type Cancellation =
  | { state: 'none' }
  | { state: 'requested'; reason: string; by: 'request' | 'auto-cancel' }
  | { state: 'unwinding'; to: 'CANCELLED' | 'REJECTED' }
  /** The parcel left before the carrier took the cancellation: the order goes on as shipped. */
  | { state: 'refused'; why: string };

export async function orderWorkflow(input: OrderWorkflowInput): Promise<OrderState> {
  const saga = new OrderSaga(input);
  saga.setup();
  return saga.run();
}

class OrderSaga {
  private readonly orderId: string;
  /** What the query and every update answer (`visible` keeps search attributes and details in step with it). */
  private readonly state: OrderState;
  private readonly visible: OrderVisibility;
  // The workflow's own state: what it has done, and where a cancel stands.
  private readonly progress: Progress = { stage: 'placing', paymentAuthorized: false, shippedRecorded: false };
  private cancellation: Cancellation = { state: 'none' };
  /** Decided once, at the start (order-patches.ts): an order keeps the rules it was started with. */
  private patches: OrderPatches = { changeAcceptedFirst: false, localProviderCalls: false, openAtOnce: false, changesAfterPayment: false, shipAfterChange: false };
  /** What openOrder's reserving or invoicing refused; thrown inside the saga scope (untilShipped). */
  private refusedAtOpening: ApplicationFailure | null = null;

  private readonly activities: OrderActivityProxies;
  private readonly steps: ReturnType<typeof orderSteps>;
  private readonly compensations = new Compensations();
  /** Keeps steps and changes of the order from interleaving. */
  private readonly lock = new StepLock();
  /** Everything that can be cancelled runs here; a workflow cancellation request reaches it from the root. */
  private readonly sagaScope = new CancellationScope();
  private readonly shipment: OrderShipment;
  private readonly parking: Parking;
  private readonly changes: OrderChanges;
  private readonly invoice: OrderInvoice;
  private readonly sagaOutcomes = metricMeter.createCounter('order_saga_outcomes', 'orders', 'Order sagas finished, by outcome');

  constructor(private readonly input: OrderWorkflowInput) {
    const { order } = input;
    const options = input.options ?? {};
    const orderId = (this.orderId = order.orderId);
    this.activities = new OrderActivityProxies(options.providerRetry, { database: () => this.patches.openAtOnce, providers: () => this.patches.localProviderCalls });

    const from = input.adoption?.from;
    this.state = initialOrderState(input);
    const { state, progress, activities } = this;
    const visible = (this.visible = new OrderVisibility(state));
    const record = (event: Omit<RecordOrderEventInput, 'orderId'>) => this.record(event);
    const invoice = (this.invoice = new OrderInvoice(orderId, visible, activities));

    const shipment = (this.shipment = new OrderShipment({
      orderId,
      stage: () => progress.stage,
      status: () => state.status,
      endingAs: () => this.endingAs(),
      keepsNewsBeforeBooking: () => this.patches.changeAcceptedFirst,
    }));
    this.parking = new Parking({
      orderId,
      visible,
      record,
      escalateAfterMs: msToNumber(options.escalateAfter ?? DEFAULT_ORDER_WORKFLOW_OPTIONS.escalateAfter),
      autoCancelAfterMs: msToNumber(options.autoCancelAfter ?? DEFAULT_ORDER_WORKFLOW_OPTIONS.autoCancelAfter),
      goodsLeft: () => shipment.goodsLeft !== null,
      requestAutoCancel: (reason) => (this.cancellation = { state: 'requested', reason, by: 'auto-cancel' }),
    });
    const workflowId = workflowInfo().workflowId;
    this.changes = new OrderChanges({
      orderId,
      visible,
      record,
      invoice,
      lock: this.lock,
      database: () => activities.database,
      ordinaryDatabase: activities.ordinaryDatabase,
      view: () => this.view(),
      providers: () => activities.providers,
      undo: activities.undo,
      progress,
      shipment,
      paymentToken: order.payment.token,
      key: (step, revision) => stepIdempotencyKey(workflowId, step, revision),
      shipAfterChange: () => this.patches.shipAfterChange,
      acceptedFirst: () => this.patches.changeAcceptedFirst,
    });
    this.steps = orderSteps({ orderId, workflowId, input, state, progress, activities, shipment, invoice });

    if (from === 'SHIPPED') {
      // Past the point of no return from the start: a cancel is refused even during the adoption.
      shipment.goodsLeft = { trackingNumber: '' };
      progress.shippedRecorded = true; // the migration recorded order.shipped
    }
  }

  // ---------------------------------------------------------------- setup: handlers before the first await

  setup(): void {
    this.patches = decidePatches();
    setHandler(orderStateQuery, () => this.visible.snapshot());

    setHandler(placeOrderUpdate, () =>
      CancellationScope.nonCancellable(async () => {
        await condition(() => this.progress.stage !== 'placing');
        return this.visible.snapshot();
      }),
    );

    const change = (request: OrderChange) => CancellationScope.nonCancellable(() => this.changes.apply(request));
    setHandler(changeOrderUpdate, change, {
      validator: (request) => this.changes.check(request),
      description: 'Change lines and/or the shipping address until the goods leave (older orders: lines until authorization, address until booking)',
    });
    setHandler(changeLinesUpdate, ({ lines }) => change({ lines }), {
      validator: ({ lines }) => this.changes.check({ lines }),
      description: 'Replace the order lines (quantities of its SKUs) until the payment is authorized',
    });
    setHandler(changeAddressUpdate, ({ shippingAddress }) => change({ shippingAddress }), {
      validator: ({ shippingAddress }) => this.changes.check({ shippingAddress }),
      description: 'Change the shipping address until the shipment is booked (same country once authorized)',
    });

    setHandler(setStatusUpdate, (request) => CancellationScope.nonCancellable(() => this.setStatus(request)), {
      validator: (request) => check(STATUS_GUARDS, this.view(), request),
      description: 'Move the order: SHIPPED (tracking number), DELIVERED or CANCELLED (reason)',
    });

    setHandler(cancelUpdate, (request) => CancellationScope.nonCancellable(() => this.cancel(request?.reason)), {
      validator: (_request) => check(CANCEL_GUARDS, this.view(), undefined),
      description: 'Cancel the order and undo every completed step (until it ships)',
    });

    setHandler(carrierEventSignal, (event) => this.shipment.onCarrierEvent(event));
    setHandler(retrySignal, (request) => this.parking.retry(request ?? {}));
  }

  // ---------------------------------------------------------------- run: the story of the order

  async run(): Promise<OrderState> {
    // Only the saga scope may be cancelled; bookkeeping and unwinding must always finish.
    return CancellationScope.nonCancellable(async () => {
      this.visible.upsertSearchAttributes();
      if (this.input.adoption) await this.adoptOrder(this.input.adoption);
      else if (!(await this.recordOrder())) return this.finish('rejected');
      try {
        await this.sagaScope.run(() => this.untilShipped());
      } catch (err) {
        const outcome = await this.unwindAfter(err);
        if (outcome !== 'goods-left') return this.finish(outcome);
      }
      await this.afterShipment();
      return this.finish('delivered');
    });
  }

  /** The steps until the goods leave: each one's undo is registered before it runs. */
  private async untilShipped(): Promise<void> {
    const { steps } = this;
    const from = this.input.adoption?.from;
    if (from === 'SHIPPED') return;
    if (from === 'NEEDS_ATTENTION') return this.parking.parkForGood('legacy adoption', LEGACY_WITHOUT_PAYMENT_REASON, 'PENDING');
    if (from === undefined) {
      if (this.patches.openAtOnce) {
        // openOrder runs whole: a cancel accepted meanwhile unwinds here, before the next step registers its undo.
        if (this.sagaScope.consideredCancelled) throw new CancelledFailure('cancelled while the order was opened');
        if (this.refusedAtOpening) throw this.refusedAtOpening;
      } else {
        await this.step(steps.reserveInventory);
        await this.step(steps.issueInvoice);
      }
      await this.step(steps.authorizePayment);
      this.visible.moveTo('PROCESSING');
    }
    await this.step(steps.bookShipment);
    await this.step(steps.awaitPickup);
  }

  /** Past the point of no return: nothing is undone any more, failures only park. */
  private async afterShipment(): Promise<void> {
    const { steps } = this;
    this.compensations.discard();
    // A change under way finishes (or fails) first: the shipment then moves the stock its reservations hold.
    if (!this.progress.shippedRecorded) await (this.patches.shipAfterChange ? this.lock.run(() => this.recordShipped()) : this.recordShipped());
    await this.step(steps.capturePayment);
    await this.step(steps.awaitDelivery);
    this.visible.moveTo('DELIVERED');
    await this.record({ type: 'order.delivered', dedupeKey: 'delivered', status: 'DELIVERED', statusReason: null });
  }

  /** Checks the order against the catalogue and records it (order-recording.ts); false: rejected. */
  private async recordOrder(): Promise<boolean> {
    const { input, state, progress, visible, invoice, compensations, steps, activities } = this;
    const host = { input, state, progress, visible, invoice, compensations, steps, activities };
    const recording = this.patches.openAtOnce ? await openOrder(host) : await placeOrder(host);
    if (!recording.recorded) return false;
    this.refusedAtOpening = recording.refused;
    return true;
  }

  /**
   * A migrated legacy order: the migration recorded it; take it over where it stands (see
   * LegacyAdoption). The undos of what the legacy system did come from the same step definitions
   * and are registered before anything can need them.
   */
  private async adoptOrder({ legacyOrderNo, from }: LegacyAdoption): Promise<void> {
    this.visible.waitFor(`adopting legacy order #${legacyOrderNo}`);
    const adopted = await this.activities.projection.adoptLegacyOrder({ orderId: this.orderId, legacyOrderNo, from });
    this.invoice.tier = adopted.tier;
    this.state.lines = adopted.lines;
    this.state.totals = adopted.totals;
    this.state.shippingAddress = adopted.shippingAddress;
    this.state.trackingNumber = adopted.trackingNumber;
    if (from === 'NEEDS_ATTENTION') {
      // Nothing reserved, invoiced or authorized; it parks at once (untilShipped). An operator may
      // still change its lines (which reserves), so a cancel releases what it holds.
      this.compensations.add(this.steps.reserveInventory.undo);
      this.progress.stage = 'reserving';
      this.visible.upsertSearchAttributes();
      return;
    }
    this.progress.paymentAuthorized = true; // the legacy authorization (recorded by the adoption)
    this.progress.authorizedAmount = adopted.totals.total;
    if (from === 'SHIPPED') {
      this.shipment.goodsLeft = { trackingNumber: adopted.trackingNumber ?? '' };
    } else {
      this.compensations.add(this.steps.issueInvoice.undo);
      this.compensations.add(this.steps.authorizePayment.undo);
    }
    this.visible.upsertSearchAttributes();
    // The migration writes no invoice: issue it from the projection (same pricing, same totals).
    this.visible.waitFor('issuing the invoice');
    await this.invoice.issue(1);
  }

  private async recordShipped(): Promise<void> {
    const trackingNumber = this.shipment.goodsLeft?.trackingNumber || this.state.trackingNumber;
    this.state.trackingNumber = trackingNumber;
    this.visible.moveTo('SHIPPED');
    await this.record({ type: 'order.shipped', dedupeKey: 'shipped', status: 'SHIPPED', statusReason: null, changes: { trackingNumber } });
    this.progress.shippedRecorded = true;
  }

  // ---------------------------------------------------------------- the step runner

  /**
   * Runs one step: registers its undo, marks its stage, keeps it clear of changes of the order,
   * and parks the order when it fails in a way only an operator can fix; after the operator's
   * retry it runs again (same idempotency keys). Other failures go to the caller.
   */
  private async step<T>(step: OrderStep<T>): Promise<T> {
    if (step.undo) this.compensations.add(step.undo);
    for (;;) {
      this.progress.stage = step.stage;
      this.visible.waitFor(typeof step.waitingFor === 'string' ? step.waitingFor : step.waitingFor());
      try {
        return await this.exclusively(step);
      } catch (err) {
        const reason = this.reasonToPark(step, err);
        if (reason === null) throw err;
        await this.parking.park(step.name, reason);
      }
    }
  }

  private exclusively<T>({ exclusive, run }: OrderStep<T>): Promise<T> {
    if (exclusive === 'throughout') return this.lock.run(run);
    if (exclusive === 'at-start') return this.lock.drain().then(run);
    return run();
  }

  /** Why the failed step needs an operator, or null when the failure is not theirs to fix. */
  private reasonToPark(step: OrderStep, err: unknown): string | null {
    if (err instanceof CarrierException) return err.message;
    // Once the saga is cancelled, a failure is part of the cancellation (a step whose worker died
    // times out instead of confirming it): unwind, never park.
    if (isCancellation(err) || this.sagaScope.consideredCancelled) return null;
    if (businessFailureOf(err) !== null && !step.parkOnBusinessFailure) return null;
    const failure = activityFailureMessage(err);
    return failure === null ? null : `${step.name} failed: ${failure}`;
  }

  // ---------------------------------------------------------------- unwinding and finishing

  /**
   * The saga stopped before the goods left: a business failure rejects the order, a cancel (of
   * any kind) cancels it, both undoing the steps done so far. Only a cancellation request that
   * came after the goods left, or one the carrier could no longer carry out, lets it go on.
   */
  private async unwindAfter(err: unknown): Promise<'rejected' | 'cancelled' | 'goods-left'> {
    const business = businessFailureOf(err);
    if (business !== null) {
      await this.unwind('REJECTED', business.message, { failure: business.type });
      return 'rejected';
    }
    if (!isCancellation(err) && !this.sagaScope.consideredCancelled) throw asWorkflowTaskFailure(err);
    const requested = this.cancellation.state === 'requested' ? this.cancellation : null;
    if (requested === null && this.shipment.goodsLeft !== null) {
      log.warn('cancellation requested after the goods left; ignored', { orderId: this.orderId });
      return 'goods-left';
    }
    const { reason, by } = requested ?? { reason: 'cancellation requested through Temporal', by: 'workflow-cancellation' };
    const impossible = await this.unwind('CANCELLED', reason, { by });
    if (impossible === null) return 'cancelled';
    log.warn('cancellation abandoned: the goods left first', { orderId: this.orderId, reason: impossible.message });
    this.cancellation = { state: 'refused', why: impossible.message };
    this.shipment.leftBeforeCancellation(this.state.trackingNumber);
    return 'goods-left';
  }

  /**
   * Runs every registered undo, newest first, then records the final status. Returns null, or
   * the UndoImpossible that stopped it (the parcel left first; nothing older was undone).
   */
  private async unwind(to: 'CANCELLED' | 'REJECTED', reason: string, data: Record<string, unknown>): Promise<UndoImpossible | null> {
    this.cancellation = { state: 'unwinding', to };
    this.progress.stage = 'unwinding';
    this.visible.waitFor(`undoing completed steps (${to === 'CANCELLED' ? 'cancelled' : 'rejected'}: ${reason})`);
    let undone: string[];
    try {
      // A change of the order in flight finishes first: an undo never overtakes what it undoes.
      undone = await this.lock.run(() => this.compensations.unwind());
    } catch (err) {
      if (err instanceof UndoImpossible) return err;
      throw err;
    }
    this.visible.moveTo(to, reason);
    await this.record({
      type: to === 'CANCELLED' ? 'order.canceled' : 'order.rejected',
      dedupeKey: to === 'CANCELLED' ? 'canceled' : 'rejected',
      status: to,
      statusReason: reason,
      data: { ...data, undone },
    });
    return null;
  }

  private async finish(outcome: 'delivered' | 'cancelled' | 'rejected'): Promise<OrderState> {
    this.progress.stage = 'done';
    this.visible.upsertSearchAttributes();
    this.visible.waitFor(`nothing: the order is ${this.state.status}`);
    this.sagaOutcomes.add(1, { outcome });
    log.info('order saga finished', { orderId: this.orderId, outcome, status: this.state.status });
    await condition(allHandlersFinished);
    return this.visible.snapshot();
  }

  // ---------------------------------------------------------------- updates

  private view(): OrderView {
    const { stage, paymentAuthorized } = this.progress;
    return {
      state: this.state,
      stage,
      endingAs: this.endingAs(),
      authorizing: stage === 'authorizing' && !this.parking.parked,
      paymentAuthorized,
      shipmentBooked: this.shipment.booking !== null,
      goodsLeft: this.shipment.goodsLeft !== null,
      changesAfterPayment: this.patches.changesAfterPayment,
    };
  }

  /** An accepted cancel counts from the moment it is accepted, before the unwinding starts. */
  private endingAs(): 'CANCELLED' | 'REJECTED' | null {
    if (this.cancellation.state === 'requested') return 'CANCELLED';
    if (this.cancellation.state === 'unwinding') return this.cancellation.to;
    return null;
  }

  private async setStatus({ status, trackingNumber, reason }: { status: OrderStatus; trackingNumber?: string; reason?: string }): Promise<OrderState> {
    if (status === 'CANCELLED') return this.cancel(reason);
    if (status === 'SHIPPED') {
      if (this.shipment.goodsLeft === null) this.shipment.reportGoodsLeft(trackingNumber, 'operator');
      await condition(() => this.progress.shippedRecorded || this.progress.stage === 'done');
    } else if (status === 'DELIVERED') {
      // Recorded once the payment is captured, so DELIVERED is always the last word.
      this.shipment.delivered = true;
      await condition(() => this.progress.stage === 'done');
    }
    return this.visible.snapshot();
  }

  private async cancel(reason: string | undefined): Promise<OrderState> {
    if (this.cancellation.state === 'none') {
      this.cancellation = { state: 'requested', reason: reason?.trim() || 'cancelled on request', by: 'request' };
      this.sagaScope.cancel();
    }
    // Answered with the recorded outcome.
    await condition(() => this.progress.stage === 'done' || this.cancellation.state === 'refused');
    if (this.progress.stage !== 'done' && this.cancellation.state === 'refused') {
      throw ApplicationFailure.create({
        type: OrderUpdateFailure.IllegalTransition,
        message: `the order could not be cancelled: ${this.cancellation.why}`,
        nonRetryable: true,
        details: [{ from: this.state.status, to: 'CANCELLED', reason: 'shipped' }],
      });
    }
    return this.visible.snapshot();
  }

  // ---------------------------------------------------------------- bookkeeping

  private record(event: Omit<RecordOrderEventInput, 'orderId'>): Promise<{ seq: number }> {
    // A projection write is never abandoned half-way, whatever gets cancelled around it.
    return CancellationScope.nonCancellable(() => this.activities.projection.recordOrderEvent({ orderId: this.orderId, ...event }));
  }
}

/**
 * Anything else escaping the saga is a bug. A plain Error fails the workflow *task*, which
 * Temporal retries, so the order waits for a fix instead of closing with stock still reserved.
 */
function asWorkflowTaskFailure(err: unknown): Error {
  return new Error(`order saga failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`);
}
