import type { Series, StreamingIndicator } from './types.js';
import { ArgCheck, outputArrayOrInto, rejectNonFinite, toF64 } from './validate.js';

/**
 * RSI from Wilder averages: 100 when the average loss is 0, else `100 * avgGain / (avgGain + avgLoss)`
 * (the same number as `100 - 100 / (1 + RS)`, one division fewer).
 */
function rsiOf(avgGain: number, avgLoss: number): number {
  return avgLoss === 0 ? 100 : (100 * avgGain) / (avgGain + avgLoss);
}

/**
 * Relative strength index with Wilder smoothing. The first value, at index `period`, uses the
 * mean gain and loss of the first `period` changes; then `avg = avg * (p - 1) / p + x / p`.
 * Pass `out` (length of `values`) to write into it instead of allocating.
 *
 * @example
 * const r = rsi(closes, 14); // r[14] is the first value
 */
export function rsi(values: Series, period: number, out?: Float64Array): Float64Array {
  if (!(values instanceof Float64Array && Number.isInteger(period) && period >= 1)) {
    new ArgCheck('rsi arguments').series('values', values).period('period', period).done();
  }
  const v = toF64(values);
  const n = v.length;
  out = outputArrayOrInto(out, n, period, 'rsi arguments', 'out');
  if (n <= period) return out;
  const inv = 1 / period;
  const keep = (period - 1) / period;
  let gain = 0;
  let loss = 0;
  for (let i = 1; i <= period; i++) {
    const ch = v[i]! - v[i - 1]!;
    if (ch > 0) gain += ch;
    else loss -= ch;
  }
  let avgGain = gain * inv;
  let avgLoss = loss * inv;
  out[period] = rsiOf(avgGain, avgLoss);
  let prev = v[period]!;
  for (let i = period + 1; i < n; i++) {
    const x = v[i]!;
    const ch = x - prev;
    prev = x;
    avgGain = avgGain * keep + (ch > 0 ? ch : 0) * inv;
    avgLoss = avgLoss * keep + (ch < 0 ? -ch : 0) * inv;
    out[i] = avgLoss === 0 ? 100 : (100 * avgGain) / (avgGain + avgLoss);
  }
  return out;
}

/** Streaming RSI (Wilder); identical numbers to `rsi`. */
export class RSI implements StreamingIndicator<number, number> {
  private readonly period: number;
  private readonly inv: number;
  private readonly keep: number;
  private count = 0;
  private last = 0;
  private gain = 0;
  private loss = 0;
  private prevCount = 0;
  private prevLast = 0;
  private prevGain = 0;
  private prevLoss = 0;

  constructor(period: number) {
    new ArgCheck('RSI arguments').period('period', period).done();
    this.period = period;
    this.inv = 1 / period;
    this.keep = (period - 1) / period;
  }

  add(x: number): void {
    if (x - x !== 0) rejectNonFinite('RSI input', 'value', x);
    this.prevCount = this.count;
    this.prevLast = this.last;
    this.prevGain = this.gain;
    this.prevLoss = this.loss;
    this.step(x);
  }

  replace(x: number): void {
    if (x - x !== 0) rejectNonFinite('RSI input', 'value', x);
    if (this.count === 0) return this.add(x);
    this.count = this.prevCount;
    this.last = this.prevLast;
    this.gain = this.prevGain;
    this.loss = this.prevLoss;
    this.step(x);
  }

  /** `gain`/`loss` hold sums during warm-up and Wilder averages afterwards. */
  private step(x: number): void {
    const c = this.count;
    this.count = c + 1;
    const ch = x - this.last;
    this.last = x;
    if (c > this.period) {
      this.gain = this.gain * this.keep + (ch > 0 ? ch : 0) * this.inv;
      this.loss = this.loss * this.keep + (ch < 0 ? -ch : 0) * this.inv;
      return;
    }
    if (c === 0) return;
    if (ch > 0) this.gain += ch;
    else this.loss -= ch;
    if (c === this.period) {
      this.gain *= this.inv;
      this.loss *= this.inv;
    }
  }

  getResult(): number | null {
    return this.count > this.period ? rsiOf(this.gain, this.loss) : null;
  }

  get isStable(): boolean {
    return this.count > this.period;
  }

  getRequiredInputs(): number {
    return this.period + 1;
  }
}
