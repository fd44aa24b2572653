import type { Series, StreamingIndicator } from './types.js';
import { ArgCheck, outputArray, rejectNonFinite, toF64 } from './validate.js';
import { REANCHOR_MASK, rangeSqDev, rangeSum, ringSqDev, ringSum } from './window.js';

/** Bollinger bands: SMA middle, `k` population standard deviations either side. */
export interface BollingerResult {
  upper: number;
  middle: number;
  lower: number;
}

/** Batch Bollinger output; `NaN` for the first `period - 1` bars. */
export interface BollingerSeries {
  upper: Float64Array;
  middle: Float64Array;
  lower: Float64Array;
}

/**
 * Bollinger bands with the population standard deviation (divide by `period`, as talipp,
 * TA-Lib and TradingView do). Mean and sum of squared deviations are updated with a rolling
 * Welford step, which stays accurate on long series of large prices where `sumSq - sum^2 / n`
 * cancels catastrophically, and both are recomputed exactly every 1024 bars (see `window.ts`).
 *
 * @example
 * const { upper, middle, lower } = bollinger(closes, 20, 2);
 */
export function bollinger(values: Series, period: number, k: number): BollingerSeries {
  new ArgCheck('bollinger arguments').series('values', values).period('period', period).above('k', k, 0).done();
  const v = toF64(values);
  const n = v.length;
  const res: BollingerSeries = { upper: outputArray(n, period - 1), middle: outputArray(n, period - 1), lower: outputArray(n, period - 1) };
  const { upper, middle, lower } = res;
  const inv = 1 / period;
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < n; i++) {
    const x = v[i]!;
    if (i < period) {
      const d = x - mean;
      mean += d / (i + 1);
      m2 += d * (x - mean);
      if (i < period - 1) continue;
    } else {
      const y = v[i - period]!;
      const d = x - y;
      const next = mean + d * inv;
      m2 += d * (x - next + y - mean);
      mean = next;
      if ((i & REANCHOR_MASK) === REANCHOR_MASK) {
        mean = rangeSum(v, i + 1 - period, i + 1) * inv;
        m2 = rangeSqDev(v, i + 1 - period, i + 1, mean);
      }
    }
    const band = k * Math.sqrt((m2 > 0 ? m2 : 0) * inv);
    upper[i] = mean + band;
    middle[i] = mean;
    lower[i] = mean - band;
  }
  return res;
}

/** Streaming Bollinger bands; identical numbers to `bollinger`. `getResult` returns a new object per call. */
export class Bollinger implements StreamingIndicator<number, BollingerResult> {
  private readonly period: number;
  private readonly k: number;
  private readonly inv: number;
  private readonly ring: Float64Array;
  private pos = 0;
  private count = 0;
  private mean = 0;
  private m2 = 0;
  private prevMean = 0;
  private prevM2 = 0;
  private prevEvicted = 0;

  constructor(period: number, k: number) {
    new ArgCheck('Bollinger arguments').period('period', period).above('k', k, 0).done();
    this.period = period;
    this.k = k;
    this.inv = 1 / period;
    this.ring = new Float64Array(period);
  }

  add(x: number): void {
    if (x - x !== 0) rejectNonFinite('Bollinger input', 'value', x);
    this.step(x);
  }

  replace(x: number): void {
    if (x - x !== 0) rejectNonFinite('Bollinger input', 'value', x);
    if (this.count === 0) return this.add(x);
    this.pos = this.pos === 0 ? this.period - 1 : this.pos - 1;
    this.ring[this.pos] = this.prevEvicted;
    this.mean = this.prevMean;
    this.m2 = this.prevM2;
    this.count--;
    this.step(x);
  }

  private step(x: number): void {
    const pos = this.pos;
    const y = this.ring[pos]!;
    this.prevEvicted = y;
    this.prevMean = this.mean;
    this.prevM2 = this.m2;
    if (this.count < this.period) {
      const d = x - this.mean;
      this.mean += d / (this.count + 1);
      this.m2 += d * (x - this.mean);
    } else {
      const d = x - y;
      const next = this.mean + d * this.inv;
      this.m2 += d * (x - next + y - this.mean);
      this.mean = next;
    }
    this.ring[pos] = x;
    this.pos = pos + 1 === this.period ? 0 : pos + 1;
    this.count++;
    if ((this.count & REANCHOR_MASK) === 0 && this.count > this.period) {
      this.mean = ringSum(this.ring, this.pos) * this.inv;
      this.m2 = ringSqDev(this.ring, this.pos, this.mean);
    }
  }

  getResult(): BollingerResult | null {
    if (!this.isStable) return null;
    const band = this.k * Math.sqrt((this.m2 > 0 ? this.m2 : 0) * this.inv);
    return { upper: this.mean + band, middle: this.mean, lower: this.mean - band };
  }

  get isStable(): boolean {
    return this.count >= this.period;
  }

  getRequiredInputs(): number {
    return this.period;
  }
}
