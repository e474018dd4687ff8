// One legacy order with its lines becomes an order projection priced by the domain (priceOrder,
// the rules of legacy.sp_order_total) with the legacy order_no kept:
//   D -> DELIVERED, X -> CANCELLED: projections only, final;
//   P -> PROCESSING, S -> SHIPPED: flagged for an order workflow to adopt (adopt-legacy-orders.ts);
//   N -> NEEDS_ATTENTION (reason 'legacy order without payment'), for an operator to decide:
//        flagged too, its workflow stays parked until the operator cancels it.
// An order that cannot be migrated is quarantined with every reason that applies (its bad lines
// each under their own key). Pure: the rows come in as read, nothing is looked up here.
import { unitPriceFromDecimal } from '../../domain/money';
import { COUNTRY_CODES, type OrderLine, type ShippingAddress } from '../../domain/order';
import { LEGACY_WITHOUT_PAYMENT_REASON, type OrderStatus } from '../../domain/order-status';
import { type Tier, priceOrder } from '../../domain/pricing';
import type { LegacyOrderLine } from '../../legacy/rows';
import { cleanText } from './batch';
import { legacyOrderId } from './legacy-ids';
import type { QuarantineEntry } from './quarantine';

export const LEGACY_STATUS: Readonly<Record<string, OrderStatus>> = Object.freeze({
  N: 'NEEDS_ATTENTION',
  P: 'PROCESSING',
  S: 'SHIPPED',
  D: 'DELIVERED',
  X: 'CANCELLED',
});
const STATUS_REASON: Partial<Record<OrderStatus, string>> = {
  NEEDS_ATTENTION: LEGACY_WITHOUT_PAYMENT_REASON,
  CANCELLED: 'cancelled in the legacy system',
};
const TIERS: ReadonlySet<string> = new Set<Tier>(['G', 'S', 'B']);

/** A legacy order as read, with what the target knows of its customer. */
export interface LegacyOrderRow {
  order_no: number;
  cust_id: number;
  order_dt: string;
  status_cd: string;
  ship_country: string | null;
  ship_addr1: string | null;
  ship_city: string | null;
  ship_zip: string | null;
  modified_dt: string;
  customer_known: boolean;
  cust_name: string | null;
  tier: string | null;
  target_customer_id: string | null;
  /** The reason the customer is quarantined (merged or excluded), if it is. */
  customer_quarantine: string | null;
  customer_disposition: string | null;
  merged_into: string | null;
}

/** A legacy line as read, with whether its product exists in the legacy catalogue and was migrated. */
export interface LegacyLineRow extends LegacyOrderLine {
  product_known: boolean;
  product_migrated: boolean;
}

/** The projection of one legacy order, as the migration writes it. */
export interface OrderProjection {
  id: string;
  orderNo: number;
  legacyStatus: string;
  status: OrderStatus;
  statusReason: string | null;
  parkedFrom: OrderStatus | null;
  customerId: string;
  customerTier: Tier | null;
  shippingAddress: ShippingAddress;
  lines: OrderLine[];
  totals: { subtotal: number; discount: number; shipping: number; tax: number; total: number };
  orderDt: string;
  modifiedDt: string;
}

export interface TransformedOrder {
  /** Null when any entry stops the order. */
  projection: OrderProjection | null;
  entries: QuarantineEntry[];
}

/** Checks one legacy order with its lines: the projection, or the quarantine entries that stop it. */
export function transformOrder(order: LegacyOrderRow, lines: readonly LegacyLineRow[]): TransformedOrder {
  const key = String(order.order_no);
  const entries: QuarantineEntry[] = [];
  const refuse = (reason: string, detail: string) =>
    entries.push({ table: 'orders', key, reason, detail, disposition: 'excluded', modifiedDt: order.modified_dt });

  let customerId: string | null = null;
  if (!order.customer_known) refuse('unknown_customer', `customer ${order.cust_id} does not exist`);
  else if (order.target_customer_id) customerId = order.target_customer_id;
  else if (order.customer_disposition === 'merged' && order.merged_into) customerId = order.merged_into;
  else if (order.customer_quarantine) refuse('customer_quarantined', `customer ${order.cust_id} is quarantined (${order.customer_quarantine})`);
  else refuse('customer_not_migrated', `customer ${order.cust_id} is not in the target`);

  const tier = cleanText(order.tier);
  if (tier !== null && !TIERS.has(tier)) refuse('customer_quarantined', `customer ${order.cust_id} has tier ${JSON.stringify(order.tier)}`);
  const country = cleanText(order.ship_country);
  if (country === null) refuse('missing_country', 'ship_country is null');
  else if (!COUNTRY_CODES.has(country)) refuse('invalid_country', `ship_country ${JSON.stringify(order.ship_country)} is not an ISO 3166-1 alpha-2 code`);
  const status = LEGACY_STATUS[order.status_cd];
  if (!status) refuse('unknown_status', `status_cd ${JSON.stringify(order.status_cd)} is not N, P, S, D or X`);
  if (lines.length === 0) refuse('order_without_lines', 'order has no lines');

  const badLines = lineEntries(key, lines, entries);
  if (badLines.length > 0) refuse('has_quarantined_lines', `line(s) ${badLines.join(', ')} quarantined`);
  if (entries.length > 0 || customerId === null || country === null || !status) return { projection: null, entries };

  const pricingTier = tier as Tier | null;
  const priced = priceOrder({
    lines: lines.map((l) => ({ quantity: l.qty, unitPriceDecimal: l.unit_price, discountPct: l.disc_pct })),
    tier: pricingTier,
    country,
  });
  return {
    entries,
    projection: {
      id: legacyOrderId(order.order_no),
      orderNo: order.order_no,
      legacyStatus: order.status_cd,
      status,
      statusReason: STATUS_REASON[status] ?? null,
      parkedFrom: status === 'NEEDS_ATTENTION' ? 'PENDING' : null,
      customerId,
      customerTier: pricingTier,
      shippingAddress: {
        name: order.cust_name ?? '',
        line1: order.ship_addr1 ?? '',
        city: order.ship_city ?? '',
        postalCode: order.ship_zip ?? '',
        country,
      },
      lines: lines.map((l, i) => ({
        sku: l.prod_code,
        quantity: l.qty,
        unitPrice: unitPriceFromDecimal(l.unit_price).unitPrice,
        unitPriceDecimal: l.unit_price,
        discountPct: l.disc_pct,
        amount: priced.lineAmounts[i],
      })),
      totals: priced.totals,
      orderDt: order.order_dt,
      modifiedDt: order.modified_dt,
    },
  };
}

/** Adds an entry per reason a line cannot be taken; returns the numbers of the bad lines. */
function lineEntries(orderKey: string, lines: readonly LegacyLineRow[], entries: QuarantineEntry[]): number[] {
  const badLines: number[] = [];
  for (const line of lines) {
    const refuse = (reason: string, detail: string) => {
      entries.push({ table: 'order_lines', key: `${line.order_no}/${line.line_no}`, parentKey: orderKey, reason, detail, disposition: 'excluded' });
      if (badLines[badLines.length - 1] !== line.line_no) badLines.push(line.line_no);
    };
    if (!line.product_known) refuse('unknown_product', `product ${line.prod_code} does not exist`);
    else if (!line.product_migrated) refuse('product_not_migrated', `product ${line.prod_code} is not in the target`);
    if (line.qty <= 0) refuse('non_positive_quantity', `quantity ${line.qty}`);
    if (line.unit_price.startsWith('-')) refuse('invalid_price', `unit_price ${line.unit_price} is negative`);
    const pct = Number(line.disc_pct);
    if (pct < 0 || pct > 100) refuse('invalid_discount', `disc_pct ${line.disc_pct} is outside 0..100`);
  }
  return badLines;
}
