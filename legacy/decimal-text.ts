// Exact decimal text for numeric columns, from integers: the generator counts money in
// ten-thousandths of a dollar (numeric(12,4)) and never touches a float amount.

/** (199900, 4) -> '19.9900'; (-5, 2) -> '-0.05'. */
export function formatScaled(units: number, scale: number): string {
  if (!Number.isSafeInteger(units)) throw new RangeError(`not a safe integer: ${units}`);
  const digits = Math.abs(units).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale);
  return `${units < 0 ? '-' : ''}${whole}${scale > 0 ? `.${fraction}` : ''}`;
}

/** numerator / denominator rounded half up, for non-negative integers (PostgreSQL's round on them). */
export function divideRoundingHalfUp(numerator: number, denominator: number): number {
  if (numerator < 0 || denominator <= 0) throw new RangeError('divideRoundingHalfUp takes a non-negative numerator');
  return Math.floor((2 * numerator + denominator) / (2 * denominator));
}
