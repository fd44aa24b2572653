import type { Series, StreamingIndicator } from './types.js';
import { ArgCheck, outputArray, rejectNonFinite, toF64 } from './validate.js';
import { REANCHOR_MASK, rangeSum, ringSum } from './window.js';

/**
 * Simple moving average: a running sum, recomputed exactly every 1024 bars (see `window.ts`).
 * First value at `period - 1`.
 *
 * @example
 * const s20 = sma(closes, 20);
 */
export function sma(values: Series, period: number): Float64Array {
  new ArgCheck('sma arguments').series('values', values).period('period', period).done();
  const v = toF64(values);
  const n = v.length;
  const out = outputArray(n, period - 1);
  if (n < period) return out;
  const inv = 1 / period;
  let sum = 0;
  for (let i = 0; i < period; i++) sum += v[i]!;
  out[period - 1] = sum * inv;
  for (let i = period; i < n; i++) {
    sum += v[i]! - v[i - period]!;
    if ((i & REANCHOR_MASK) === REANCHOR_MASK) sum = rangeSum(v, i + 1 - period, i + 1);
    out[i] = sum * inv;
  }
  return out;
}

/** Streaming SMA over a ring buffer; identical numbers to `sma`. */
export class SMA implements StreamingIndicator<number, number> {
  private readonly period: number;
  private readonly inv: number;
  private readonly ring: Float64Array;
  private pos = 0;
  private count = 0;
  private sum = 0;
  private prevSum = 0;
  private prevEvicted = 0;

  constructor(period: number) {
    new ArgCheck('SMA arguments').period('period', period).done();
    this.period = period;
    this.inv = 1 / period;
    this.ring = new Float64Array(period);
  }

  add(x: number): void {
    if (x - x !== 0) rejectNonFinite('SMA input', 'value', x);
    this.step(x);
  }

  replace(x: number): void {
    if (x - x !== 0) rejectNonFinite('SMA input', 'value', x);
    if (this.count === 0) return this.add(x);
    this.pos = this.pos === 0 ? this.period - 1 : this.pos - 1;
    this.ring[this.pos] = this.prevEvicted;
    this.sum = this.prevSum;
    this.count--;
    this.step(x);
  }

  private step(x: number): void {
    const pos = this.pos;
    this.prevSum = this.sum;
    this.prevEvicted = this.ring[pos]!;
    if (this.count < this.period) this.sum += x;
    else this.sum += x - this.prevEvicted;
    this.ring[pos] = x;
    this.pos = pos + 1 === this.period ? 0 : pos + 1;
    this.count++;
    if ((this.count & REANCHOR_MASK) === 0 && this.count > this.period) this.sum = ringSum(this.ring, this.pos);
  }

  getResult(): number | null {
    return this.count >= this.period ? this.sum * this.inv : null;
  }

  get isStable(): boolean {
    return this.count >= this.period;
  }

  getRequiredInputs(): number {
    return this.period;
  }
}
