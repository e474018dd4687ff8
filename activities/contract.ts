// The activities the order saga calls, as types only: workflows import this file with
// `import type`, the worker registers `createOrderActivities(deps)` which implements it.
// Every activity is idempotent: calling it twice with the same input changes nothing more.
import type { Cents, Totals, Tier } from '../domain/pricing';
import type { CreateOrderInput, OrderLine, OrderLineInput, ShippingAddress } from '../domain/order';
import type { OrderStatus } from '../domain/order-status';
import type { OrderEventType } from '../domain/events';
import type { BusinessFailureType } from '../domain/failures';

/** Result of the first step: the order checked against the catalogue and recorded. */
export type PlacedOrder =
  | { accepted: true; tier: Tier | null; lines: OrderLine[]; totals: Totals }
  | { accepted: false; failure: BusinessFailureType; reason: string };

/** Result of openOrder: recorded, then reserved and invoiced (`totals`), or refused at reserving. */
export type OpenedOrder =
  | { placed: PlacedOrder & { accepted: false } }
  | { placed: PlacedOrder & { accepted: true }; refused: { step: 'reserveInventory' | 'createInvoice'; failure: BusinessFailureType; reason: string } }
  | { placed: PlacedOrder & { accepted: true }; totals: Totals };

export interface ShipmentRef { shipmentId: string; carrier: string; trackingNumber: string }

/** What an adopted legacy order's workflow starts from: the projection the migration wrote. */
export interface AdoptedOrder {
  tier: Tier | null;
  lines: OrderLine[];
  totals: Totals;
  shippingAddress: ShippingAddress;
  trackingNumber: string | null;
}

export interface OrderActivities {
  /**
   * Step 1 (validate + record, one transaction): customer exists and is active, every SKU
   * exists, prices fixed; inserts the order projection (PENDING, or REJECTED with the reason)
   * and `order.created` (+ `order.rejected`). A second call returns the recorded result.
   */
  placeOrder(input: { order: CreateOrderInput; placedAt: string }): Promise<PlacedOrder>;

  /**
   * Step 1 of an adopted legacy order, instead of placeOrder: loads the migrated projection and
   * appends `order.adopted`. For PROCESSING and SHIPPED it records the legacy authorization as a
   * payment of provider 'legacy' (never sent to a provider; see activities/legacy-adoption.ts).
   * Reserves nothing. Fails with AdoptionMismatch (non-retryable) when the projection is not the
   * legacy order or not in `from`. A second call returns the same without recording anything.
   */
  adoptLegacyOrder(input: { orderId: string; legacyOrderNo: number; from: OrderStatus }): Promise<AdoptedOrder>;

  /**
   * Step 2: makes the order's reservations exactly `lines` (re-reserving after a change of
   * lines), atomically; fails with `OutOfStock` (non-retryable) and reserves nothing then.
   */
  reserveInventory(input: { orderId: string; lines: OrderLineInput[] }): Promise<void>;
  /** Compensation of step 2: releases every reservation the order still holds. */
  releaseInventory(input: { orderId: string }): Promise<void>;

  /** Step 3: issues invoice `revision` (domain pricing); the previous live revision must be void. */
  createInvoice(input: { orderId: string; revision: number; lines: OrderLine[]; tier: Tier | null; country: string }): Promise<{ invoiceId: string; totals: Totals }>;
  /** Compensation of step 3 (and before a new revision). */
  voidInvoice(input: { orderId: string; revision: number }): Promise<void>;

  /**
   * Steps 1 to 3 as one (the first workflow task of an order started with patch
   * 'open-order-at-once'): placeOrder, then reserveInventory of the recorded lines, then
   * createInvoice revision 1, each in its own transaction as above. Stops at the first business
   * failure: `placed` not accepted, or `refused` by the step named (out of stock: nothing
   * reserved, no invoice).
   */
  openOrder(input: { order: CreateOrderInput; placedAt: string }): Promise<OpenedOrder>;

  /** Step 4: authorizes `amount` through the payment adapter; moves the order to PROCESSING. */
  authorizePayment(input: { orderId: string; token: string; amount: Cents; idempotencyKey: string }): Promise<{ authorizationId: string }>;
  /** Compensation of step 4: voids the authorization if one exists. */
  voidPayment(input: { orderId: string; idempotencyKey: string }): Promise<void>;
  /** Step 6: captures the authorization; the invoice becomes PAID. */
  capturePayment(input: { orderId: string; idempotencyKey: string; amount: Cents }): Promise<{ captureId: string }>;

  /**
   * A change of the order, first: fails StaleVersion (non-retryable) when `expectedVersion` (If-Match)
   * is not the order's event_seq, UnknownSku when a SKU the change adds is not in the catalogue;
   * OutOfStock when the catalogue cannot cover `lines` (a look ahead before money is asked);
   * answers the catalogue prices of `newSkus` (fixed from now on, as at placement).
   */
  prepareChange(input: { orderId: string; expectedVersion?: number; newSkus: string[]; lines?: OrderLineInput[] }): Promise<{ prices: { sku: string; unitPrice: Cents; unitPriceDecimal: string }[] }>;
  /**
   * A change that raises the total of an authorized order: increments the authorization by
   * `amount` (`incrementKey`) or, where the card does not offer increments, authorizes `amount`
   * separately (`separateKey`); books the movement and `payment.incremented`. PaymentDeclined
   * (non-retryable) when refused: nothing is held then.
   */
  authorizeDifference(input: {
    orderId: string;
    token: string;
    amount: Cents;
    incrementKey: string;
    separateKey: string;
  }): Promise<{ method: 'increment' | 'separate'; authorizationId: string }>;

  /** Step 5: books the shipment with the carrier adapter. */
  createShipment(input: { orderId: string; address: ShippingAddress }): Promise<ShipmentRef>;
  /** Compensation of step 5. */
  cancelShipment(input: { orderId: string }): Promise<void>;

  /**
   * Appends an order event and applies its projection change in one transaction (gapless
   * per-order sequence), then publishes it to Redis (best effort). Idempotent by `dedupeKey`.
   */
  recordOrderEvent(input: RecordOrderEventInput): Promise<{ seq: number }>;
}

export interface RecordOrderEventInput {
  orderId: string;
  type: OrderEventType;
  /** Unique per order: a retry with the same key appends nothing. */
  dedupeKey: string;
  status?: OrderStatus;
  statusReason?: string | null;
  changes?: {
    lines?: OrderLine[];
    totals?: Totals;
    shippingAddress?: ShippingAddress;
    trackingNumber?: string | null;
  };
  data?: Record<string, unknown>;
}
