/**
 * Decimal rounding that gives the very double `Number(x.toFixed(d))` and `Number(x.toPrecision(p))`
 * give, without printing a string and parsing it back (the two builtins were a sixth of
 * `scan --sim`'s CPU: every book level, trade and candle volume crosses them).
 *
 * Why the result is the same double: both builtins pick the integer n nearest to |x| * 10^k (ties
 * to the larger n) and print n * 10^-k; parsing that decimal gives the double nearest to it. When
 * n < 10^12 and |k| <= 22, both n and 10^|k| are exact doubles, and one IEEE division or
 * multiplication of exact operands is correctly rounded, so `n / 10^k` (or `n * 10^-k`) is that
 * nearest double. n itself comes from |x| * 10^k computed in floating point, off the exact product
 * by at most 2^-53 of it (under 1.2e-4 below 10^12): when the computed fraction lies outside
 * (0.499, 0.501), the exact one lies on the same side of one half and n is right. Everything else
 * (a near tie, a magnitude out of range, NaN, infinities) goes to the builtin.
 */

/** 10^k for k = 0..22: every one an exact double. */
const POW10: readonly number[] = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
/** Largest scaled magnitude handled here: n stays an exact integer and the product's error far below the tie band. */
const MAX_SCALED = 1e12;
const TIE_LOW = 0.499;
const TIE_HIGH = 0.501;

/** `Number(value.toFixed(digits))`, the same double (and the same RangeError for `digits` outside 0..100). */
export function roundFixed(value: number, digits: number): number {
  if (!(Number.isInteger(digits) && digits >= 0 && digits <= 22)) return Number(value.toFixed(digits));
  // Zero of either sign prints "0.00...", which parses to +0.
  if (value === 0) return 0;
  const a = value < 0 ? -value : value;
  const m = a * POW10[digits]!;
  if (!(m < MAX_SCALED)) return Number(value.toFixed(digits));
  const floor = Math.floor(m);
  const frac = m - floor;
  if (frac > TIE_LOW && frac < TIE_HIGH) return Number(value.toFixed(digits));
  const n = frac >= 0.5 ? floor + 1 : floor;
  const r = n / POW10[digits]!;
  // toFixed keeps the sign of a negative value that rounds to zero ("-0.00"), so does this.
  return value < 0 ? -r : r;
}

/** `Number(value.toPrecision(digits))`, the same double (and the same RangeError for `digits` outside 1..100). */
export function roundSignificant(value: number, digits: number): number {
  const a = value < 0 ? -value : value;
  if (!(a > 0) || a === Infinity || !(Number.isInteger(digits) && digits >= 1 && digits <= 12)) return Number(value.toPrecision(digits));
  // k places the `digits` significant digits left of the point: 10^(digits-1) <= n < 10^digits.
  const k = digits - 1 - Math.floor(Math.log10(a));
  if (k > 22 || k < -22) return Number(value.toPrecision(digits));
  const m = k >= 0 ? a * POW10[k]! : a / POW10[-k]!;
  const floor = Math.floor(m);
  const frac = m - floor;
  const n = frac >= 0.5 ? floor + 1 : floor;
  // Out of [10^(digits-1), 10^digits) when log10 rounded across a power of ten or the rounding
  // carried into one more digit: the builtin settles those.
  if (frac > TIE_LOW && frac < TIE_HIGH || n < POW10[digits - 1]! || n >= POW10[digits]!) return Number(value.toPrecision(digits));
  const r = k >= 0 ? n / POW10[k]! : n * POW10[-k]!;
  return value < 0 ? -r : r;
}
