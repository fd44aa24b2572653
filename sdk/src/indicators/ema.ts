import type { Series, StreamingIndicator } from './types.js';
import { ArgCheck, outputArrayOrInto, rejectNonFinite, toF64 } from './validate.js';

/**
 * EMA over `src[from..]` into `out`: SMA seed of the first `period` values at `from + period - 1`,
 * then `alpha * x + (1 - alpha) * prev` with `alpha = 2 / (period + 1)`. Slots before the seed
 * are left untouched. Shared by `ema` and `macd`.
 */
export function emaInto(src: Float64Array, from: number, period: number, out: Float64Array): void {
  const n = src.length;
  const seedAt = from + period - 1;
  if (seedAt >= n) return;
  let sum = 0;
  for (let i = from; i <= seedAt; i++) sum += src[i]!;
  let e = sum / period;
  out[seedAt] = e;
  const alpha = 2 / (period + 1);
  const keep = 1 - alpha;
  for (let i = seedAt + 1; i < n; i++) {
    e = alpha * src[i]! + keep * e;
    out[i] = e;
  }
}

/**
 * Exponential moving average, SMA-seeded (TA-Lib / talipp convention). First value at `period - 1`.
 * Pass `out` (length of `values`) to write into it instead of allocating.
 *
 * @example
 * const e21 = ema(closes, 21); // Float64Array, NaN for the first 20
 */
export function ema(values: Series, period: number, out?: Float64Array): Float64Array {
  if (!(values instanceof Float64Array && Number.isInteger(period) && period >= 1)) {
    new ArgCheck('ema arguments').series('values', values).period('period', period).done();
  }
  const v = toF64(values);
  out = outputArrayOrInto(out, v.length, period - 1, 'ema arguments', 'out');
  emaInto(v, 0, period, out);
  return out;
}

/** Streaming EMA; identical numbers to `ema`. */
export class EMA implements StreamingIndicator<number, number> {
  private readonly period: number;
  private readonly alpha: number;
  private readonly keep: number;
  private count = 0;
  private sum = 0;
  private value = 0;
  private prevCount = 0;
  private prevSum = 0;
  private prevValue = 0;

  constructor(period: number) {
    new ArgCheck('EMA arguments').period('period', period).done();
    this.period = period;
    this.alpha = 2 / (period + 1);
    this.keep = 1 - this.alpha;
  }

  add(x: number): void {
    if (x - x !== 0) rejectNonFinite('EMA input', 'value', x);
    this.prevCount = this.count;
    this.prevSum = this.sum;
    this.prevValue = this.value;
    this.step(x);
  }

  replace(x: number): void {
    if (x - x !== 0) rejectNonFinite('EMA input', 'value', x);
    if (this.count === 0) return this.add(x);
    this.count = this.prevCount;
    this.sum = this.prevSum;
    this.value = this.prevValue;
    this.step(x);
  }

  private step(x: number): void {
    const c = this.count + 1;
    this.count = c;
    if (c < this.period) {
      this.sum += x;
    } else if (c === this.period) {
      this.sum += x;
      this.value = this.sum / this.period;
    } else {
      this.value = this.alpha * x + this.keep * this.value;
    }
  }

  getResult(): number | null {
    return this.count >= this.period ? this.value : null;
  }

  get isStable(): boolean {
    return this.count >= this.period;
  }

  getRequiredInputs(): number {
    return this.period;
  }
}
