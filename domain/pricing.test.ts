import { centsToDecimal } from './money';
import {
  FREE_SHIPPING_THRESHOLD,
  SHIPPING_INTERNATIONAL,
  SHIPPING_US,
  TAX_RATE_PCT,
  TIER_DISCOUNT_PCT,
  type PricingLine,
  type Tier,
  lineAmount,
  priceOrder,
} from './pricing';

/** One line whose amount is exactly `cents` (quantity 1, price in whole cents, no discount). */
function lineOf(cents: number): PricingLine {
  return { quantity: 1, unitPriceDecimal: centsToDecimal(cents) };
}

function totalsFor(subtotalCents: number, tier: Tier | null, country: string | null) {
  return priceOrder({ lines: [lineOf(subtotalCents)], tier, country }).totals;
}

describe('pricing constants', () => {
  it('match the legacy procedure', () => {
    expect(TIER_DISCOUNT_PCT).toEqual({ G: 10, S: 5, B: 0 });
    expect(TAX_RATE_PCT).toEqual({ US: 0, CA: 5, GB: 20, DE: 19, FR: 20 });
    expect(FREE_SHIPPING_THRESHOLD).toBe(10000);
    expect(SHIPPING_US).toBe(750);
    expect(SHIPPING_INTERNATIONAL).toBe(1200);
  });
});

describe('lineAmount', () => {
  it('multiplies quantity by a whole-cent price', () => {
    expect(lineAmount({ quantity: 2, unitPriceDecimal: '24.99' })).toBe(4998);
  });

  it('keeps four-decimal prices exact until the single rounding: 3 x 0.3333 is 1.00, not 0.99', () => {
    expect(lineAmount({ quantity: 3, unitPriceDecimal: '0.3333' })).toBe(100);
  });

  it('rounds 0.125 half away from zero to 0.13', () => {
    expect(lineAmount({ quantity: 1, unitPriceDecimal: '0.1250' })).toBe(13);
  });

  it('rounds 0.1249 down to 0.12', () => {
    expect(lineAmount({ quantity: 1, unitPriceDecimal: '0.1249' })).toBe(12);
  });

  it('rounds -0.125 half away from zero to -0.13 (negative quantities in legacy rows)', () => {
    expect(lineAmount({ quantity: -1, unitPriceDecimal: '0.1250' })).toBe(-13);
  });

  it('applies the line discount: 3 x 19.995 less 12.50% is 52.486875, so 52.49', () => {
    expect(lineAmount({ quantity: 3, unitPriceDecimal: '19.9950', discountPct: '12.50' })).toBe(5249);
  });

  it('rounds the exact product once, not the price to cents first: 0.005 less 10% is 0.0045, so 0.00', () => {
    expect(lineAmount({ quantity: 1, unitPriceDecimal: '0.0050', discountPct: '10' })).toBe(0);
    expect(lineAmount({ quantity: 1, unitPriceDecimal: '0.0050' })).toBe(1);
  });

  it('rounds a discount that lands exactly on half a cent away from zero: 0.05 less 90% is 0.005, so 0.01', () => {
    expect(lineAmount({ quantity: 1, unitPriceDecimal: '0.05', discountPct: '90.00' })).toBe(1);
  });

  it('treats a missing discount as 0% and a 100% discount as free', () => {
    expect(lineAmount({ quantity: 4, unitPriceDecimal: '2.5000' })).toBe(1000);
    expect(lineAmount({ quantity: 4, unitPriceDecimal: '2.5000', discountPct: '100.00' })).toBe(0);
  });

  it('handles the largest legal quantity and numeric(12,4) price without losing a cent', () => {
    // 10000 x 99999999.9999 = 999999999999.0000 dollars
    expect(lineAmount({ quantity: 10000, unitPriceDecimal: '99999999.9999' })).toBe(99999999999900);
  });

  it.each([
    [{ quantity: 1.5, unitPriceDecimal: '1.00' }, /quantity must be a whole number/],
    [{ quantity: 1, unitPriceDecimal: '1.00001' }, /at most 4 allowed/],
    [{ quantity: 1, unitPriceDecimal: '1e2' }, /not a plain decimal/],
    [{ quantity: 1, unitPriceDecimal: '1.00', discountPct: '12.345' }, /at most 2 allowed/],
    [{ quantity: 1, unitPriceDecimal: '1.00', discountPct: '1000' }, /does not fit numeric\(5,2\)/],
  ])('refuses malformed input %p', (line, message) => {
    expect(() => lineAmount(line)).toThrow(message);
  });
});

describe('priceOrder', () => {
  it('prices a worked example: G customer shipping to CA', () => {
    // 2 x 24.99 = 49.98; 9.995 less 10% = 8.9955 -> 9.00; subtotal 58.98
    // G 10% = 5.898 -> 5.90; 53.08 < 100 so CA ships for 12.00; 5% of 65.08 = 3.254 -> 3.25
    const priced = priceOrder({
      lines: [
        { quantity: 2, unitPriceDecimal: '24.9900' },
        { quantity: 1, unitPriceDecimal: '9.9950', discountPct: '10.00' },
      ],
      tier: 'G',
      country: 'CA',
    });
    expect(priced).toEqual({
      lineAmounts: [4998, 900],
      totals: { subtotal: 5898, discount: 590, shipping: 1200, tax: 325, total: 6833 },
    });
  });

  it('sums rounded line amounts into the subtotal (each line rounds on its own)', () => {
    const lines = [
      { quantity: 1, unitPriceDecimal: '0.0050' },
      { quantity: 1, unitPriceDecimal: '0.0050' },
    ];
    expect(priceOrder({ lines, tier: null, country: 'US' }).totals.subtotal).toBe(2);
  });

  describe('tier discount', () => {
    it.each([
      ['G', 10000, 1000],
      ['S', 10000, 500],
      ['B', 10000, 0],
      [null, 10000, 0],
      ['S', 10010, 501], // 500.5 -> 501
      ['G', 10005, 1001], // 1000.5 -> 1001
      ['G', 10004, 1000], // 1000.4 -> 1000
    ] as const)('gives tier %p on a subtotal of %p cents a discount of %p cents', (tier, subtotal, discount) => {
      expect(totalsFor(subtotal, tier, 'US').discount).toBe(discount);
    });

    it('refuses an unknown tier instead of pricing it as none', () => {
      expect(() => totalsFor(1000, 'X' as Tier, 'US')).toThrow(/unknown customer tier "X"/);
    });
  });

  describe('shipping', () => {
    it('is free when the subtotal after discount is exactly 100.00', () => {
      expect(totalsFor(10000, null, 'US')).toEqual({ subtotal: 10000, discount: 0, shipping: 0, tax: 0, total: 10000 });
    });

    it('is charged at 99.99', () => {
      expect(totalsFor(9999, null, 'US')).toEqual({ subtotal: 9999, discount: 0, shipping: 750, tax: 0, total: 10749 });
    });

    it('looks at the subtotal after the tier discount, not before', () => {
      // G: 111.11 - 11.11 = 100.00 -> free; 111.10 - 11.11 = 99.99 -> charged
      expect(totalsFor(11111, 'G', 'US')).toMatchObject({ discount: 1111, shipping: 0, total: 10000 });
      expect(totalsFor(11110, 'G', 'US')).toMatchObject({ discount: 1111, shipping: 750, total: 10749 });
      // a subtotal above 100.00 that a discount brings below still pays shipping
      expect(totalsFor(10500, 'S', 'US')).toMatchObject({ discount: 525, shipping: 750 });
    });

    it.each([
      ['US', 750],
      ['CA', 1200],
      ['JP', 1200],
      [null, 1200],
      ['', 1200],
    ])('costs %p %p cents below the threshold', (country, shipping) => {
      expect(totalsFor(5000, null, country).shipping).toBe(shipping);
    });

    it('compares the country exactly, as the procedure compares char(2): lower-case "us" is international', () => {
      expect(totalsFor(5000, null, 'us').shipping).toBe(1200);
    });
  });

  describe('tax', () => {
    // 50.00 subtotal, no tier: taxable is 50.00 + shipping
    it.each([
      ['US', 750, 0, 5750],
      ['CA', 1200, 310, 6510], // 5% of 62.00
      ['GB', 1200, 1240, 7440], // 20% of 62.00
      ['DE', 1200, 1178, 7378], // 19% of 62.00
      ['FR', 1200, 1240, 7440], // 20% of 62.00
      ['JP', 1200, 0, 6200],
      [null, 1200, 0, 6200],
    ])('in %p: shipping %p, tax %p, total %p', (country, shipping, tax, total) => {
      expect(totalsFor(5000, null, country)).toEqual({ subtotal: 5000, discount: 0, shipping, tax, total });
    });

    it('rounds half a cent of tax away from zero: 19% of 100.50 is 19.095, so 19.10', () => {
      expect(totalsFor(10050, null, 'DE')).toEqual({ subtotal: 10050, discount: 0, shipping: 0, tax: 1910, total: 11960 });
    });

    it('taxes the subtotal after discount plus shipping', () => {
      // S on 80.00: discount 4.00, 76.00 + 12.00 shipping = 88.00, 20% = 17.60
      expect(totalsFor(8000, 'S', 'GB')).toEqual({ subtotal: 8000, discount: 400, shipping: 1200, tax: 1760, total: 10560 });
    });

    it('does not pick up inherited object keys as countries', () => {
      expect(totalsFor(5000, null, 'constructor').tax).toBe(0);
    });
  });

  it('rounds negative amounts (dirty legacy rows) half away from zero too', () => {
    // -10.10: S 5% = -0.505 -> -0.51; -9.59 + 7.50 shipping = -2.09
    expect(priceOrder({ lines: [{ quantity: -1, unitPriceDecimal: '10.1000' }], tier: 'S', country: 'US' })).toEqual({
      lineAmounts: [-1010],
      totals: { subtotal: -1010, discount: -51, shipping: 750, tax: 0, total: -209 },
    });
  });

  it('prices an order without lines as shipping only', () => {
    expect(priceOrder({ lines: [], tier: null, country: 'US' }).totals).toEqual({
      subtotal: 0,
      discount: 0,
      shipping: 750,
      tax: 0,
      total: 750,
    });
  });

  it('does not depend on the order of lines', () => {
    const lines = [
      { quantity: 7, unitPriceDecimal: '3.3333', discountPct: '2.50' },
      { quantity: 2, unitPriceDecimal: '41.0005' },
      { quantity: 1, unitPriceDecimal: '0.1250' },
    ];
    const forward = priceOrder({ lines, tier: 'S', country: 'FR' });
    const backward = priceOrder({ lines: [...lines].reverse(), tier: 'S', country: 'FR' });
    expect(backward.totals).toEqual(forward.totals);
    expect(backward.lineAmounts).toEqual([...forward.lineAmounts].reverse());
  });
});
