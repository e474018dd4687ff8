// The change path: a change of lines and/or address (updates changeOrder, changeLines,
// changeAddress), checked by the change guards and applied as one step between the saga's steps.
// Orders started with patched('changes-after-payment') take `applyAfterPayment` (lines, new SKUs
// included, and address until the goods leave; money by the difference; If-Match); older ones
// keep `applyBeforePayment`, the rules they were started with.
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { OrderActivities, RecordOrderEventInput } from '../activities/contract';
import { type OrderLine, type OrderLineInput, type ShippingAddress, type Totals, lineAmount, priceOrder } from '../domain';
import { asUpdateFailure } from './order-activities';
import { type OrderChange, type OrderState, OrderUpdateFailure } from './order-definitions';
import { CHANGE_GUARDS, type OrderView, check } from './order-guards';
import type { OrderInvoice } from './order-invoice';
import type { OrderShipment } from './order-shipment';
import type { OrderVisibility } from './order-visibility';
import type { StepLock } from './saga';

/** What a change needs of its order. */
export interface ChangeHost {
  orderId: string;
  visible: OrderVisibility;
  lock: StepLock;
  database(): OrderActivities;
  /** The same work as an ordinary activity, never a local one. */
  ordinaryDatabase: OrderActivities;
  view(): OrderView;
  invoice: OrderInvoice;
  record(event: Omit<RecordOrderEventInput, 'orderId'>): Promise<unknown>;
  /** For changes after payment: */
  providers(): OrderActivities;
  undo: OrderActivities;
  /** The saga's progress (order-steps.ts Progress): whether, and how much, the payment holds. */
  progress: { paymentAuthorized: boolean; authorizedAmount?: number };
  shipment: OrderShipment;
  paymentToken: string;
  key(step: string, revision?: number): string;
  /** patched('ship-after-change'): the goods leaving during the change's money step fail the change. */
  shipAfterChange(): boolean;
  /** patched('change-accepted-first'): a change begins with an ordinary activity (applyAfterPayment). */
  acceptedFirst(): boolean;
}

export class OrderChanges {
  private count = 0;
  private attempts = 0;

  constructor(private readonly host: ChangeHost) {}

  check(change: OrderChange): void {
    check(CHANGE_GUARDS, this.host.view(), change);
  }

  apply(change: OrderChange): Promise<OrderState> {
    return this.host.lock.run(async () => {
      this.check(change); // again: a step that ran while this waited may have moved the order on
      return this.host.view().changesAfterPayment ? this.applyAfterPayment(change) : this.applyBeforePayment(change);
    });
  }

  /**
   * Applies a change of lines and/or address as one step: re-reserves, voids the live invoice and
   * issues the next revision when the amount may move (lines, or the country: tax and shipping),
   * and records one `order.updated`. Asking for what the order already has changes nothing.
   */
  private async applyBeforePayment(change: OrderChange): Promise<OrderState> {
    const { host } = this;
    const state = host.visible.state;
    const lines = change.lines === undefined ? null : priceFromOrder(state.lines, change.lines, []);
    const linesChanged = lines !== null && !sameLines(lines, state.lines);
    const address = change.shippingAddress ?? null;
    const addressChanged = address !== null && !sameAddress(address, state.shippingAddress);
    const countryChanged = addressChanged && address.country !== state.shippingAddress.country;
    if (!linesChanged && !addressChanged) return host.visible.snapshot();

    if (linesChanged) {
      await this.reserve(lines);
      state.lines = lines;
    }
    if (addressChanged) state.shippingAddress = address;
    const repriced = linesChanged || countryChanged;
    if (repriced) await this.reprice();
    await this.recordUpdated({
      ...(linesChanged ? { lines: state.lines } : {}),
      ...(addressChanged ? { shippingAddress: state.shippingAddress } : {}),
      ...(repriced ? { totals: requireTotals(state) } : {}),
    });
    return host.visible.snapshot();
  }

  /**
   * A change until the goods leave, all or nothing. In order: the version (If-Match) and the
   * catalogue prices of new SKUs; money by the difference, only when the new total exceeds what is
   * held (an increment, else a separate authorization; PaymentDeclined); stock by the difference
   * (OutOfStock); a booked shipment re-booked to a new address (the stock change is undone when
   * that fails). Then the next invoice revision and one `order.changed` with the difference. A lower
   * total keeps the authorization: the capture at shipment takes the new total.
   */
  private async applyAfterPayment(change: OrderChange): Promise<OrderState> {
    const { host } = this;
    const state = host.visible.state;
    const known = new Set(state.lines.map((l) => l.sku));
    const newSkus = (change.lines ?? []).map((l) => l.sku).filter((sku) => !known.has(sku));
    // Quantities only may still move money: then the stock is looked at before money is asked.
    const mayRaise = change.lines !== undefined && host.progress.paymentAuthorized;
    // The update is accepted by the workflow task that runs this handler. A local activity holds
    // that task open until it is done, so what it commits (stock moved, an event appended) could be
    // lost with the task if the server restarted meanwhile: the update is gone from the history and
    // nothing ever undoes it (the short drill saw one, with its Temporal restart). So a change
    // begins with an ordinary activity: scheduling it completes the task, and the accepted update
    // is in the history before the change does anything; later tasks are retried, never lost.
    const acceptedFirst = host.acceptedFirst();
    let prices: PricedSku[] = [];
    if (acceptedFirst || newSkus.length > 0 || change.expectedVersion !== undefined || mayRaise) {
      const prepared = await (acceptedFirst ? host.ordinaryDatabase : host.database())
        .prepareChange({
          orderId: host.orderId,
          newSkus,
          ...(change.expectedVersion !== undefined ? { expectedVersion: change.expectedVersion } : {}),
          ...(mayRaise ? { lines: change.lines } : {}),
        })
        .catch((err: unknown) => {
          throw asChangeFailure(err);
        });
      prices = prepared.prices;
    }
    const lines = change.lines === undefined ? null : priceFromOrder(state.lines, change.lines, prices);
    const linesChanged = lines !== null && !sameLines(lines, state.lines);
    const address = change.shippingAddress ?? null;
    const addressChanged = address !== null && !sameAddress(address, state.shippingAddress);
    if (!linesChanged && !addressChanged) return host.visible.snapshot();

    const before = { lines: state.lines, totals: requireTotals(state), shippingAddress: state.shippingAddress };
    const after = priceOrder({ lines: lines ?? state.lines, tier: host.invoice.tier, country: (address ?? state.shippingAddress).country }).totals;
    // Provider keys count the changes that reached this point, failed ones included: a key is never reused for another amount.
    const attempt = ++this.attempts;

    // Money first: a declined card (the likelier refusal) leaves no trace at all. What a later
    // failure leaves held is harmless: the capture takes the total, the rest is released.
    const payment = await this.holdDifference(after.total, attempt).catch((err: unknown) => {
      throw asChangeFailure(err);
    });
    // The carrier may have picked the parcel up while the money was asked for: then it left with
    // the lines as they were, and the change is too late (what it held is released at capture).
    // The reservations are set to those lines again: a reservation of the new ones whose local
    // activity committed but whose workflow task timed out (the full drill saw one) is not in the
    // history, and would otherwise ship.
    if (host.shipAfterChange() && host.view().goodsLeft) {
      if (linesChanged) await this.reserve(before.lines);
      throw ApplicationFailure.create({ type: OrderUpdateFailure.ChangeNotAllowed, message: 'the goods have left; the order can no longer change', nonRetryable: true });
    }
    if (linesChanged) await this.reserve(lines);
    try {
      if (addressChanged && host.shipment.booking !== null) await this.rebook(address);
    } catch (err) {
      if (linesChanged) await this.reserve(before.lines);
      throw asChangeFailure(err);
    }

    if (linesChanged) state.lines = lines;
    if (addressChanged) state.shippingAddress = address;
    if (linesChanged || !sameTotals(after, before.totals)) await this.reprice();
    const totals = requireTotals(state);
    const change_ = ++this.count;
    await host.record({
      type: 'order.changed',
      dedupeKey: `changed:${change_}`,
      changes: {
        ...(linesChanged ? { lines: state.lines } : {}),
        ...(addressChanged ? { shippingAddress: state.shippingAddress } : {}),
        totals,
        ...(addressChanged && host.shipment.booking !== null ? { trackingNumber: state.trackingNumber } : {}),
      },
      data: {
        invoiceRevision: state.invoiceRevision,
        before: { totals: before.totals, ...(linesChanged ? { lines: lineInputs(before.lines) } : {}), ...(addressChanged ? { shippingAddress: before.shippingAddress } : {}) },
        difference: { total: totals.total - before.totals.total },
        payment,
      },
    });
    return host.visible.snapshot();
  }

  /** Holds more only when the new total exceeds what the authorizations hold; returns what it did. */
  private async holdDifference(total: number, attempt: number): Promise<{ method: 'increment' | 'separate'; amount: number } | null> {
    const { host } = this;
    const held = host.progress.authorizedAmount ?? 0;
    if (!host.progress.paymentAuthorized || total <= held) return null;
    const amount = total - held;
    const { method } = await host.providers().authorizeDifference({
      orderId: host.orderId,
      token: host.paymentToken,
      amount,
      incrementKey: host.key('increment', attempt),
      separateKey: host.key('authorize-difference', attempt),
    });
    host.progress.authorizedAmount = total;
    return { method, amount };
  }

  /**
   * The parcel goes to the new address: the booking is cancelled and booked again (a new tracking
   * number). If the new booking fails for good, the parcel is booked again to the old address
   * (retrying until the carrier takes it) and the change fails: the order is never left unbooked.
   */
  private async rebook(address: ShippingAddress): Promise<void> {
    const { host } = this;
    const { orderId } = host;
    await host.undo.cancelShipment({ orderId });
    try {
      host.shipment.booking = await host.providers().createShipment({ orderId, address });
    } catch (err) {
      host.shipment.booking = await host.undo.createShipment({ orderId, address: host.visible.state.shippingAddress });
      host.visible.state.trackingNumber = host.shipment.booking.trackingNumber;
      throw err;
    }
    host.visible.state.trackingNumber = host.shipment.booking.trackingNumber;
  }

  private async reserve(lines: OrderLine[]): Promise<void> {
    try {
      await this.host.database().reserveInventory({ orderId: this.host.orderId, lines: lineInputs(lines) });
    } catch (err) {
      throw asUpdateFailure(err); // e.g. OutOfStock: the order keeps its lines and reservations
    }
  }

  private async reprice(): Promise<void> {
    const { host } = this;
    if (host.visible.state.invoiceRevision > 0) await host.invoice.reissue();
    else host.visible.state.totals = host.invoice.price().totals;
  }

  private async recordUpdated(changes: RecordOrderEventInput['changes']): Promise<void> {
    const change = ++this.count;
    const { invoiceRevision } = this.host.visible.state;
    await this.host.record({ type: 'order.updated', dedupeKey: `updated:${change}`, changes, data: { invoiceRevision } });
  }
}

type PricedSku = { sku: string; unitPrice: number; unitPriceDecimal: string };

/** A failure of a change's activity as its update's failure: business types, a stale version, a parcel gone. */
function asChangeFailure(err: unknown): unknown {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.type === OrderUpdateFailure.StaleVersion) {
    return ApplicationFailure.create({ type: OrderUpdateFailure.StaleVersion, message: cause.message, nonRetryable: true });
  }
  if (cause instanceof ApplicationFailure && cause.type === 'CarrierRefused') {
    return ApplicationFailure.create({ type: OrderUpdateFailure.ChangeNotAllowed, message: `the parcel can no longer be re-booked: ${cause.message}`, nonRetryable: true });
  }
  return asUpdateFailure(err);
}

export function requireTotals(state: OrderState): Totals {
  if (state.totals === null) throw new Error('totals are not known before the order is recorded');
  return state.totals;
}

export function lineInputs(lines: OrderLine[]): OrderLineInput[] {
  return lines.map(({ sku, quantity }) => ({ sku, quantity }));
}

/** New quantities at the prices fixed when the order was placed; SKUs new to the order at `prices` (the catalogue's now). */
function priceFromOrder(current: OrderLine[], lines: OrderLineInput[], prices: PricedSku[]): OrderLine[] {
  const bySku = new Map<string, Omit<OrderLine, 'quantity' | 'amount'>>(current.map((line) => [line.sku, line]));
  for (const p of prices) if (!bySku.has(p.sku)) bySku.set(p.sku, { ...p, discountPct: '0.00' });
  return lines.map(({ sku, quantity }) => {
    const fixed = bySku.get(sku);
    if (fixed === undefined) throw new Error(`sku ${sku} is not on the order`); // the guards refuse this first
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

function sameTotals(a: Totals, b: Totals): boolean {
  return a.subtotal === b.subtotal && a.discount === b.discount && a.shipping === b.shipping && a.tax === b.tax && a.total === b.total;
}
