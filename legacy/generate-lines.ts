// Legacy order lines: 1 to 6 distinct products, popular products more often, bulk quantities for
// parts priced by the piece, now and then an older price than today's catalogue and a line
// discount. Threshold orders are built to land exactly on the free-shipping boundary.
import type { CatalogueItem } from './generate-products';
import { divideRoundingHalfUp, formatScaled } from './decimal-text';
import type { Prng } from './prng';
import type { LegacyOrderLine } from './rows';

/** A line before it is numbered and placed in an order. */
export type DraftLine = Omit<LegacyOrderLine, 'order_no' | 'line_no'>;

const LINE_COUNTS: readonly (readonly [number, number])[] = [[1, 30], [2, 25], [3, 18], [4, 12], [5, 9], [6, 6]];
const QUANTITIES: readonly (readonly [number, number])[] = [[1, 60], [2, 20], [3, 8], [4, 5], [5, 3], [12, 2], [24, 2]];
/** Parts sold by the piece come in packs, or in whatever count the customer typed. */
const BULK_QUANTITIES: readonly (readonly [number, number])[] = [[10, 30], [20, 20], [25, 15], [50, 15], [100, 10], [250, 6], [500, 4]];
const DISCOUNTS: readonly string[] = ['5.00', '10.00', '12.50', '15.00', '20.00', '25.00', '33.33', '50.00', '7.25', '100.00'];

/** A product not yet on the order (a few tries, then any: legacy orders did repeat products). */
function pickProduct(rng: Prng, catalogue: readonly CatalogueItem[], used: Set<number>, accept: (item: CatalogueItem) => boolean = () => true): number {
  let index = rng.skewedIndex(catalogue.length);
  for (let attempt = 0; attempt < 8 && (used.has(index) || !accept(catalogue[index])); attempt++) {
    index = rng.int(0, catalogue.length - 1);
  }
  used.add(index);
  return index;
}

/** The price on the order: today's, or now and then what it cost when the order was placed. */
function orderedPriceUnits(rng: Prng, item: CatalogueItem): number {
  if (!rng.chance(0.1)) return item.priceUnits;
  const factor = 0.8 + 0.3 * rng.next();
  return item.fourDecimal ? Math.max(1, Math.round(item.priceUnits * factor)) : Math.max(1, Math.round((item.priceUnits * factor) / 100)) * 100;
}

export function ordinaryLines(rng: Prng, catalogue: readonly CatalogueItem[], lineCount?: number): DraftLine[] {
  const used = new Set<number>();
  const count = lineCount ?? rng.weighted(LINE_COUNTS);
  const lines: DraftLine[] = [];
  for (let j = 0; j < count; j++) {
    const item = catalogue[pickProduct(rng, catalogue, used)];
    lines.push({
      prod_code: item.product.prod_code,
      qty: !item.fourDecimal ? rng.weighted(QUANTITIES) : rng.chance(0.3) ? rng.int(11, 99) : rng.weighted(BULK_QUANTITIES),
      unit_price: formatScaled(orderedPriceUnits(rng, item), 4),
      disc_pct: rng.chance(0.15) ? rng.pick(DISCOUNTS) : '0.00',
    });
  }
  return lines;
}

/**
 * The subtotal (cents) whose tier discount leaves exactly `afterDiscount`:
 * subtotal - round_half_up(subtotal * pct / 100) = afterDiscount, or null if no cent does.
 */
export function subtotalLeaving(afterDiscount: number, tierPct: number): number | null {
  const estimate = Math.floor((afterDiscount * 100) / (100 - tierPct));
  for (let subtotal = estimate - 3; subtotal <= estimate + 3; subtotal++) {
    if (subtotal - divideRoundingHalfUp(subtotal * tierPct, 100) === afterDiscount) return subtotal;
  }
  return null;
}

/**
 * Lines whose subtotal is exactly `subtotalCents`: a few ordinary two-decimal lines at quantity 1,
 * then a balancing line, half the time as 3 pieces at a four-decimal price that rounds onto the
 * target (3 x 11.1133 = 33.3399 -> 33.34).
 */
export function linesWithSubtotal(rng: Prng, catalogue: readonly CatalogueItem[], subtotalCents: number): DraftLine[] {
  const used = new Set<number>();
  const lines: DraftLine[] = [];
  let sum = 0;
  const leading = rng.int(0, 2);
  for (let j = 0; j < leading; j++) {
    const item = catalogue[pickProduct(rng, catalogue, used, (it) => !it.fourDecimal)];
    const cents = item.priceUnits / 100;
    if (item.fourDecimal || sum + cents > subtotalCents - 100) continue;
    lines.push({ prod_code: item.product.prod_code, qty: 1, unit_price: item.product.unit_price, disc_pct: '0.00' });
    sum += cents;
  }
  const rest = subtotalCents - sum;
  const balancing = catalogue[pickProduct(rng, catalogue, used)].product.prod_code;
  const pieceUnits = Math.round((rest * 100) / 3);
  if (rng.chance(0.5) && pieceUnits % 100 !== 0 && divideRoundingHalfUp(3 * pieceUnits, 100) === rest) {
    lines.push({ prod_code: balancing, qty: 3, unit_price: formatScaled(pieceUnits, 4), disc_pct: '0.00' });
  } else {
    lines.push({ prod_code: balancing, qty: 1, unit_price: formatScaled(rest * 100, 4), disc_pct: '0.00' });
  }
  return lines;
}
