import type { HighLowBar, Series, StreamingIndicator } from './types.js';
import { ArgCheck, outputArray, outputArrayOrInto, rejectNonFinite, toF64 } from './validate.js';

/** Donchian channel: highest high, lowest low and their midpoint over the window. */
export interface DonchianResult {
  upper: number;
  middle: number;
  lower: number;
}

/** Batch Donchian output; `NaN` for the first `period - 1` bars. */
export interface DonchianSeries {
  upper: Float64Array;
  middle: Float64Array;
  lower: Float64Array;
}

/**
 * Donchian channel over `period` bars including the current one, with monotonic deques: O(n).
 * Pass `out` (arrays of the input's length) to write into it instead of allocating.
 *
 * @example
 * const { upper, lower } = donchian(highs, lows, 20);
 */
export function donchian(high: Series, low: Series, period: number, out?: DonchianSeries): DonchianSeries {
  if (!(high instanceof Float64Array && low instanceof Float64Array && low.length === high.length && Number.isInteger(period) && period >= 1)) {
    new ArgCheck('donchian arguments').series('high', high).series('low', low).sameLength({ high, low }).period('period', period).done();
  }
  const h = toF64(high);
  const l = toF64(low);
  const n = h.length;
  const w = period - 1;
  const res: DonchianSeries = out
    ? {
        upper: outputArrayOrInto(out.upper, n, w, 'donchian arguments', 'out.upper'),
        middle: outputArrayOrInto(out.middle, n, w, 'donchian arguments', 'out.middle'),
        lower: outputArrayOrInto(out.lower, n, w, 'donchian arguments', 'out.lower'),
      }
    : { upper: outputArray(n, w), middle: outputArray(n, w), lower: outputArray(n, w) };
  const { upper, middle, lower } = res;
  // Indices only grow, so each deque is a plain array that never wraps.
  const maxQ = new Int32Array(n);
  const minQ = new Int32Array(n);
  let maxHead = 0;
  let maxTail = 0;
  let minHead = 0;
  let minTail = 0;
  for (let i = 0; i < n; i++) {
    const hi = h[i]!;
    const lo = l[i]!;
    while (maxTail > maxHead && h[maxQ[maxTail - 1]!]! <= hi) maxTail--;
    maxQ[maxTail++] = i;
    while (minTail > minHead && l[minQ[minTail - 1]!]! >= lo) minTail--;
    minQ[minTail++] = i;
    const oldest = i - period;
    if (maxQ[maxHead]! <= oldest) maxHead++;
    if (minQ[minHead]! <= oldest) minHead++;
    if (i >= period - 1) {
      const u = h[maxQ[maxHead]!]!;
      const d = l[minQ[minHead]!]!;
      upper[i] = u;
      lower[i] = d;
      middle[i] = (u + d) / 2;
    }
  }
  return res;
}

/**
 * Streaming Donchian. Monotonic deques hold the committed bars; the last (possibly forming) bar is
 * kept apart and only committed when the next bar arrives, so `replace` is O(1) and exact.
 * `getResult` returns a new object per call.
 */
export class Donchian implements StreamingIndicator<HighLowBar, DonchianResult> {
  private readonly period: number;
  private readonly cap: number;
  private readonly maxIdx: Float64Array;
  private readonly maxVal: Float64Array;
  private readonly minIdx: Float64Array;
  private readonly minVal: Float64Array;
  private maxHead = 0;
  private maxSize = 0;
  private minHead = 0;
  private minSize = 0;
  private count = 0;
  private lastHigh = 0;
  private lastLow = 0;

  constructor(period: number) {
    new ArgCheck('Donchian arguments').period('period', period).done();
    this.period = period;
    this.cap = period + 1;
    this.maxIdx = new Float64Array(this.cap);
    this.maxVal = new Float64Array(this.cap);
    this.minIdx = new Float64Array(this.cap);
    this.minVal = new Float64Array(this.cap);
  }

  add(bar: HighLowBar): void {
    const h = bar.high;
    const l = bar.low;
    if (h - h !== 0) rejectNonFinite('Donchian input', 'high', h);
    if (l - l !== 0) rejectNonFinite('Donchian input', 'low', l);
    if (this.count > 0) this.commit(this.lastHigh, this.lastLow, this.count - 1);
    this.lastHigh = h;
    this.lastLow = l;
    this.count++;
  }

  replace(bar: HighLowBar): void {
    if (bar.high - bar.high !== 0) rejectNonFinite('Donchian input', 'high', bar.high);
    if (bar.low - bar.low !== 0) rejectNonFinite('Donchian input', 'low', bar.low);
    if (this.count === 0) return this.add(bar);
    this.lastHigh = bar.high;
    this.lastLow = bar.low;
  }

  /** Pushes bar `idx` into both deques and drops entries older than the window of bar `idx + 1`. */
  private commit(h: number, l: number, idx: number): void {
    const cap = this.cap;
    const oldest = idx + 1 - this.period;
    while (this.maxSize > 0) {
      const back = (this.maxHead + this.maxSize - 1) % cap;
      if (this.maxVal[back]! > h) break;
      this.maxSize--;
    }
    let slot = (this.maxHead + this.maxSize) % cap;
    this.maxIdx[slot] = idx;
    this.maxVal[slot] = h;
    this.maxSize++;
    while (this.maxSize > 0 && this.maxIdx[this.maxHead]! <= oldest) {
      this.maxHead = (this.maxHead + 1) % cap;
      this.maxSize--;
    }
    while (this.minSize > 0) {
      const back = (this.minHead + this.minSize - 1) % cap;
      if (this.minVal[back]! < l) break;
      this.minSize--;
    }
    slot = (this.minHead + this.minSize) % cap;
    this.minIdx[slot] = idx;
    this.minVal[slot] = l;
    this.minSize++;
    while (this.minSize > 0 && this.minIdx[this.minHead]! <= oldest) {
      this.minHead = (this.minHead + 1) % cap;
      this.minSize--;
    }
  }

  getResult(): DonchianResult | null {
    if (!this.isStable) return null;
    let u = this.lastHigh;
    let d = this.lastLow;
    if (this.maxSize > 0 && this.maxVal[this.maxHead]! > u) u = this.maxVal[this.maxHead]!;
    if (this.minSize > 0 && this.minVal[this.minHead]! < d) d = this.minVal[this.minHead]!;
    return { upper: u, middle: (u + d) / 2, lower: d };
  }

  /** `getResult()?.upper ?? NaN` without building the result: a feature tracker reads the bands on every bar. */
  get upper(): number {
    if (!this.isStable) return Number.NaN;
    const u = this.lastHigh;
    return this.maxSize > 0 && this.maxVal[this.maxHead]! > u ? this.maxVal[this.maxHead]! : u;
  }

  /** `getResult()?.lower ?? NaN` without building the result. */
  get lower(): number {
    if (!this.isStable) return Number.NaN;
    const d = this.lastLow;
    return this.minSize > 0 && this.minVal[this.minHead]! < d ? this.minVal[this.minHead]! : d;
  }

  get isStable(): boolean {
    return this.count >= this.period;
  }

  getRequiredInputs(): number {
    return this.period;
  }
}
