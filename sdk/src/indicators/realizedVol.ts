import { InvalidInputError } from '../core/errors.js';
import type { Series, StreamingIndicator } from './types.js';
import { ArgCheck, outputArrayOrInto, rejectNonFinite, toF64 } from './validate.js';
import { REANCHOR_MASK, rangeSqDev, rangeSum, ringSqDev, ringSum } from './window.js';

/**
 * Realized volatility: the sample standard deviation (divide by `period - 1`) of the last `period`
 * log returns `ln(p[i] / p[i-1])`, times `sqrt(periodsPerYear)`. With the default
 * `periodsPerYear = 1` the result is per-bar volatility; pass e.g. 8760 for 1h bars to annualize.
 * First value at index `period`. Prices must be positive. Uses the same rolling Welford update
 * and exact re-anchoring as `bollinger`. Pass `out` (length of `values`) to write into it instead
 * of allocating.
 *
 * @example
 * const annual = realizedVol(closes, 24, 8760); // 1h bars, 24-bar window
 */
export function realizedVol(values: Series, period: number, periodsPerYear = 1, out?: Float64Array): Float64Array {
  if (!(values instanceof Float64Array && Number.isInteger(period) && period >= 2 && Number.isFinite(periodsPerYear) && periodsPerYear > 0)) {
    new ArgCheck('realizedVol arguments').series('values', values).period('period', period, 2).above('periodsPerYear', periodsPerYear, 0).done();
  }
  const v = toF64(values);
  const n = v.length;
  out = outputArrayOrInto(out, n, period, 'realizedVol arguments', 'out');
  const inv = 1 / period;
  const scale = Math.sqrt(periodsPerYear / (period - 1));
  const returns = new Float64Array(n);
  let mean = 0;
  let m2 = 0;
  for (let i = 1; i < n; i++) {
    const x = Math.log(v[i]! / v[i - 1]!);
    returns[i] = x;
    if (i <= period) {
      const d = x - mean;
      mean += d / i;
      m2 += d * (x - mean);
      if (i < period) continue;
    } else {
      const y = returns[i - period]!;
      const d = x - y;
      const next = mean + d * inv;
      m2 += d * (x - next + y - mean);
      mean = next;
      if ((i & REANCHOR_MASK) === REANCHOR_MASK) {
        mean = rangeSum(returns, i + 1 - period, i + 1) * inv;
        m2 = rangeSqDev(returns, i + 1 - period, i + 1, mean);
      }
    }
    out[i] = Math.sqrt(m2 > 0 ? m2 : 0) * scale;
  }
  return out;
}

/** Streaming realized volatility; identical numbers to `realizedVol`. */
export class RealizedVol implements StreamingIndicator<number, number> {
  private readonly period: number;
  private readonly inv: number;
  private readonly scale: number;
  private readonly ring: Float64Array;
  private pos = 0;
  private count = 0;
  private last = 0;
  private mean = 0;
  private m2 = 0;
  private prevLast = 0;
  private prevMean = 0;
  private prevM2 = 0;
  private prevEvicted = 0;

  constructor(period: number, periodsPerYear = 1) {
    new ArgCheck('RealizedVol arguments').period('period', period, 2).above('periodsPerYear', periodsPerYear, 0).done();
    this.period = period;
    this.inv = 1 / period;
    this.scale = Math.sqrt(periodsPerYear / (period - 1));
    this.ring = new Float64Array(period);
  }

  add(price: number): void {
    checkPrice(price);
    this.step(price);
  }

  replace(price: number): void {
    checkPrice(price);
    if (this.count === 0) return this.add(price);
    this.count--;
    this.last = this.prevLast;
    if (this.count > 0) {
      this.pos = this.pos === 0 ? this.period - 1 : this.pos - 1;
      this.ring[this.pos] = this.prevEvicted;
      this.mean = this.prevMean;
      this.m2 = this.prevM2;
    }
    this.step(price);
  }

  private step(price: number): void {
    const c = this.count;
    this.count = c + 1;
    this.prevLast = this.last;
    this.last = price;
    if (c === 0) return;
    const x = Math.log(price / this.prevLast);
    const pos = this.pos;
    const y = this.ring[pos]!;
    this.prevEvicted = y;
    this.prevMean = this.mean;
    this.prevM2 = this.m2;
    if (c <= this.period) {
      const d = x - this.mean;
      this.mean += d / c;
      this.m2 += d * (x - this.mean);
    } else {
      const d = x - y;
      const next = this.mean + d * this.inv;
      this.m2 += d * (x - next + y - this.mean);
      this.mean = next;
    }
    this.ring[pos] = x;
    this.pos = pos + 1 === this.period ? 0 : pos + 1;
    if ((c & REANCHOR_MASK) === REANCHOR_MASK && c > this.period) {
      this.mean = ringSum(this.ring, this.pos) * this.inv;
      this.m2 = ringSqDev(this.ring, this.pos, this.mean);
    }
  }

  getResult(): number | null {
    return this.isStable ? Math.sqrt(this.m2 > 0 ? this.m2 : 0) * this.scale : null;
  }

  get isStable(): boolean {
    return this.count > this.period;
  }

  getRequiredInputs(): number {
    return this.period + 1;
  }
}

function checkPrice(price: number): void {
  if (price - price !== 0) rejectNonFinite('RealizedVol input', 'value', price);
  if (!(price > 0)) {
    throw new InvalidInputError('RealizedVol input', [{ path: 'value', received: String(price), expected: 'a positive price' }]);
  }
}
