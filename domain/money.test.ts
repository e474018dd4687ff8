import {
  CURRENCY,
  assertCents,
  centsFromBigInt,
  centsToDecimal,
  formatDecimal,
  parseDecimal,
  parseNumeric,
  roundHalfAwayFromZero,
  unitPriceFromDecimal,
} from './money';

describe('CURRENCY', () => {
  it('is USD in v1', () => {
    expect(CURRENCY).toBe('USD');
  });
});

describe('parseDecimal', () => {
  it.each([
    ['12.3456', 4, 123456n],
    ['12.34', 4, 123400n],
    ['12', 4, 120000n],
    ['0', 2, 0n],
    ['-0.05', 2, -5n],
    ['-0', 2, 0n],
    ['007.5', 1, 75n],
    ['99999999.9999', 4, 999999999999n],
    ['123456789012345678901234567890', 0, 123456789012345678901234567890n],
  ])('reads %p at scale %p as %p', (value, scale, expected) => {
    expect(parseDecimal(value, scale)).toBe(expected);
  });

  it('refuses more decimals than the scale instead of rounding them away', () => {
    expect(() => parseDecimal('1.23456', 4)).toThrow(new RangeError('"1.23456" has 5 decimals, at most 4 allowed'));
    expect(() => parseDecimal('1.0', 0)).toThrow(RangeError);
  });

  it.each(['', '-', '.5', '5.', '1e5', ' 1', '1 ', '+1', '1,5', '--1', '1.2.3', 'NaN', 'Infinity', '0x10', '١', '1\n'])(
    'refuses %p as not a plain decimal',
    (value) => {
      expect(() => parseDecimal(value, 4)).toThrow(/is not a plain decimal number/);
    },
  );

  it('refuses a value that is not a string', () => {
    expect(() => parseDecimal(12 as unknown as string, 2)).toThrow(RangeError);
  });

  it('refuses a negative or fractional scale', () => {
    expect(() => parseDecimal('1', -1)).toThrow(RangeError);
    expect(() => parseDecimal('1', 1.5)).toThrow(RangeError);
  });
});

describe('formatDecimal', () => {
  it.each([
    [123400n, 4, '12.3400'],
    [5n, 2, '0.05'],
    [-5n, 2, '-0.05'],
    [0n, 2, '0.00'],
    [-123456n, 4, '-12.3456'],
    [42n, 0, '42'],
    [-42n, 0, '-42'],
  ])('writes %p at scale %p as %p', (scaled, scale, expected) => {
    expect(formatDecimal(scaled, scale)).toBe(expected);
  });

  it('is the inverse of parseDecimal once normalised', () => {
    for (const value of ['0.0001', '-0.0001', '12.3400', '-99999999.9999', '1000.0000']) {
      expect(formatDecimal(parseDecimal(value, 4), 4)).toBe(value);
    }
  });
});

describe('parseNumeric', () => {
  it('accepts the largest numeric(12,4) value and refuses the next one up', () => {
    expect(parseNumeric('99999999.9999', 12, 4)).toBe(999999999999n);
    expect(parseNumeric('-99999999.9999', 12, 4)).toBe(-999999999999n);
    expect(() => parseNumeric('100000000', 12, 4)).toThrow('"100000000" does not fit numeric(12,4)');
  });
});

describe('roundHalfAwayFromZero', () => {
  it.each([
    // [numerator, denominator, rounded]
    [125n, 1000n, 0n], // 0.125 -> 0
    [1250n, 100n, 13n], // 12.5 -> 13
    [-1250n, 100n, -13n], // -12.5 -> -13, where Math.round gives -12
    [1249n, 100n, 12n],
    [-1249n, 100n, -12n],
    [1251n, 100n, 13n],
    [-1251n, 100n, -13n],
    [25n, 10n, 3n], // 2.5 -> 3, where banker's rounding gives 2
    [35n, 10n, 4n],
    [5n, 10n, 1n],
    [-5n, 10n, -1n],
    [4n, 10n, 0n],
    [0n, 7n, 0n],
    [7n, 1n, 7n],
    [2n, 3n, 1n], // 0.666...
    [-1n, 3n, 0n], // -0.333...
  ])('rounds %p / %p to %p', (numerator, denominator, expected) => {
    expect(roundHalfAwayFromZero(numerator, denominator)).toBe(expected);
  });

  it('rounds 0.125 half away from zero to 0.13 and -0.125 to -0.13', () => {
    // 0.125 dollars in hundredths of a cent (scale 3) rounded to cents.
    expect(roundHalfAwayFromZero(parseDecimal('0.125', 3), 10n)).toBe(13n);
    expect(roundHalfAwayFromZero(parseDecimal('-0.125', 3), 10n)).toBe(-13n);
  });

  it('refuses a zero or negative denominator', () => {
    expect(() => roundHalfAwayFromZero(1n, 0n)).toThrow(RangeError);
    expect(() => roundHalfAwayFromZero(1n, -2n)).toThrow(RangeError);
  });
});

describe('centsToDecimal', () => {
  it.each([
    [1234, '12.34'],
    [-5, '-0.05'],
    [0, '0.00'],
    [7, '0.07'],
    [100, '1.00'],
    [-123456, '-1234.56'],
  ])('writes %p cents as %p', (cents, expected) => {
    expect(centsToDecimal(cents)).toBe(expected);
  });

  it('refuses fractional cents', () => {
    expect(() => centsToDecimal(12.5)).toThrow(RangeError);
  });
});

describe('unitPriceFromDecimal', () => {
  it.each([
    ['12.345', { unitPrice: 1235, unitPriceDecimal: '12.3450' }],
    ['12.3449', { unitPrice: 1234, unitPriceDecimal: '12.3449' }],
    ['0.005', { unitPrice: 1, unitPriceDecimal: '0.0050' }],
    ['0.0049', { unitPrice: 0, unitPriceDecimal: '0.0049' }],
    ['19.99', { unitPrice: 1999, unitPriceDecimal: '19.9900' }],
    ['7', { unitPrice: 700, unitPriceDecimal: '7.0000' }],
    ['-0.005', { unitPrice: -1, unitPriceDecimal: '-0.0050' }],
  ])('keeps %p exactly and rounds it half away from zero to cents', (decimal, expected) => {
    expect(unitPriceFromDecimal(decimal)).toEqual(expected);
  });

  it('refuses a fifth decimal rather than round it silently', () => {
    expect(() => unitPriceFromDecimal('1.00005')).toThrow(RangeError);
  });

  it('refuses prices beyond numeric(12,4)', () => {
    expect(() => unitPriceFromDecimal('100000000.0000')).toThrow(RangeError);
  });
});

describe('assertCents', () => {
  it('accepts safe integers, negative ones included', () => {
    expect(() => assertCents(0, 'total')).not.toThrow();
    expect(() => assertCents(-250, 'total')).not.toThrow();
    expect(() => assertCents(Number.MAX_SAFE_INTEGER, 'total')).not.toThrow();
  });

  it.each([0.5, NaN, Infinity, Number.MAX_SAFE_INTEGER + 1, '12' as unknown as number])(
    'refuses %p and names the field',
    (value) => {
      expect(() => assertCents(value, 'subtotal')).toThrow(/^subtotal must be a whole number of cents/);
    },
  );
});

describe('centsFromBigInt', () => {
  it('converts amounts within the safe range and refuses the rest', () => {
    expect(centsFromBigInt(-1234n, 'total')).toBe(-1234);
    expect(() => centsFromBigInt(BigInt(Number.MAX_SAFE_INTEGER) + 1n, 'total')).toThrow(RangeError);
  });
});
