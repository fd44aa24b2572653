import { ATR, checkBar, trueRange } from './atr.js';
import type { HlcBar, Series, StreamingIndicator } from './types.js';
import { ArgCheck, outputArray, outputArrayOrInto, toF64 } from './validate.js';

/** Supertrend line and trend: `direction` is +1 (line below price, up) or -1 (line above, down). */
export interface SupertrendResult {
  value: number;
  direction: number;
}

/** Batch Supertrend output; `NaN` for the first `period` bars. */
export interface SupertrendSeries {
  value: Float64Array;
  direction: Float64Array;
}

/**
 * Supertrend on the Wilder ATR of `atr`, bands around `(high + low) / 2` (talipp convention).
 * Final bands ratchet: the upper band only falls unless the previous close broke above it, the
 * lower band only rises unless the previous close broke below it. The first value, at index
 * `period`, starts in the down trend unless the close is above the upper band. A down trend flips
 * up when the close rises above the upper band; an up trend flips down when it falls below the
 * lower band.
 *
 * One pass, with the ATR carried inline (same arithmetic as `atr`, so the same numbers). Pass
 * `out` (arrays of the input's length) to write into it instead of allocating.
 *
 * @example
 * const { value, direction } = supertrend(highs, lows, closes, 10, 3);
 */
export function supertrend(high: Series, low: Series, close: Series, period: number, multiplier: number, out?: SupertrendSeries): SupertrendSeries {
  if (
    !(
      high instanceof Float64Array &&
      low instanceof Float64Array &&
      close instanceof Float64Array &&
      low.length === high.length &&
      close.length === high.length &&
      Number.isInteger(period) &&
      period >= 1 &&
      Number.isFinite(multiplier) &&
      multiplier > 0
    )
  ) {
    new ArgCheck('supertrend arguments')
      .series('high', high)
      .series('low', low)
      .series('close', close)
      .sameLength({ high, low, close })
      .period('period', period)
      .above('multiplier', multiplier, 0)
      .done();
  }
  const h = toF64(high);
  const l = toF64(low);
  const c = toF64(close);
  const n = h.length;
  const res: SupertrendSeries = out
    ? {
        value: outputArrayOrInto(out.value, n, period, 'supertrend arguments', 'out.value'),
        direction: outputArrayOrInto(out.direction, n, period, 'supertrend arguments', 'out.direction'),
      }
    : { value: outputArray(n, period), direction: outputArray(n, period) };
  if (n <= period) return res;
  const { value, direction } = res;
  const inv = 1 / period;
  const keep = (period - 1) / period;
  // ATR as `atr` computes it: the mean of the first `period` true ranges, then Wilder.
  let trSum = h[0]! - l[0]!;
  for (let i = 1; i < period; i++) trSum += trueRange(h[i]!, l[i]!, c[i - 1]!);
  let a = trSum * inv;
  let upper = 0;
  let lower = 0;
  let up = false;
  let pc = c[period - 1]!;
  for (let i = period; i < n; i++) {
    const hi = h[i]!;
    const lo = l[i]!;
    a = a * keep + ((hi > pc ? hi : pc) - (lo < pc ? lo : pc)) * inv;
    const mid = (hi + lo) / 2;
    const band = multiplier * a;
    const basicUpper = mid + band;
    const basicLower = mid - band;
    const ci = c[i]!;
    if (i === period) {
      upper = basicUpper;
      lower = basicLower;
      up = ci > upper;
    } else {
      if (basicUpper < upper || pc > upper) upper = basicUpper;
      if (basicLower > lower || pc < lower) lower = basicLower;
      up = up ? ci >= lower : ci > upper;
    }
    value[i] = up ? lower : upper;
    direction[i] = up ? 1 : -1;
    pc = ci;
  }
  return res;
}

/** Streaming Supertrend; identical numbers to `supertrend`. `getResult` returns a new object per call. */
export class Supertrend implements StreamingIndicator<HlcBar, SupertrendResult> {
  private readonly period: number;
  private readonly multiplier: number;
  private readonly atr: ATR;
  private count = 0;
  private lastClose = 0;
  private upper = 0;
  private lower = 0;
  private up = false;
  private prevCount = 0;
  private prevLastClose = 0;
  private prevUpper = 0;
  private prevLower = 0;
  private prevUp = false;

  constructor(period: number, multiplier: number) {
    new ArgCheck('Supertrend arguments').period('period', period).above('multiplier', multiplier, 0).done();
    this.period = period;
    this.multiplier = multiplier;
    this.atr = new ATR(period);
  }

  add(bar: HlcBar): void {
    checkBar('Supertrend input', bar);
    this.prevCount = this.count;
    this.prevLastClose = this.lastClose;
    this.prevUpper = this.upper;
    this.prevLower = this.lower;
    this.prevUp = this.up;
    this.atr.add(bar);
    this.step(bar.high, bar.low, bar.close);
  }

  replace(bar: HlcBar): void {
    checkBar('Supertrend input', bar);
    if (this.count === 0) return this.add(bar);
    this.count = this.prevCount;
    this.lastClose = this.prevLastClose;
    this.upper = this.prevUpper;
    this.lower = this.prevLower;
    this.up = this.prevUp;
    this.atr.replace(bar);
    this.step(bar.high, bar.low, bar.close);
  }

  private step(h: number, l: number, c: number): void {
    const i = this.count;
    this.count = i + 1;
    const pc = this.lastClose;
    this.lastClose = c;
    if (i < this.period) return;
    const mid = (h + l) / 2;
    const band = this.multiplier * (this.atr.getResult() ?? 0);
    const basicUpper = mid + band;
    const basicLower = mid - band;
    if (i === this.period) {
      this.upper = basicUpper;
      this.lower = basicLower;
      this.up = c > basicUpper;
      return;
    }
    if (basicUpper < this.upper || pc > this.upper) this.upper = basicUpper;
    if (basicLower > this.lower || pc < this.lower) this.lower = basicLower;
    this.up = this.up ? c >= this.lower : c > this.upper;
  }

  getResult(): SupertrendResult | null {
    if (!this.isStable) return null;
    return { value: this.up ? this.lower : this.upper, direction: this.up ? 1 : -1 };
  }

  get isStable(): boolean {
    return this.count > this.period;
  }

  getRequiredInputs(): number {
    return this.period + 1;
  }
}
