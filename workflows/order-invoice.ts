// The order's price and invoice: the pricing inputs fixed when the order was recorded (its lines'
// prices, the customer's tier) and the live invoice revision, voided and issued again when a
// change moves the amount.
import { type Tier, type Totals, priceOrder } from '../domain';
import type { OrderActivityProxies } from './order-activities';
import type { OrderState } from './order-definitions';
import type { OrderVisibility } from './order-visibility';

export class OrderInvoice {
  /** The customer's tier, as recorded with the order. */
  tier: Tier | null = null;

  constructor(
    private readonly orderId: string,
    private readonly visible: OrderVisibility,
    private readonly activities: OrderActivityProxies,
  ) {}

  private get state(): OrderState {
    return this.visible.state;
  }

  price(): { totals: Totals } {
    return priceOrder({ lines: this.state.lines, tier: this.tier, country: this.state.shippingAddress.country });
  }

  async issue(revision: number): Promise<void> {
    this.state.invoiceRevision = revision; // before the call: an undo must void what may exist
    const { lines, shippingAddress } = this.state;
    const { totals } = await this.activities.database.createInvoice({ orderId: this.orderId, revision, lines, tier: this.tier, country: shippingAddress.country });
    this.state.totals = totals;
    this.visible.upsertSearchAttributes();
  }

  async voidCurrent(): Promise<void> {
    if (this.state.invoiceRevision > 0) await this.activities.undo.voidInvoice({ orderId: this.orderId, revision: this.state.invoiceRevision });
  }

  /** Voids the live revision and issues the next one, priced from the order as it is now. */
  async reissue(): Promise<void> {
    await this.activities.undo.voidInvoice({ orderId: this.orderId, revision: this.state.invoiceRevision });
    await this.issue(this.state.invoiceRevision + 1);
  }
}
