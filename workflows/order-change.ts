// The change path: a change of lines and/or address (updates changeOrder, changeLines,
// changeAddress), checked by the change guards and applied as one step between the saga's steps.
import type { OrderActivities, RecordOrderEventInput } from '../activities/contract';
import { type OrderLine, type OrderLineInput, type ShippingAddress, type Totals, lineAmount } from '../domain';
import { asUpdateFailure } from './order-activities';
import type { OrderChange, OrderState } from './order-definitions';
import { CHANGE_GUARDS, type OrderView, check } from './order-guards';
import type { OrderInvoice } from './order-invoice';
import type { OrderVisibility } from './order-visibility';
import type { StepLock } from './saga';

/** What a change needs of its order. */
export interface ChangeHost {
  orderId: string;
  visible: OrderVisibility;
  lock: StepLock;
  database(): OrderActivities;
  view(): OrderView;
  invoice: OrderInvoice;
  record(event: Omit<RecordOrderEventInput, 'orderId'>): Promise<unknown>;
}

export class OrderChanges {
  private count = 0;

  constructor(private readonly host: ChangeHost) {}

  check(change: OrderChange): void {
    check(CHANGE_GUARDS, this.host.view(), change);
  }

  /**
   * Applies a change of lines and/or address as one step: re-reserves, voids the live invoice and
   * issues the next revision when the amount may move (lines, or the country: tax and shipping),
   * and records one `order.updated`. Asking for what the order already has changes nothing.
   */
  async apply(change: OrderChange): Promise<OrderState> {
    const { host } = this;
    const state = host.visible.state;
    return host.lock.run(async () => {
      this.check(change); // again: a step that ran while this waited may have moved the order on
      const lines = change.lines === undefined ? null : priceFromOrder(state.lines, change.lines);
      const linesChanged = lines !== null && !sameLines(lines, state.lines);
      const address = change.shippingAddress ?? null;
      const addressChanged = address !== null && !sameAddress(address, state.shippingAddress);
      const countryChanged = addressChanged && address.country !== state.shippingAddress.country;
      if (!linesChanged && !addressChanged) return host.visible.snapshot();

      if (linesChanged) {
        try {
          await host.database().reserveInventory({ orderId: host.orderId, lines: lineInputs(lines) });
        } catch (err) {
          throw asUpdateFailure(err); // e.g. OutOfStock: the order keeps its lines and reservations
        }
        state.lines = lines;
      }
      if (addressChanged) state.shippingAddress = address;
      const repriced = linesChanged || countryChanged;
      if (repriced) {
        if (state.invoiceRevision > 0) await host.invoice.reissue();
        else state.totals = host.invoice.price().totals;
      }
      await this.recordUpdated({
        ...(linesChanged ? { lines: state.lines } : {}),
        ...(addressChanged ? { shippingAddress: state.shippingAddress } : {}),
        ...(repriced ? { totals: requireTotals(state) } : {}),
      });
      return host.visible.snapshot();
    });
  }

  private async recordUpdated(changes: RecordOrderEventInput['changes']): Promise<void> {
    const change = ++this.count;
    const { invoiceRevision } = this.host.visible.state;
    await this.host.record({ type: 'order.updated', dedupeKey: `updated:${change}`, changes, data: { invoiceRevision } });
  }
}

export function requireTotals(state: OrderState): Totals {
  if (state.totals === null) throw new Error('totals are not known before the order is recorded');
  return state.totals;
}

export function lineInputs(lines: OrderLine[]): OrderLineInput[] {
  return lines.map(({ sku, quantity }) => ({ sku, quantity }));
}

/** New quantities at the prices fixed when the order was placed. */
function priceFromOrder(current: OrderLine[], lines: OrderLineInput[]): OrderLine[] {
  const bySku = new Map(current.map((line) => [line.sku, line]));
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
