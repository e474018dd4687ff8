// The invoice calculation. It must agree to the cent with the legacy stored procedure
// legacy.sp_order_total, which the migration reconciles against, so every step mirrors
// PostgreSQL numeric arithmetic: exact products, one round_half_up per stated rounding.
import {
  type Cents,
  UNIT_PRICE_PRECISION,
  UNIT_PRICE_SCALE,
  assertCents,
  centsFromBigInt,
  parseNumeric,
  roundHalfAwayFromZero,
} from './money';

// Pricing speaks in cents; re-exported so callers of pricing need not reach into money.
export type { Cents } from './money';

export type Tier = 'G' | 'S' | 'B';

export interface PricingLine {
  quantity: number;
  /** numeric(12,4) as a decimal string, e.g. '19.9950'. */
  unitPriceDecimal: string;
  /** numeric(5,2) percent off this line, e.g. '12.50'; absent means 0. */
  discountPct?: string;
}

export interface Totals {
  subtotal: Cents;
  discount: Cents;
  shipping: Cents;
  tax: Cents;
  total: Cents;
}

/** Whole percent off the subtotal by customer tier; no tier is 0%. */
export const TIER_DISCOUNT_PCT: Readonly<Record<Tier, number>> = Object.freeze({ G: 10, S: 5, B: 0 });

/** Whole percent tax by shipping country; any country not listed is 0%. */
export const TAX_RATE_PCT: Readonly<Record<string, number>> = Object.freeze({ US: 0, CA: 5, GB: 20, DE: 19, FR: 20 });

/** Shipping is free when subtotal minus tier discount reaches this (100.00), inclusive. */
export const FREE_SHIPPING_THRESHOLD: Cents = 10000;
export const SHIPPING_US: Cents = 750;
/** Any country other than 'US', a missing one included. */
export const SHIPPING_INTERNATIONAL: Cents = 1200;

// disc_pct is numeric(5,2), so at most 999.99 either way; the procedure does not clamp it.
const DISCOUNT_PCT_PRECISION = 5;
const DISCOUNT_PCT_SCALE = 2;

/** Percent of an exact cents amount, rounded once: round_half_up(amount * pct / 100, 2). */
function percentOf(cents: bigint, wholePercent: number): bigint {
  return roundHalfAwayFromZero(cents * BigInt(wholePercent), 100n);
}

function lineAmountExact(line: PricingLine): bigint {
  assertCents(line.quantity, 'quantity');
  const price = parseNumeric(line.unitPriceDecimal, UNIT_PRICE_PRECISION, UNIT_PRICE_SCALE); // dollars * 10^4
  const pct = parseNumeric(line.discountPct ?? '0', DISCOUNT_PCT_PRECISION, DISCOUNT_PCT_SCALE); // percent * 10^2
  // quantity * (price / 10^4) * (1 - (pct / 10^2) / 100) dollars, as one exact fraction of cents:
  // quantity * price * (10^4 - pct) / 10^6. Rounding the factors separately would drift.
  return roundHalfAwayFromZero(BigInt(line.quantity) * price * (10000n - pct), 1000000n);
}

/** round_half_up(quantity * unit_price * (1 - disc_pct / 100), 2) in cents. */
export function lineAmount(line: PricingLine): Cents {
  return centsFromBigInt(lineAmountExact(line), 'line amount');
}

function tierDiscountPct(tier: Tier | null): number {
  if (tier === null) return 0;
  if (!Object.hasOwn(TIER_DISCOUNT_PCT, tier)) {
    // Types say this cannot happen; data from outside can. A wrong price is worse than an error.
    throw new RangeError(`unknown customer tier ${JSON.stringify(tier)} (expected G, S, B or null)`);
  }
  return TIER_DISCOUNT_PCT[tier];
}

function taxRatePct(country: string | null): number {
  return country !== null && Object.hasOwn(TAX_RATE_PCT, country) ? TAX_RATE_PCT[country] : 0;
}

/**
 * Prices an order as the legacy procedure does. `country` is the shipping country as an
 * ISO alpha-2 code, compared exactly (callers normalise it; the procedure compares char(2)).
 */
export function priceOrder(input: { lines: PricingLine[]; tier: Tier | null; country: string | null }): {
  lineAmounts: Cents[];
  totals: Totals;
} {
  const country = input.country ?? null;
  const exactLineAmounts = input.lines.map(lineAmountExact);
  const subtotal = exactLineAmounts.reduce((sum, amount) => sum + amount, 0n);
  const discount = percentOf(subtotal, tierDiscountPct(input.tier ?? null));
  const afterDiscount = subtotal - discount;
  const shipping = BigInt(
    afterDiscount >= BigInt(FREE_SHIPPING_THRESHOLD) ? 0 : country === 'US' ? SHIPPING_US : SHIPPING_INTERNATIONAL,
  );
  const tax = percentOf(afterDiscount + shipping, taxRatePct(country));
  return {
    lineAmounts: exactLineAmounts.map((amount) => centsFromBigInt(amount, 'line amount')),
    totals: {
      subtotal: centsFromBigInt(subtotal, 'subtotal'),
      discount: centsFromBigInt(discount, 'discount'),
      shipping: centsFromBigInt(shipping, 'shipping'),
      tax: centsFromBigInt(tax, 'tax'),
      total: centsFromBigInt(afterDiscount + shipping + tax, 'total'),
    },
  };
}
