// priceOrder checked against an independent reference over thousands of seeded pseudo-random
// orders. The reference works differently on purpose: dollars as decimal strings parsed into
// BigInts at a fixed scale of 10 (no scale bookkeeping per factor), and rounding by reading the
// third decimal digit of the exact value instead of integer division with a remainder.
import { type PricingLine, type Tier, lineAmount, priceOrder } from './pricing';

const SCALE = 10;
const ONE = 10n ** BigInt(SCALE);

/** '12.34' -> 12.34 * 10^10. */
function toFixed10(decimal: string): bigint {
  const negative = decimal.startsWith('-');
  const [whole, fraction = ''] = (negative ? decimal.slice(1) : decimal).split('.');
  const value = BigInt(whole + fraction.padEnd(SCALE, '0'));
  return negative ? -value : value;
}

/** Product of two scale-10 values; fails loudly if it would not be exact at scale 10. */
function times(a: bigint, b: bigint): bigint {
  const product = a * b;
  if (product % ONE !== 0n) throw new Error('reference lost precision');
  return product / ONE;
}

function percent(value: bigint, pct: bigint): bigint {
  const scaled = value * pct;
  if (scaled % 100n !== 0n) throw new Error('reference lost precision');
  return scaled / 100n;
}

/** Rounds a scale-10 dollar value to cents by its digits: the third decimal decides, ties away from zero. */
function roundToCents(value: bigint): bigint {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(SCALE + 1, '0');
  const whole = digits.slice(0, -SCALE);
  const fraction = digits.slice(-SCALE);
  let cents = BigInt(whole + fraction.slice(0, 2));
  if (fraction[2] >= '5') cents += 1n;
  return negative ? -cents : cents;
}

const centsToFixed10 = (cents: bigint): bigint => cents * (ONE / 100n);

function referencePrice(lines: PricingLine[], tier: Tier | null, country: string | null) {
  const lineAmounts = lines.map((line) => {
    const gross = times(BigInt(line.quantity) * ONE, toFixed10(line.unitPriceDecimal));
    const keep = ONE - percent(toFixed10(line.discountPct ?? '0'), 1n);
    return roundToCents(times(gross, keep));
  });
  const subtotal = lineAmounts.reduce((a, b) => a + b, 0n);
  const tierPct = tier === 'G' ? 10n : tier === 'S' ? 5n : 0n;
  const discount = roundToCents(percent(centsToFixed10(subtotal), tierPct));
  const afterDiscount = subtotal - discount;
  const shipping = afterDiscount >= 10000n ? 0n : country === 'US' ? 750n : 1200n;
  const taxPct = ({ US: 0n, CA: 5n, GB: 20n, DE: 19n, FR: 20n } as Record<string, bigint>)[country ?? ''] ?? 0n;
  const tax = roundToCents(percent(centsToFixed10(afterDiscount + shipping), taxPct));
  return {
    lineAmounts: lineAmounts.map(Number),
    totals: {
      subtotal: Number(subtotal),
      discount: Number(discount),
      shipping: Number(shipping),
      tax: Number(tax),
      total: Number(afterDiscount + shipping + tax),
    },
  };
}

/** mulberry32: a tiny deterministic PRNG, so a failure is reproducible from its seed. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generator(seed: number) {
  const next = mulberry32(seed);
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)];
  const digits = (count: number): string => Array.from({ length: count }, () => String(int(0, 9))).join('');
  const decimal = (maxWhole: number, maxDecimals: number): string => {
    const places = int(0, maxDecimals);
    return places === 0 ? String(int(0, maxWhole)) : `${int(0, maxWhole)}.${digits(places)}`;
  };

  const line = (): PricingLine => {
    const quantity = pick([int(1, 5), int(1, 5), int(1, 100), int(1, 10000), -int(1, 20)]);
    const unitPriceDecimal = pick([decimal(99, 4), decimal(999, 4), decimal(99999, 4), `0.${digits(4)}`]);
    const discountPct = pick([undefined, undefined, decimal(100, 2), decimal(99, 2), '0', '100.00', '12.50']);
    return discountPct === undefined ? { quantity, unitPriceDecimal } : { quantity, unitPriceDecimal, discountPct };
  };

  const tiers: readonly (Tier | null)[] = ['G', 'S', 'B', null];
  const countries: readonly (string | null)[] = ['US', 'CA', 'GB', 'DE', 'FR', 'JP', 'MX', null];

  // A third of the orders sit on the free-shipping threshold: one line whose subtotal lands
  // within a few cents of 100.00 after the tier discount.
  const nearThreshold = (tier: Tier | null): PricingLine => {
    const center = tier === 'G' ? 11111 : tier === 'S' ? 10526 : 10000;
    const cents = center + int(-3, 3);
    return { quantity: 1, unitPriceDecimal: `${Math.trunc(cents / 100)}.${String(cents % 100).padStart(2, '0')}` };
  };

  return () => {
    const tier = pick(tiers);
    const country = pick(countries);
    const lines = next() < 1 / 3 ? [nearThreshold(tier)] : Array.from({ length: int(1, 8) }, line);
    return { lines, tier, country };
  };
}

describe('priceOrder against an independent reference', () => {
  const ORDERS = 5000;
  const nextOrder = generator(20240601);
  const orders = Array.from({ length: ORDERS }, nextOrder);

  it(`agrees to the cent on ${ORDERS} seeded pseudo-random orders`, () => {
    const mismatches = orders
      .map((order) => ({ order, actual: priceOrder(order), expected: referencePrice(order.lines, order.tier, order.country) }))
      .filter(({ actual, expected }) => JSON.stringify(actual) !== JSON.stringify(expected));
    expect(mismatches.slice(0, 3)).toEqual([]);
  });

  it('agrees line by line with lineAmount', () => {
    for (const { lines, tier, country } of orders.slice(0, 500)) {
      expect(lines.map(lineAmount)).toEqual(referencePrice(lines, tier, country).lineAmounts);
    }
  });

  it('exercises the edges it is meant to: exact half cents, the exact threshold, every country and tier', () => {
    const priced = orders.map((order) => ({ order, totals: priceOrder(order).totals }));
    const halfCentLines = orders
      .flatMap((order) => order.lines)
      .filter((line) => {
        const exact = times(times(BigInt(line.quantity) * ONE, toFixed10(line.unitPriceDecimal)), ONE - toFixed10(line.discountPct ?? '0') / 100n);
        return exact.toString().endsWith('5' + '0'.repeat(SCALE - 3));
      });
    expect(halfCentLines.length).toBeGreaterThan(20);
    expect(priced.filter(({ totals }) => totals.subtotal - totals.discount === 10000).length).toBeGreaterThan(20);
    expect(priced.filter(({ totals }) => totals.subtotal - totals.discount === 9999).length).toBeGreaterThan(20);
    expect(new Set(orders.map((order) => order.country)).size).toBe(8);
    expect(new Set(orders.map((order) => order.tier)).size).toBe(4);
  });
});
