// The order saga: one workflow per order (id `order-<orderId>`, task queue `orders`).
//
//   place (validate + record) -> reserve -> invoice -> authorize -> book shipment
//     -> wait SHIPPED -> capture -> wait DELIVERED
//
// A migrated legacy order (input.adoption) is adopted instead of placed and joins where it stands
// (reserved and authorized in the legacy system, never again): PROCESSING -> invoice -> book
// shipment -> ...; SHIPPED -> invoice -> capture -> wait DELIVERED; NEEDS_ATTENTION (no payment)
// -> parked until an operator cancels. A new input field, so no patch: old histories never have it.
//
// Each compensation is registered before its step runs. A cancel (the `cancel` update, a
// workflow cancellation request from a client or the UI, or the auto-cancel of a parked order)
// or a business failure unwinds them newest first in a non-cancellable scope. Once the goods have
// left nothing is undone any more. Payment and carrier failures that outlast their retry policy
// park the order NEEDS_ATTENTION until an operator retries or cancels it.
//
// Shape: `setup` registers every handler before the first await, `run` tells the story.
// New behaviour ships behind `patched('<id>')`: histories of running orders must keep replaying.
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  type ActivityOptions,
  type LocalActivityOptions,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
  metricMeter,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time';
import type { OrderActivities, RecordOrderEventInput, ShipmentRef } from '../activities/contract';
import {
  BUSINESS_FAILURE_TYPES,
  type BusinessFailureType,
  type OrderLine,
  type OrderLineInput,
  type OrderStatus,
  type ShippingAddress,
  type Tier,
  isBusinessFailureType,
  isCancellable,
  LEGACY_WITHOUT_PAYMENT_REASON,
  lineAmount,
  priceOrder,
  stepIdempotencyKey,
} from '../domain';
import {
  type CarrierEvent,
  DEFAULT_ORDER_WORKFLOW_OPTIONS,
  type LegacyAdoption,
  type OrderState,
  type OrderWorkflowInput,
  OrderSearchAttributes,
  OrderUpdateFailure,
  cancelUpdate,
  carrierEventSignal,
  changeAddressUpdate,
  changeLinesUpdate,
  changeOrderUpdate,
  type OrderChange,
  orderStateQuery,
  placeOrderUpdate,
  retrySignal,
  setStatusUpdate,
} from './order-definitions';
import {
  type OrderView,
  type SagaStage,
  isRepeatOf,
  refuseAddressChangeOnceShipmentBooked,
  refuseCancellingRejectedOrder,
  refuseCancellingShippedOrder,
  refuseChangesBeforeOrderIsRecorded,
  refuseChangesToFinishedOrder,
  refuseCountryChangeOnceAuthorizing,
  refuseEmptyChange,
  refuseInvalidAddress,
  refuseInvalidLines,
  refuseLineChangesOnceAuthorizing,
  refuseMoveOutsideTransitionTable,
  refuseShippingBeforeShipmentBooked,
  refuseMalformedTrackingNumber,
  refuseSkusNotOnOrder,
  refuseStatusTheSagaOwns,
} from './order-guards';
import { Compensations, StepLock, UndoImpossible } from './saga';

// ---------------------------------------------------------------- activity options, one per timeout class

/** Unlimited attempts, capped backoff: for work that must happen eventually (PostgreSQL writes, undos). */
const UNTIL_DONE = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' } as const;
const NON_RETRYABLE = [...BUSINESS_FAILURE_TYPES];

/** Projection writes: never park, retry until PostgreSQL answers. */
const PROJECTION: ActivityOptions = { startToCloseTimeout: '30s', retry: UNTIL_DONE };

/**
 * Steps heartbeat; a cancelled step is waited for (WAIT_CANCELLATION_COMPLETED) so its
 * compensation can never overtake it, and a dead worker is noticed after the heartbeat timeout.
 */
const STEP: ActivityOptions = {
  startToCloseTimeout: '2m',
  heartbeatTimeout: '10s',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { ...UNTIL_DONE, nonRetryableErrorTypes: NON_RETRYABLE },
};

/** Compensations run in a non-cancellable scope and retry until they succeed. */
const COMPENSATION: ActivityOptions = { startToCloseTimeout: '2m', heartbeatTimeout: '10s', retry: UNTIL_DONE };

/**
 * Work that only touches our own PostgreSQL (recording the order and its events, reserving,
 * invoicing) runs as local activities: in the worker that runs the workflow task, recorded as one
 * marker instead of three history events and a further workflow task, which roughly halves the
 * Temporal server's work per order. Provider calls stay ordinary activities: they are slow, they
 * heartbeat and they may need another worker. A dead worker's local activity runs again after
 * the workflow task times out; every activity is idempotent, so that is safe.
 */
const LOCAL_DB_WORK = 'local-db-work';
const LOCAL_PROJECTION: LocalActivityOptions = { startToCloseTimeout: '30s', retry: UNTIL_DONE };
const LOCAL_STEP: LocalActivityOptions = {
  startToCloseTimeout: '30s',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { ...UNTIL_DONE, nonRetryableErrorTypes: NON_RETRYABLE },
};

type ParkableStatus = Extract<OrderStatus, 'PENDING' | 'PROCESSING' | 'SHIPPED'>;

interface CancelRequest {
  reason: string;
  by: 'request' | 'auto-cancel' | 'workflow-cancellation';
}

export async function orderWorkflow(input: OrderWorkflowInput): Promise<OrderState> {
  const saga = new OrderSaga(input);
  saga.setup();
  return saga.run();
}

class OrderSaga {
  private readonly orderId: string;
  private readonly workflowId = workflowInfo().workflowId;
  private readonly state: OrderState;
  private stage: SagaStage = 'placing';
  private unwinding: 'CANCELLED' | 'REJECTED' | null = null;
  private tier: Tier | null = null;

  private readonly compensations = new Compensations();
  private readonly stepLock = new StepLock();
  /** Everything that can be cancelled runs here; a workflow cancellation request reaches it from the root. */
  private readonly sagaScope = new CancellationScope();
  private cancelRequest: CancelRequest | null = null;
  /** Why an accepted cancel could not be carried out (the goods left first). */
  private cancelRefusal: string | null = null;

  private authorizing = false;
  private paymentAuthorized = false;
  private shipment: ShipmentRef | null = null;
  /** Set the moment the carrier or an operator reports the goods left: the point of no return. */
  private goodsLeft: { trackingNumber: string } | null = null;
  private shippedRecorded = false;
  private deliveryReported = false;
  /** A carrier's "shipped" that came while unwinding: used if the unwinding turns out impossible. */
  private lateShipmentReport: string | null = null;
  private carrierException: string | null = null;
  private retryRequest: { operator?: string; note?: string } | null = null;
  /** A legacy S order: the goods left before the adoption, with no shipment booked here. */
  private shippedBeforeAdoption = false;
  /** Set while parked for good: a retry cannot help (a legacy order without payment). */
  private retryRefused = false;
  private parkings = 0;
  private changes = 0;
  /** The search attribute values last written; the start options usually set the first ones. */
  private searchAttributesUpserted = searchAttributesAtStart();

  private readonly escalateAfterMs: number;
  private readonly autoCancelAfterMs: number;
  /** Before patch LOCAL_DB_WORK (histories of orders placed earlier): ordinary activities. */
  private readonly remote: { projection: OrderActivities; steps: OrderActivities };
  private readonly local: { projection: OrderActivities; steps: OrderActivities };
  private readonly providers: OrderActivities;
  private readonly undo: OrderActivities;

  private readonly sagaOutcomes = metricMeter.createCounter('order_saga_outcomes', 'orders', 'Order sagas finished, by outcome');
  private readonly escalations = metricMeter.createCounter('order_escalations', 'orders', 'Parked orders escalated to operators');

  constructor(private readonly input: OrderWorkflowInput) {
    const { order } = input;
    const options = input.options ?? {};
    this.orderId = order.orderId;
    this.escalateAfterMs = msToNumber(options.escalateAfter ?? DEFAULT_ORDER_WORKFLOW_OPTIONS.escalateAfter);
    this.autoCancelAfterMs = msToNumber(options.autoCancelAfter ?? DEFAULT_ORDER_WORKFLOW_OPTIONS.autoCancelAfter);
    const providerRetry = { ...DEFAULT_ORDER_WORKFLOW_OPTIONS.providerRetry, ...options.providerRetry };

    this.remote = { projection: proxyActivities<OrderActivities>(PROJECTION), steps: proxyActivities<OrderActivities>(STEP) };
    this.local = { projection: proxyLocalActivities<OrderActivities>(LOCAL_PROJECTION), steps: proxyLocalActivities<OrderActivities>(LOCAL_STEP) };
    // Payment and carrier: bounded retries, then the order is parked for an operator.
    this.providers = proxyActivities<OrderActivities>({ ...STEP, retry: { ...providerRetry, nonRetryableErrorTypes: NON_RETRYABLE } });
    this.undo = proxyActivities<OrderActivities>(COMPENSATION);

    // An adopted order starts where the migration left it (its start options say the same).
    const from = input.adoption?.from;
    this.state = {
      orderId: order.orderId,
      customerId: order.customerId,
      status: from ?? 'PENDING',
      statusReason: from === 'NEEDS_ATTENTION' ? LEGACY_WITHOUT_PAYMENT_REASON : null,
      parkedFrom: from === 'NEEDS_ATTENTION' ? 'PENDING' : null,
      lines: [],
      totals: null,
      shippingAddress: order.shippingAddress,
      invoiceRevision: 0,
      trackingNumber: null,
      waitingFor: 'recording the order',
    };
    if (from === 'SHIPPED') {
      // Past the point of no return from the start: a cancel is refused even during the adoption.
      this.goodsLeft = { trackingNumber: '' };
      this.shippedBeforeAdoption = true;
      this.shippedRecorded = true; // the migration recorded order.shipped
    }
  }

  /** Projection writes: placeOrder, adoptLegacyOrder, recordOrderEvent. */
  private get projection(): OrderActivities {
    return patched(LOCAL_DB_WORK) ? this.local.projection : this.remote.projection;
  }

  /** Steps on our own database: reserveInventory, createInvoice. */
  private get steps(): OrderActivities {
    return patched(LOCAL_DB_WORK) ? this.local.steps : this.remote.steps;
  }

  // ---------------------------------------------------------------- setup: handlers before the first await

  setup(): void {
    setHandler(orderStateQuery, () => this.snapshot());

    setHandler(placeOrderUpdate, () =>
      CancellationScope.nonCancellable(async () => {
        await condition(() => this.stage !== 'placing');
        return this.snapshot();
      }),
    );

    setHandler(changeOrderUpdate, (change) => CancellationScope.nonCancellable(() => this.applyChange(change)), {
      validator: (change) => this.checkChange(change),
      description: 'Change lines (until the payment is authorized) and/or the shipping address (until the shipment is booked)',
    });
    setHandler(changeLinesUpdate, ({ lines }) => CancellationScope.nonCancellable(() => this.applyChange({ lines })), {
      validator: ({ lines }) => this.checkChange({ lines }),
      description: 'Replace the order lines (quantities of its SKUs) until the payment is authorized',
    });
    setHandler(changeAddressUpdate, ({ shippingAddress }) => CancellationScope.nonCancellable(() => this.applyChange({ shippingAddress })), {
      validator: ({ shippingAddress }) => this.checkChange({ shippingAddress }),
      description: 'Change the shipping address until the shipment is booked (same country once authorized)',
    });

    setHandler(setStatusUpdate, (request) => CancellationScope.nonCancellable(() => this.setStatus(request)), {
      validator: (request) => this.checkStatusChange(request.status, request.trackingNumber),
      description: 'Move the order: SHIPPED (tracking number), DELIVERED or CANCELLED (reason)',
    });

    setHandler(cancelUpdate, (request) => CancellationScope.nonCancellable(() => this.cancel(request?.reason)), {
      validator: (_request) => this.checkCancel(),
      description: 'Cancel the order and undo every completed step (until it ships)',
    });

    setHandler(carrierEventSignal, (event) => this.onCarrierEvent(event));
    setHandler(retrySignal, (request) => this.onRetry(request ?? {}));
  }

  // ---------------------------------------------------------------- run: the story of the order

  async run(): Promise<OrderState> {
    // Only the saga scope may be cancelled; bookkeeping and unwinding must always finish.
    return CancellationScope.nonCancellable(async () => {
      this.upsertSearchAttributes();
      if (this.input.adoption) await this.adoptOrder(this.input.adoption);
      else if (!(await this.recordOrder())) return this.finish('rejected');
      try {
        await this.sagaScope.run(() => this.fulfilUntilShipped());
      } catch (err) {
        const outcome = await this.unwindAfter(err);
        if (outcome !== 'goods-left') return this.finish(outcome);
      }
      await this.fulfilAfterShipment();
      return this.finish('delivered');
    });
  }

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
    // Only a cancelled saga unwinds on a non-business failure. (Before this check looked at the
    // scope, such orders failed their workflow task for ever; the change adds commands only where
    // the old code produced none, so it needs no patch.)
    if (!isCancellation(err) && !this.sagaScope.consideredCancelled) throw asWorkflowTaskFailure(err);
    if (this.cancelRequest === null && this.goodsLeft !== null) {
      log.warn('cancellation requested after the goods left; ignored', { orderId: this.orderId });
      return 'goods-left';
    }
    const request = this.cancelRequest ?? { reason: 'cancellation requested through Temporal', by: 'workflow-cancellation' };
    const impossible = await this.unwind('CANCELLED', request.reason, { by: request.by });
    if (impossible === null) return 'cancelled';
    this.abandonCancellation(impossible);
    return 'goods-left';
  }

  /** Step 1: check against the catalogue and record the order (projection row + order.created). */
  private async recordOrder(): Promise<boolean> {
    this.setWaitingFor('recording the order');
    const { order } = this.input;
    const placedAt = workflowInfo().startTime.toISOString();
    const placed = await this.projection.placeOrder({ order, placedAt }).catch((err: unknown) => {
      // Input no projection can hold (the API validates first): rejected, nothing recorded.
      const business = businessFailureOf(err);
      if (business === null) throw err;
      return { accepted: false as const, failure: business.type, reason: business.message };
    });
    if (!placed.accepted) {
      this.stage = 'done';
      this.moveTo('REJECTED', placed.reason);
      return false;
    }
    this.tier = placed.tier;
    this.state.lines = placed.lines;
    this.state.totals = placed.totals;
    this.stage = 'reserving';
    this.upsertSearchAttributes();
    return true;
  }

  /**
   * Step 1 of an adopted legacy order: the migration recorded it; take it over where it stands
   * (see LegacyAdoption). Compensations are registered here, before anything they undo.
   */
  private async adoptOrder({ legacyOrderNo, from }: LegacyAdoption): Promise<void> {
    this.setWaitingFor(`adopting legacy order #${legacyOrderNo}`);
    const adopted = await this.projection.adoptLegacyOrder({ orderId: this.orderId, legacyOrderNo, from });
    this.tier = adopted.tier;
    this.state.lines = adopted.lines;
    this.state.totals = adopted.totals;
    this.state.shippingAddress = adopted.shippingAddress;
    this.state.trackingNumber = adopted.trackingNumber;
    if (from === 'NEEDS_ATTENTION') {
      // Nothing reserved, invoiced or authorized. The order parks at once (fulfilUntilShipped); an
      // operator may still change its lines (which reserves), so a cancel releases what it holds.
      this.compensations.add('releaseInventory', () => this.undo.releaseInventory({ orderId: this.orderId }));
      this.stage = 'reserving';
      this.upsertSearchAttributes();
      return;
    }
    this.paymentAuthorized = true; // the legacy authorization (recorded by the adoption)
    if (from === 'SHIPPED') {
      this.goodsLeft = { trackingNumber: adopted.trackingNumber ?? '' };
    } else {
      this.compensations.add('voidInvoice', () => this.voidCurrentInvoice());
      this.compensations.add('voidPayment', () =>
        this.undo.voidPayment({ orderId: this.orderId, idempotencyKey: this.key('void-authorization') }),
      );
    }
    this.upsertSearchAttributes();
    // The migration writes no invoice: issue it from the projection (same pricing, same totals).
    this.setWaitingFor('issuing the invoice');
    await this.issueInvoice(1);
    this.stage = 'authorizing';
  }

  private async fulfilUntilShipped(): Promise<void> {
    const adoption = this.input.adoption;
    if (adoption?.from === 'SHIPPED') return;
    if (adoption?.from === 'NEEDS_ATTENTION') return this.awaitLegacyOrderDecision();
    if (adoption === undefined) await this.reserveInvoiceAndAuthorize();
    await this.bookShipmentAndAwaitPickup();
  }

  /** A legacy order without payment: nothing to retry without a payment token, so only a cancel (or the auto-cancel) ends it. */
  private async awaitLegacyOrderDecision(): Promise<void> {
    for (;;) {
      await this.parkUntilRetried('legacy adoption', LEGACY_WITHOUT_PAYMENT_REASON, { recorded: true, onlyCancel: true, parkedFrom: 'PENDING' });
    }
  }

  private async reserveInvoiceAndAuthorize(): Promise<void> {
    this.compensations.add('releaseInventory', () => this.undo.releaseInventory({ orderId: this.orderId }));
    await this.withParking('inventory reservation', () =>
      this.exclusiveStep('reserving', 'reserving inventory', () =>
        this.steps.reserveInventory({ orderId: this.orderId, lines: lineInputs(this.state.lines) }),
      ),
    );

    this.compensations.add('voidInvoice', () => this.voidCurrentInvoice());
    await this.withParking('invoicing', () => this.exclusiveStep('invoicing', 'issuing the invoice', () => this.issueInvoice(1)));

    this.stage = 'authorizing';
    this.compensations.add('voidPayment', () =>
      this.undo.voidPayment({ orderId: this.orderId, idempotencyKey: this.key('void-authorization') }),
    );
    await this.withParking('payment authorization', () => this.authorizePayment());
    this.moveTo('PROCESSING');
  }

  private async bookShipmentAndAwaitPickup(): Promise<void> {
    this.stage = 'booking-shipment';
    this.compensations.add('cancelShipment', async () => {
      try {
        await this.undo.cancelShipment({ orderId: this.orderId });
      } catch (err) {
        // The carrier refuses only once the parcel has left.
        if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === 'CarrierRefused') {
          throw new UndoImpossible(`the parcel left before the cancellation reached the carrier (${err.cause.message})`);
        }
        throw err;
      }
    });
    this.setWaitingFor('booking the shipment with the carrier');
    this.shipment = await this.withParking('shipment booking', () =>
      this.providers.createShipment({ orderId: this.orderId, address: this.state.shippingAddress }),
    );
    this.state.trackingNumber = this.shipment.trackingNumber;

    this.stage = 'awaiting-shipment';
    await this.awaitCarrier(() => this.goodsLeft !== null, `the carrier to pick up the parcel (${this.shipment.carrier})`);
  }

  /** Past the point of no return: nothing is undone any more, failures only park. */
  private async fulfilAfterShipment(): Promise<void> {
    this.compensations.discard();
    if (!this.shippedRecorded) await this.recordShipped();

    this.stage = 'capturing';
    this.setWaitingFor('capturing the payment');
    await this.withParking(
      'payment capture',
      () => this.providers.capturePayment({ orderId: this.orderId, idempotencyKey: this.key('capture'), amount: this.requireTotals().total }),
      { parkOnBusinessFailure: true },
    );

    this.stage = 'awaiting-delivery';
    await this.awaitCarrier(() => this.deliveryReported, 'the carrier to deliver the parcel');
    this.moveTo('DELIVERED');
    await this.record({ type: 'order.delivered', dedupeKey: 'delivered', status: 'DELIVERED', statusReason: null });
  }

  private async recordShipped(): Promise<void> {
    const trackingNumber = this.goodsLeft?.trackingNumber || this.state.trackingNumber;
    this.state.trackingNumber = trackingNumber;
    this.moveTo('SHIPPED');
    await this.record({ type: 'order.shipped', dedupeKey: 'shipped', status: 'SHIPPED', statusReason: null, changes: { trackingNumber } });
    this.shippedRecorded = true;
  }

  // ---------------------------------------------------------------- unwinding and finishing

  /**
   * Undoes every registered step, newest first, then records the final status. Returns null, or
   * the UndoImpossible that stopped it (the parcel left first; nothing older was undone).
   */
  private async unwind(to: 'CANCELLED' | 'REJECTED', reason: string, data: Record<string, unknown>): Promise<UndoImpossible | null> {
    this.unwinding = to;
    this.stage = 'unwinding';
    this.setWaitingFor(`undoing completed steps (${to === 'CANCELLED' ? 'cancelled' : 'rejected'}: ${reason})`);
    // A change of lines in flight finishes first: an undo never overtakes what it undoes.
    let undone: string[];
    try {
      undone = await this.stepLock.run(() => this.compensations.unwind());
    } catch (err) {
      if (err instanceof UndoImpossible) return err;
      throw err;
    }
    this.moveTo(to, reason);
    await this.record({
      type: to === 'CANCELLED' ? 'order.canceled' : 'order.rejected',
      dedupeKey: to === 'CANCELLED' ? 'canceled' : 'rejected',
      status: to,
      statusReason: reason,
      data: { ...data, undone },
    });
    return null;
  }

  /** The parcel left before the carrier took the cancellation: the order goes on as shipped. */
  private abandonCancellation(impossible: UndoImpossible): void {
    log.warn('cancellation abandoned: the goods left first', { orderId: this.orderId, reason: impossible.message });
    this.cancelRefusal = impossible.message;
    this.cancelRequest = null;
    this.unwinding = null;
    this.goodsLeft ??= { trackingNumber: this.lateShipmentReport ?? this.state.trackingNumber ?? '' };
  }

  private async finish(outcome: 'delivered' | 'cancelled' | 'rejected'): Promise<OrderState> {
    this.stage = 'done';
    this.upsertSearchAttributes();
    this.setWaitingFor(`nothing: the order is ${this.state.status}`);
    this.sagaOutcomes.add(1, { outcome });
    log.info('order saga finished', { orderId: this.orderId, outcome, status: this.state.status });
    await condition(allHandlersFinished);
    return this.snapshot();
  }

  // ---------------------------------------------------------------- steps

  /** A step that must not interleave with a change of lines or address. */
  private exclusiveStep<T>(stage: SagaStage, doing: string, fn: () => Promise<T>): Promise<T> {
    this.stage = stage;
    this.setWaitingFor(doing);
    return this.stepLock.run(fn);
  }

  /**
   * Authorizes the live invoice's total. Lines may change while the order is parked before
   * authorization, so every attempt reads the current revision, and the provider's idempotency
   * key names it: a new amount never reuses the key of another.
   */
  private async authorizePayment(): Promise<void> {
    this.setWaitingFor('authorizing the payment');
    this.authorizing = true; // validators refuse changes from here; changes accepted before finish first
    try {
      await this.stepLock.run(async () => undefined);
      await this.providers.authorizePayment({
        orderId: this.orderId,
        token: this.input.order.payment.token,
        amount: this.requireTotals().total,
        idempotencyKey: stepIdempotencyKey(this.workflowId, 'authorize', this.state.invoiceRevision),
      });
      this.paymentAuthorized = true;
    } finally {
      this.authorizing = false;
    }
  }

  private async issueInvoice(revision: number): Promise<void> {
    this.state.invoiceRevision = revision; // before the call: a compensation must void what may exist
    const { totals } = await this.steps.createInvoice({
      orderId: this.orderId,
      revision,
      lines: this.state.lines,
      tier: this.tier,
      country: this.state.shippingAddress.country,
    });
    this.state.totals = totals;
    this.upsertSearchAttributes();
  }

  private async voidCurrentInvoice(): Promise<void> {
    if (this.state.invoiceRevision > 0) await this.undo.voidInvoice({ orderId: this.orderId, revision: this.state.invoiceRevision });
  }

  private async reissueInvoice(): Promise<void> {
    await this.undo.voidInvoice({ orderId: this.orderId, revision: this.state.invoiceRevision });
    await this.issueInvoice(this.state.invoiceRevision + 1);
  }

  /**
   * Runs a step; when it fails for good (a payment or carrier call out of retries, or a
   * non-retryable technical failure of any step) the order is parked until an operator retries
   * (the step runs again, same idempotency key) or cancels. Business failures go to the caller.
   */
  private async withParking<T>(step: string, call: () => Promise<T>, opts: { parkOnBusinessFailure?: boolean } = {}): Promise<T> {
    for (;;) {
      try {
        return await call();
      } catch (err) {
        // Once the saga is cancelled, a step's failure is part of the cancellation (e.g. a step whose
        // worker died times out instead of confirming the cancel): unwind, never park.
        if (isCancellation(err) || this.sagaScope.consideredCancelled) throw err;
        const business = businessFailureOf(err);
        if (business !== null && !opts.parkOnBusinessFailure) throw err;
        if (!(err instanceof ActivityFailure)) throw err;
        await this.parkUntilRetried(step, `${step} failed: ${failureMessage(err)}`);
      }
    }
  }

  /** Waits for `done`; a carrier exception on the way parks the order until an operator retries. */
  private async awaitCarrier(done: () => boolean, waitingFor: string): Promise<void> {
    for (;;) {
      this.setWaitingFor(waitingFor);
      await condition(() => done() || this.carrierException !== null);
      if (done()) return;
      const detail = this.carrierException;
      this.carrierException = null;
      await this.parkUntilRetried('carrier', `carrier exception: ${detail}`);
    }
  }

  /**
   * Parks the order. `recorded`: the projection is NEEDS_ATTENTION already (an adopted legacy N
   * order, parked from PENDING), nothing is appended. `onlyCancel`: retries are refused (see onRetry).
   */
  private async parkUntilRetried(
    step: string,
    reason: string,
    opts: { recorded?: boolean; onlyCancel?: boolean; parkedFrom?: ParkableStatus } = {},
  ): Promise<void> {
    const parkedFrom = opts.parkedFrom ?? (this.state.status as ParkableStatus);
    const parking = ++this.parkings;
    this.retryRequest = null;
    this.retryRefused = opts.onlyCancel ?? false;
    const mayAutoCancel = isCancellable('NEEDS_ATTENTION', parkedFrom);
    this.setWaitingFor(
      `an operator to ${this.retryRefused ? 'cancel' : 'retry or cancel'} (${reason}); escalates after ${formatMs(this.escalateAfterMs)}` +
        (mayAutoCancel ? `, auto-cancels after ${formatMs(this.autoCancelAfterMs)}` : ''),
    );
    this.moveTo('NEEDS_ATTENTION', reason, parkedFrom);
    if (!opts.recorded) {
      await this.record({
        type: 'order.needs_attention',
        dedupeKey: `needs_attention:${parking}`,
        status: 'NEEDS_ATTENTION',
        statusReason: reason,
        data: { step, parkedFrom },
      });
    }
    log.warn('order parked for an operator', { orderId: this.orderId, step, reason, parkedFrom });

    const retried = () => this.retryRequest !== null;
    if (!(await condition(retried, this.escalateAfterMs))) {
      this.escalate(step, reason, parkedFrom, mayAutoCancel);
      if (mayAutoCancel && this.goodsLeft === null) {
        const remaining = this.autoCancelAfterMs - this.escalateAfterMs;
        if (remaining <= 0 || !(await condition(retried, remaining))) {
          const cancelReason = `auto-cancelled: needed attention for ${formatMs(this.autoCancelAfterMs)} (${reason})`;
          this.cancelRequest = { reason: cancelReason, by: 'auto-cancel' };
          throw new CancelledFailure(cancelReason);
        }
      } else {
        await condition(retried);
      }
    }

    const { operator, note } = this.retryRequest ?? { operator: undefined, note: undefined };
    this.retryRequest = null;
    this.setWaitingFor(`${step} again, as the operator asked`);
    this.moveTo(parkedFrom);
    await this.record({
      type: 'order.resumed',
      dedupeKey: `resumed:${parking}`,
      status: parkedFrom,
      statusReason: null,
      data: { step, operator: operator ?? null, note: note ?? null },
    });
  }

  private escalate(step: string, reason: string, parkedFrom: ParkableStatus, mayAutoCancel: boolean): void {
    this.escalations.add(1, { step });
    log.warn('parked order escalated: nobody acted on it', { orderId: this.orderId, step, reason, parkedFrom });
    this.setWaitingFor(
      `ESCALATED: an operator to retry or cancel (${reason}); parked for ${formatMs(this.escalateAfterMs)}` +
        (mayAutoCancel ? `, auto-cancels after ${formatMs(this.autoCancelAfterMs)} in total` : ''),
    );
  }

  // ---------------------------------------------------------------- updates

  private view(): OrderView {
    return {
      state: this.state,
      stage: this.stage,
      // An accepted cancel counts from the moment it is accepted, before the unwinding starts.
      unwinding: this.unwinding ?? (this.cancelRequest !== null ? 'CANCELLED' : null),
      authorizing: this.authorizing,
      paymentAuthorized: this.paymentAuthorized,
      shipmentBooked: this.shipment !== null,
      goodsLeft: this.goodsLeft !== null,
    };
  }

  private checkChange({ lines, shippingAddress }: OrderChange): void {
    const view = this.view();
    if (lines === undefined && shippingAddress === undefined) refuseEmptyChange();
    if (lines !== undefined) refuseInvalidLines(lines);
    if (shippingAddress !== undefined) refuseInvalidAddress(shippingAddress);
    refuseChangesBeforeOrderIsRecorded(view);
    if (lines !== undefined) refuseSkusNotOnOrder(view, lines);
    refuseChangesToFinishedOrder(view);
    if (lines !== undefined) refuseLineChangesOnceAuthorizing(view);
    if (shippingAddress !== undefined) {
      refuseAddressChangeOnceShipmentBooked(view);
      refuseCountryChangeOnceAuthorizing(view, shippingAddress);
    }
  }

  /**
   * Applies a change of lines and/or address as one step: re-reserves, voids the live invoice and
   * issues the next revision when the amount may move (lines, or the country: tax and shipping),
   * and records one `order.updated`. Asking for what the order already has changes nothing.
   */
  private async applyChange(change: OrderChange): Promise<OrderState> {
    return this.stepLock.run(async () => {
      this.checkChange(change); // again: a step that ran while this waited may have moved the order on
      const lines = change.lines === undefined ? null : priceFromOrder(this.state.lines, change.lines);
      const linesChanged = lines !== null && !sameLines(lines, this.state.lines);
      const address = change.shippingAddress ?? null;
      const addressChanged = address !== null && !sameAddress(address, this.state.shippingAddress);
      const countryChanged = addressChanged && address.country !== this.state.shippingAddress.country;
      if (!linesChanged && !addressChanged) return this.snapshot();

      if (linesChanged) {
        try {
          await this.steps.reserveInventory({ orderId: this.orderId, lines: lineInputs(lines) });
        } catch (err) {
          throw asUpdateFailure(err); // e.g. OutOfStock: the order keeps its lines and reservations
        }
        this.state.lines = lines;
      }
      if (addressChanged) this.state.shippingAddress = address;
      const repriced = linesChanged || countryChanged;
      if (repriced) {
        if (this.state.invoiceRevision > 0) await this.reissueInvoice();
        else this.state.totals = this.price().totals;
      }
      await this.recordUpdated({
        ...(linesChanged ? { lines: this.state.lines } : {}),
        ...(addressChanged ? { shippingAddress: this.state.shippingAddress } : {}),
        ...(repriced ? { totals: this.requireTotals() } : {}),
      });
      return this.snapshot();
    });
  }

  private checkStatusChange(to: OrderStatus, trackingNumber: string | undefined): void {
    const view = this.view();
    refuseStatusTheSagaOwns(view, to);
    if (to === 'CANCELLED') return this.checkCancel();
    if (isRepeatOf(view, to)) return;
    refuseChangesBeforeOrderIsRecorded(view);
    refuseChangesToFinishedOrder(view);
    refuseMoveOutsideTransitionTable(view, to);
    if (to === 'SHIPPED') {
      refuseShippingBeforeShipmentBooked(view);
      refuseMalformedTrackingNumber(trackingNumber);
    }
  }

  private async setStatus({ status, trackingNumber, reason }: { status: OrderStatus; trackingNumber?: string; reason?: string }): Promise<OrderState> {
    if (status === 'CANCELLED') return this.cancel(reason);
    if (status === 'SHIPPED') {
      if (this.goodsLeft === null) this.reportGoodsLeft(trackingNumber, 'operator');
      await condition(() => this.shippedRecorded || this.stage === 'done');
    } else if (status === 'DELIVERED') {
      // Recorded once the payment is captured, so DELIVERED is always the last word.
      this.deliveryReported = true;
      await condition(() => this.stage === 'done');
    }
    return this.snapshot();
  }

  private checkCancel(): void {
    const view = this.view();
    if (isRepeatOf(view, 'CANCELLED')) return;
    refuseCancellingRejectedOrder(view);
    refuseCancellingShippedOrder(view);
  }

  private async cancel(reason: string | undefined): Promise<OrderState> {
    if (this.cancelRequest === null && this.unwinding === null) {
      this.cancelRequest = { reason: reason?.trim() || 'cancelled on request', by: 'request' };
      this.sagaScope.cancel();
    }
    await condition(() => this.stage === 'done' || this.cancelRefusal !== null); // answered with the recorded outcome
    if (this.stage !== 'done' && this.cancelRefusal !== null) {
      throw ApplicationFailure.create({
        type: OrderUpdateFailure.IllegalTransition,
        message: `the order could not be cancelled: ${this.cancelRefusal}`,
        nonRetryable: true,
        details: [{ from: this.state.status, to: 'CANCELLED', reason: 'shipped' }],
      });
    }
    return this.snapshot();
  }

  // ---------------------------------------------------------------- signals

  private reportGoodsLeft(trackingNumber: string | undefined, by: string): void {
    this.goodsLeft = { trackingNumber: trackingNumber ?? this.shipment?.trackingNumber ?? '' };
    log.info('goods left', { orderId: this.orderId, by, trackingNumber: this.goodsLeft.trackingNumber });
  }

  private onCarrierEvent(event: CarrierEvent): void {
    const ignore = (why: string) => log.info('carrier event ignored', { orderId: this.orderId, kind: event.kind, why });
    if (this.stage === 'done') return ignore(`the order is ${this.state.status}`);
    // A carrier can report on a parcel before the booking's result reaches the workflow (signals
    // are handled first in an activation): keep that news for when the booking completes.
    const bookingUnderway = this.stage === 'booking-shipment' && patched('keep-carrier-events-during-booking');
    if (this.shipment === null && !bookingUnderway && !this.shippedBeforeAdoption) return ignore('no shipment is booked');
    const unwinding = this.view().unwinding;
    if (unwinding !== null) {
      // Kept in case the carrier refuses the cancellation because the parcel already left.
      if (event.kind === 'shipped' || event.kind === 'delivered') this.lateShipmentReport ??= event.trackingNumber ?? this.shipment?.trackingNumber ?? '';
      if (event.kind === 'delivered') this.deliveryReported = true;
      return ignore(`the order is being ${unwinding === 'CANCELLED' ? 'cancelled' : 'rejected'}`);
    }
    switch (event.kind) {
      case 'shipped':
        if (this.goodsLeft !== null) return ignore('already shipped');
        return this.reportGoodsLeft(event.trackingNumber, 'carrier');
      case 'delivered':
        // Carriers do report out of order: a delivered parcel has certainly left.
        if (this.goodsLeft === null) this.reportGoodsLeft(event.trackingNumber, 'carrier');
        this.deliveryReported = true;
        return;
      case 'exception':
        this.carrierException = event.detail ?? 'reported by the carrier';
        return;
      default:
        return ignore('unknown kind');
    }
  }

  private onRetry(request: { operator?: string; note?: string }): void {
    if (this.state.status !== 'NEEDS_ATTENTION') {
      log.info('retry ignored: the order is not parked', { orderId: this.orderId, status: this.state.status });
      return;
    }
    if (this.retryRefused) {
      log.warn('retry refused: the order can only be cancelled', { orderId: this.orderId, reason: this.state.statusReason });
      return;
    }
    this.retryRequest = request;
  }

  // ---------------------------------------------------------------- bookkeeping

  private record(event: Omit<RecordOrderEventInput, 'orderId'>): Promise<{ seq: number }> {
    // A projection write is never abandoned half-way, whatever gets cancelled around it.
    return CancellationScope.nonCancellable(() => this.projection.recordOrderEvent({ orderId: this.orderId, ...event }));
  }

  private async recordUpdated(changes: RecordOrderEventInput['changes']): Promise<void> {
    const change = ++this.changes;
    await this.record({ type: 'order.updated', dedupeKey: `updated:${change}`, changes, data: { invoiceRevision: this.state.invoiceRevision } });
  }

  private key(step: string): string {
    return stepIdempotencyKey(this.workflowId, step);
  }

  private price() {
    return priceOrder({ lines: this.state.lines, tier: this.tier, country: this.state.shippingAddress.country });
  }

  private requireTotals() {
    if (this.state.totals === null) throw new Error('totals are not known before the order is recorded');
    return this.state.totals;
  }

  /** The one place the in-memory status changes; search attributes and details follow it. */
  private moveTo(status: OrderStatus, reason: string | null = null, parkedFrom: OrderStatus | null = null): void {
    this.state.status = status;
    this.state.statusReason = reason;
    this.state.parkedFrom = parkedFrom;
    this.upsertSearchAttributes();
    this.setWaitingFor(this.state.waitingFor);
  }

  private setWaitingFor(text: string): void {
    this.state.waitingFor = text;
    setCurrentDetails(`**${this.state.status}**${this.state.statusReason ? ` (${this.state.statusReason})` : ''}: waiting for ${text}`);
  }

  /** Upserts the typed search attributes when they changed (each upsert is a history event). */
  private upsertSearchAttributes(): void {
    const values = { status: this.state.status, customerId: this.state.customerId, total: this.state.totals?.total ?? null };
    const key = searchAttributesKey(values);
    if (key === this.searchAttributesUpserted) return;
    this.searchAttributesUpserted = key;
    upsertSearchAttributes([
      { key: OrderSearchAttributes.status, value: values.status },
      { key: OrderSearchAttributes.customerId, value: values.customerId },
      { key: OrderSearchAttributes.total, value: values.total },
    ]);
  }

  private snapshot(): OrderState {
    return JSON.parse(JSON.stringify(this.state)) as OrderState;
  }
}

// ---------------------------------------------------------------- helpers

function searchAttributesKey(values: { status: unknown; customerId: unknown; total: unknown }): string {
  return JSON.stringify([values.status, values.customerId, values.total]);
}

function searchAttributesAtStart(): string {
  const attributes = workflowInfo().typedSearchAttributes;
  return searchAttributesKey({
    status: attributes.get(OrderSearchAttributes.status) ?? null,
    customerId: attributes.get(OrderSearchAttributes.customerId) ?? null,
    total: attributes.get(OrderSearchAttributes.total) ?? null,
  });
}

function lineInputs(lines: OrderLine[]): OrderLineInput[] {
  return lines.map(({ sku, quantity }) => ({ sku, quantity }));
}

/** New quantities at the prices fixed when the order was placed. */
function priceFromOrder(current: OrderLine[], lines: OrderLineInput[]): OrderLine[] {
  const bySku = new Map(current.map((line) => [line.sku, line]));
  return lines.map(({ sku, quantity }) => {
    const fixed = bySku.get(sku);
    if (fixed === undefined) throw new Error(`sku ${sku} is not on the order`); // the validator refuses this first
    return { ...fixed, quantity, amount: lineAmount({ quantity, unitPriceDecimal: fixed.unitPriceDecimal, discountPct: fixed.discountPct }) };
  });
}

function sameAddress(a: ShippingAddress, b: ShippingAddress): boolean {
  const fields = ['name', 'line1', 'line2', 'city', 'postalCode', 'country'] as const;
  return fields.every((field) => (a[field] ?? null) === (b[field] ?? null));
}

function sameLines(a: OrderLine[], b: OrderLine[]): boolean {
  return a.length === b.length && a.every((line, i) => line.sku === b[i].sku && line.quantity === b[i].quantity);
}

function businessFailureOf(err: unknown): { type: BusinessFailureType; message: string } | null {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && isBusinessFailureType(cause.type)) return { type: cause.type, message: cause.message };
  return null;
}

function failureMessage(err: ActivityFailure): string {
  const cause = err.cause;
  return cause instanceof Error ? cause.message : err.message;
}

/** A failure an update handler passes to its caller, without the activity wrapper. */
function asUpdateFailure(err: unknown): unknown {
  const business = businessFailureOf(err);
  if (business !== null) return ApplicationFailure.create({ type: business.type, message: business.message, nonRetryable: true });
  return err;
}

/**
 * Anything else escaping the saga is a bug. A plain Error fails the workflow *task*, which
 * Temporal retries, so the order waits for a fix instead of closing with stock still reserved.
 */
function asWorkflowTaskFailure(err: unknown): Error {
  return new Error(`order saga failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`);
}

function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
