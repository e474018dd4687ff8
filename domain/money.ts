// Money: integer cents, exact decimals as scaled BigInts. Never floats: this code prices
// invoices that must agree to the cent with PostgreSQL's numeric arithmetic.

/** Whole US cents. Always a safe integer. */
export type Cents = number;

/** v1 sells in one currency. */
export const CURRENCY = 'USD';

// ASCII digits only (no `u` flag, so \d is [0-9]); JS `$` does not match before a trailing "\n".
const PLAIN_DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

function quote(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
}

function assertScale(scale: number): void {
  if (!Number.isSafeInteger(scale) || scale < 0) {
    throw new RangeError(`scale must be a non-negative integer, got ${scale}`);
  }
}

/**
 * Parses a plain decimal string into an integer scaled by 10^scale: ('12.3456', 4) -> 123456n.
 * Refuses anything PostgreSQL would round or that is not written as plain digits (exponents,
 * spaces, '+', '.5', '5.'), so a value is never silently changed on the way in.
 */
export function parseDecimal(value: string, scale: number): bigint {
  assertScale(scale);
  if (typeof value !== 'string') {
    throw new RangeError(`expected a decimal string, got ${typeof value}`);
  }
  const match = PLAIN_DECIMAL.exec(value);
  if (!match) {
    throw new RangeError(
      `${quote(value)} is not a plain decimal number (digits, an optional leading "-" and an optional "." followed by decimals)`,
    );
  }
  const [, sign, whole, fraction = ''] = match;
  if (fraction.length > scale) {
    throw new RangeError(`${quote(value)} has ${fraction.length} decimals, at most ${scale} allowed`);
  }
  const magnitude = BigInt(whole + fraction.padEnd(scale, '0'));
  return sign === '-' ? -magnitude : magnitude;
}

/** Inverse of parseDecimal, always with exactly `scale` decimals: (123400n, 4) -> '12.3400'. */
export function formatDecimal(scaled: bigint, scale: number): string {
  assertScale(scale);
  const negative = scaled < 0n;
  const digits = (negative ? -scaled : scaled).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale);
  return `${negative ? '-' : ''}${whole}${scale > 0 ? `.${fraction}` : ''}`;
}

/** Parses a value that must fit PostgreSQL's numeric(precision, scale). */
export function parseNumeric(value: string, precision: number, scale: number): bigint {
  const scaled = parseDecimal(value, scale);
  const limit = 10n ** BigInt(precision);
  if (scaled <= -limit || scaled >= limit) {
    throw new RangeError(`${quote(value)} does not fit numeric(${precision},${scale})`);
  }
  return scaled;
}

/**
 * numerator / denominator rounded to an integer, ties away from zero: the semantics of
 * PostgreSQL's round(numeric, n) (not banker's rounding, not Math.round, which rounds -0.5 up).
 */
export function roundHalfAwayFromZero(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) {
    throw new RangeError(`denominator must be positive, got ${denominator}`);
  }
  const negative = numerator < 0n;
  const magnitude = negative ? -numerator : numerator;
  let quotient = magnitude / denominator;
  if (2n * (magnitude % denominator) >= denominator) quotient += 1n;
  return negative ? -quotient : quotient;
}

/** Throws unless n is a safe integer, the only thing a Cents value may be. */
export function assertCents(n: number, field: string): void {
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    throw new RangeError(`${field} must be a whole number of cents (a safe integer), got ${String(n)}`);
  }
}

/** Converts exact cents computed in BigInt back to Cents, refusing what a number cannot hold. */
export function centsFromBigInt(cents: bigint, field: string): Cents {
  if (cents > BigInt(Number.MAX_SAFE_INTEGER) || cents < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`${field} of ${cents} cents is out of the safe integer range`);
  }
  return Number(cents);
}

/** 1234 -> '12.34', -5 -> '-0.05' (the numeric(12,2) text form). */
export function centsToDecimal(cents: Cents): string {
  assertCents(cents, 'cents');
  return formatDecimal(BigInt(cents), 2);
}

/** Unit prices are numeric(12,4), as the legacy catalogue stores them. */
export const UNIT_PRICE_PRECISION = 12;
export const UNIT_PRICE_SCALE = 4;

/**
 * A four-decimal unit price kept exactly (unitPriceDecimal, '12.3450') beside its whole-cent
 * rounding (unitPrice, 1235), as Stripe keeps unit_amount_decimal beside unit_amount. Pricing
 * uses the decimal; the cents are for display and catalogue APIs.
 */
export function unitPriceFromDecimal(decimal: string): { unitPrice: Cents; unitPriceDecimal: string } {
  const scaled = parseNumeric(decimal, UNIT_PRICE_PRECISION, UNIT_PRICE_SCALE);
  return {
    unitPrice: centsFromBigInt(roundHalfAwayFromZero(scaled, 100n), 'unitPrice'),
    unitPriceDecimal: formatDecimal(scaled, UNIT_PRICE_SCALE),
  };
}
