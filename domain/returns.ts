// Returns: what may be returned and what a return refunds, exact to the cent (DESIGN.md, "After the
// order is paid"). Pure: the return workflow, its activities and the API's pre-check share it.
import { type Cents, centsFromBigInt, roundHalfAwayFromZero } from './money';
import { TAX_RATE_PCT, type Totals } from './pricing';

export const RETURN_STATUSES = ['REQUESTED', 'RECEIVED', 'REFUNDED', 'EXPIRED', 'CANCELLED'] as const;
export type ReturnStatus = (typeof RETURN_STATUSES)[number];
/** Statuses whose lines still claim units of the order (an expired or cancelled return gives them back). */
export const CLAIMING_RETURN_STATUSES: readonly ReturnStatus[] = ['REQUESTED', 'RECEIVED', 'REFUNDED'];

export const RETURN_DISPOSITIONS = ['restock', 'damaged'] as const;
export type ReturnDisposition = (typeof RETURN_DISPOSITIONS)[number];

export const DEFAULT_RETURN_WINDOW_DAYS = 30;
export const DEFAULT_RETURN_RECEIPT_DAYS = 14;
const DAY_MS = 24 * 60 * 60 * 1000;

/** An order line as the refund formula sees it (lines of one SKU are taken together). */
export interface RefundableLine {
  sku: string;
  quantity: number;
  amount: Cents;
}

export interface ReturnQuantity {
  sku: string;
  quantity: number;
}

export interface RequestedReturnLine extends ReturnQuantity {
  reason?: string | null;
}

/** What arrived of one returned SKU and what becomes of it. */
export interface ReceivedReturnLine {
  sku: string;
  receivedQuantity: number;
  disposition: ReturnDisposition;
}

/** A return line as the projection holds it: what arrived is null until the receive. */
export interface RecordedReturnLine {
  sku: string;
  receivedQuantity: number | null;
  disposition: string | null;
}

/**
 * Whether `received` is exactly the receipt already recorded on `lines`: a receive sent again
 * (its answer lost), to be answered with the return as it is, not refused as a second receive.
 */
export function isRecordedReceipt(lines: readonly RecordedReturnLine[], received: readonly ReceivedReturnLine[]): boolean {
  const key = (l: RecordedReturnLine) => JSON.stringify([l.sku, l.receivedQuantity, l.disposition]);
  const recorded = lines.filter((l) => l.receivedQuantity !== null).map(key).sort();
  const asked = received.map(key).sort();
  return recorded.length === asked.length && recorded.every((k, i) => k === asked[i]);
}

/** The refund object of a return; `total` is what goes back to the card. */
export type RefundBreakdown = Totals;

export interface RefundInput {
  orderLines: readonly RefundableLine[];
  orderTotals: Totals;
  /** Shipping country (ISO alpha-2): the tax rate. */
  country: string | null;
  /** This return's received units (damaged included: they are refunded too). */
  returned: readonly ReturnQuantity[];
  /** Units received by earlier returns of the order (they were refunded before). */
  earlierReturned: readonly ReturnQuantity[];
  captured: Cents;
  refunded: Cents;
}

function perSku(lines: readonly ReturnQuantity[]): Map<string, number> {
  const sums = new Map<string, number>();
  for (const l of lines) sums.set(l.sku, (sums.get(l.sku) ?? 0) + l.quantity);
  return sums;
}

function orderedPerSku(lines: readonly RefundableLine[]): Map<string, { quantity: number; amount: bigint }> {
  const sums = new Map<string, { quantity: number; amount: bigint }>();
  for (const l of lines) {
    const s = sums.get(l.sku) ?? { quantity: 0, amount: 0n };
    sums.set(l.sku, { quantity: s.quantity + l.quantity, amount: s.amount + BigInt(l.amount) });
  }
  return sums;
}

function taxPct(country: string | null): bigint {
  return BigInt(country !== null && Object.hasOwn(TAX_RATE_PCT, country) ? TAX_RATE_PCT[country] : 0);
}

/**
 * The refund of returned units:
 *   share = round_half_up(line amount × returned qty / line qty, 2) per line; subtotal = Σ shares;
 *   discount = round_half_up(order discount × subtotal / order subtotal, 2);
 *   tax = round_half_up(tax rate × (subtotal − discount), 2); total = subtotal − discount + tax.
 * The return that brings the order's last unit back refunds everything still captured
 * (captured − refunded), shipping and its tax included; its breakdown shows the order's shipping
 * and puts the remaining cents in `tax`, so the parts still add up to the total. No refund ever
 * exceeds captured − refunded.
 */
export function refundForReturn(input: RefundInput): RefundBreakdown {
  const ordered = orderedPerSku(input.orderLines);
  let subtotal = 0n;
  for (const [sku, quantity] of perSku(input.returned)) {
    const line = ordered.get(sku);
    if (!line || quantity > line.quantity) throw new RangeError(`cannot return ${quantity} of ${sku}: the order has ${line?.quantity ?? 0}`);
    if (quantity > 0) subtotal += roundHalfAwayFromZero(line.amount * BigInt(quantity), BigInt(line.quantity));
  }
  const orderSubtotal = BigInt(input.orderTotals.subtotal);
  const discount = orderSubtotal === 0n ? 0n : roundHalfAwayFromZero(BigInt(input.orderTotals.discount) * subtotal, orderSubtotal);
  const tax = roundHalfAwayFromZero(taxPct(input.country) * (subtotal - discount), 100n);
  const refundable = BigInt(input.captured - input.refunded);

  const back = perSku([...input.earlierReturned, ...input.returned]);
  const lastUnitBack = [...ordered].every(([sku, line]) => (back.get(sku) ?? 0) >= line.quantity);
  if (lastUnitBack) {
    const shipping = BigInt(input.orderTotals.shipping);
    return breakdown(subtotal, discount, shipping, refundable - (subtotal - discount + shipping), refundable);
  }
  const total = subtotal - discount + tax;
  return breakdown(subtotal, discount, 0n, tax, total < refundable ? total : refundable);
}

function breakdown(subtotal: bigint, discount: bigint, shipping: bigint, tax: bigint, total: bigint): RefundBreakdown {
  return {
    subtotal: centsFromBigInt(subtotal, 'refund subtotal'),
    discount: centsFromBigInt(discount, 'refund discount'),
    shipping: centsFromBigInt(shipping, 'refund shipping'),
    tax: centsFromBigInt(tax, 'refund tax'),
    total: centsFromBigInt(total < 0n ? 0n : total, 'refund total'),
  };
}

/** A reason a return request is refused, with the JSON pointer (under /data/attributes) of the field. */
export interface ReturnProblem {
  pointer: string;
  code: 'order_not_delivered' | 'return_window_closed' | 'sku_not_on_order' | 'quantity_too_large' | 'invalid_quantity' | 'duplicate_sku';
  detail: string;
}

export interface ReturnableOrder {
  status: string;
  deliveredAt: Date | null;
  lines: readonly RefundableLine[];
  /** Units claimed by the order's other returns that still claim (REQUESTED, RECEIVED, REFUNDED). */
  claimed: readonly ReturnQuantity[];
}

/**
 * Checks a return request against the order: delivered, within `windowDays` of delivery, every SKU
 * on the order once, each quantity at least 1 and at most delivered − already claimed. Empty: allowed.
 */
export function returnRequestProblems(order: ReturnableOrder, lines: readonly RequestedReturnLine[], now: Date, windowDays: number): ReturnProblem[] {
  if (order.status !== 'DELIVERED' || order.deliveredAt === null) {
    return [{ pointer: '/orderId', code: 'order_not_delivered', detail: `Only a delivered order can be returned; this one is ${order.status}.` }];
  }
  const closes = order.deliveredAt.getTime() + windowDays * DAY_MS;
  if (now.getTime() > closes) {
    return [{ pointer: '/orderId', code: 'return_window_closed', detail: `The return window closed on ${new Date(closes).toISOString()} (${windowDays} days after delivery).` }];
  }
  const ordered = orderedPerSku(order.lines);
  const claimed = perSku(order.claimed);
  const seen = new Set<string>();
  const problems: ReturnProblem[] = [];
  lines.forEach((line, i) => {
    const at = `/lines/${i}`;
    const onOrder = ordered.get(line.sku);
    if (!Number.isSafeInteger(line.quantity) || line.quantity < 1) {
      problems.push({ pointer: `${at}/quantity`, code: 'invalid_quantity', detail: 'quantity must be at least 1.' });
    } else if (!onOrder) {
      problems.push({ pointer: `${at}/sku`, code: 'sku_not_on_order', detail: `${line.sku} is not on this order.` });
    } else if (seen.has(line.sku)) {
      problems.push({ pointer: `${at}/sku`, code: 'duplicate_sku', detail: `${line.sku} appears twice; give one line per SKU.` });
    } else {
      const left = onOrder.quantity - (claimed.get(line.sku) ?? 0);
      if (line.quantity > left) {
        problems.push({
          pointer: `${at}/quantity`,
          code: 'quantity_too_large',
          detail: `${line.quantity} of ${line.sku} asked back; ${onOrder.quantity} delivered, ${left} not yet claimed by other returns.`,
        });
      }
    }
    seen.add(line.sku);
  });
  return problems;
}
