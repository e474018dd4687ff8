// Legacy order headers: numbered in date order over two years, statuses by age (old orders are
// delivered or cancelled, the last days hold the new, processing and shipped ones), modified_dt
// after order_dt, and gaps in order_no where orders were deleted, some leaving their lines behind.
import { DAY, EXPORTED_AT, ORDERS_FROM, formatTimestamp } from './legacy-clock';
import type { Locale } from './locales';
import { pickLocale } from './generate-customers';
import type { Prng } from './prng';
import type { LegacyOrder, LegacyStatus } from './rows';

export const FIRST_ORDER_NO = 100001;

export interface PlannedOrders {
  /** Ordered by order_no (and order_dt). */
  orders: LegacyOrder[];
  /** Index into the customers of each order. */
  customerIndex: number[];
  /** Order index -> the order_no deleted just before it, whose lines will be left as orphans. */
  orphanGapBefore: Map<number, number>;
}

function statusForAge(rng: Prng, ageDays: number): LegacyStatus {
  if (ageDays < 2) return rng.weighted([['N', 35], ['P', 45], ['S', 15], ['X', 5]]);
  if (ageDays < 7) return rng.weighted([['N', 5], ['P', 30], ['S', 55], ['D', 5], ['X', 5]]);
  if (ageDays < 14) return rng.weighted([['P', 5], ['S', 40], ['D', 50], ['X', 5]]);
  // Old orders are settled; the few left open are the ones an operator has to look at.
  return rng.weighted([['D', 88], ['X', 10], ['S', 1], ['P', 0.5], ['N', 0.5]]);
}

function modifiedAt(rng: Prng, status: LegacyStatus, orderedAt: number): number {
  const delays: Record<LegacyStatus, () => number> = {
    N: () => 0,
    P: () => rng.int(60, DAY),
    S: () => rng.int(DAY, 3 * DAY),
    D: () => rng.int(3 * DAY, 10 * DAY),
    X: () => rng.int(300, 2 * DAY),
  };
  let modified = orderedAt + delays[status]();
  // Not past the export: a recent order was touched some time between its placing and then.
  if (modified > EXPORTED_AT) modified = orderedAt + rng.int(0, EXPORTED_AT - orderedAt);
  // A nightly job closed deliveries at 02:00:00, stamping many rows with the same modified_dt:
  // the ties the migration's (modified_dt, order_no) watermark must break by key.
  if (status === 'D' && rng.chance(0.05)) {
    const nightly = (Math.floor(modified / DAY) + 1) * DAY + 2 * 3600;
    if (nightly <= EXPORTED_AT) modified = nightly;
  }
  return modified;
}

export function shipAddress(rng: Prng, locale: Locale): Pick<LegacyOrder, 'ship_country' | 'ship_addr1' | 'ship_city' | 'ship_zip'> {
  const city = rng.pick(locale.cities);
  return { ship_country: locale.country, ship_addr1: locale.street(rng), ship_city: city.name, ship_zip: city.zip(rng) };
}

export function planOrders(
  rng: Prng,
  count: number,
  customers: { ids: readonly number[]; locales: readonly Locale[] },
  orphanGapCount: number,
): PlannedOrders {
  const customerCount = customers.ids.length;
  const gapBefore = new Set(rng.sample(count, Math.min(orphanGapCount, count)));
  const span = EXPORTED_AT - ORDERS_FROM;
  const orders: LegacyOrder[] = [];
  const customerIndex: number[] = [];
  const orphanGapBefore = new Map<number, number>();
  let orderNo = FIRST_ORDER_NO;

  for (let i = 0; i < count; i++) {
    if (gapBefore.has(i)) orphanGapBefore.set(i, orderNo++);
    else if (rng.chance(0.002)) orderNo++; // deleted cleanly, lines and all
    const orderedAt = ORDERS_FROM + Math.floor((span * (i + rng.next())) / count);
    const status = statusForAge(rng, (EXPORTED_AT - orderedAt) / DAY);
    // Skewed towards the first customers: long-standing customers order more often.
    const customer = rng.skewedIndex(customerCount);
    const locale = rng.chance(0.92) ? customers.locales[customer] : pickLocale(rng);
    orders.push({
      order_no: orderNo++,
      cust_id: customers.ids[customer],
      order_dt: formatTimestamp(orderedAt),
      status_cd: status,
      ...shipAddress(rng, locale),
      modified_dt: formatTimestamp(modifiedAt(rng, status, orderedAt)),
    });
    customerIndex.push(customer);
  }
  return { orders, customerIndex, orphanGapBefore };
}
