import type { HlcBar, Series, StreamingIndicator } from './types.js';
import { ArgCheck, outputArrayOrInto, rejectNonFinite, toF64 } from './validate.js';

/** Argument checks shared by the high/low/close kernels. */
export function checkHlc(subject: string, high: Series, low: Series, close: Series, period: number): void {
  // The common valid case in one test, so per-series calls in a scan build no checker objects.
  if (
    high instanceof Float64Array &&
    low instanceof Float64Array &&
    close instanceof Float64Array &&
    low.length === high.length &&
    close.length === high.length &&
    Number.isInteger(period) &&
    period >= 1
  ) {
    return;
  }
  new ArgCheck(subject)
    .series('high', high)
    .series('low', low)
    .series('close', close)
    .sameLength({ high, low, close })
    .period('period', period)
    .done();
}

/**
 * True range: `max(high, prevClose) - min(low, prevClose)`, equal to the textbook
 * `max(h - l, |h - pc|, |l - pc|)` whenever `high >= low`. The first bar has no previous close
 * and uses `high - low`.
 */
export function trueRange(high: number, low: number, prevClose: number): number {
  return (high > prevClose ? high : prevClose) - (low < prevClose ? low : prevClose);
}

/**
 * Average true range with Wilder smoothing (talipp convention): the first value, at index
 * `period - 1`, is the mean of the first `period` true ranges, the first of which is `high - low`.
 * Pass `out` (length of the input) to write into it instead of allocating.
 *
 * @example
 * const a = atr(highs, lows, closes, 14);
 */
export function atr(high: Series, low: Series, close: Series, period: number, out?: Float64Array): Float64Array {
  checkHlc('atr arguments', high, low, close, period);
  const h = toF64(high);
  const l = toF64(low);
  const c = toF64(close);
  out = outputArrayOrInto(out, h.length, period - 1, 'atr arguments', 'out');
  atrInto(h, l, c, period, out);
  return out;
}

/** ATR kernel into `out` (slots before `period - 1` untouched). */
export function atrInto(h: Float64Array, l: Float64Array, c: Float64Array, period: number, out: Float64Array): void {
  const n = h.length;
  if (n < period) return;
  const inv = 1 / period;
  const keep = (period - 1) / period;
  let sum = h[0]! - l[0]!;
  for (let i = 1; i < period; i++) sum += trueRange(h[i]!, l[i]!, c[i - 1]!);
  let a = sum * inv;
  out[period - 1] = a;
  for (let i = period; i < n; i++) {
    const pc = c[i - 1]!;
    const hi = h[i]!;
    const lo = l[i]!;
    a = a * keep + ((hi > pc ? hi : pc) - (lo < pc ? lo : pc)) * inv;
    out[i] = a;
  }
}

/** Streaming ATR (Wilder); identical numbers to `atr`. */
export class ATR implements StreamingIndicator<HlcBar, number> {
  private readonly period: number;
  private readonly inv: number;
  private readonly keep: number;
  private count = 0;
  private lastClose = 0;
  private value = 0;
  private prevCount = 0;
  private prevLastClose = 0;
  private prevValue = 0;

  constructor(period: number) {
    new ArgCheck('ATR arguments').period('period', period).done();
    this.period = period;
    this.inv = 1 / period;
    this.keep = (period - 1) / period;
  }

  add(bar: HlcBar): void {
    checkBar('ATR input', bar);
    this.prevCount = this.count;
    this.prevLastClose = this.lastClose;
    this.prevValue = this.value;
    this.step(bar.high, bar.low, bar.close);
  }

  replace(bar: HlcBar): void {
    checkBar('ATR input', bar);
    if (this.count === 0) return this.add(bar);
    this.count = this.prevCount;
    this.lastClose = this.prevLastClose;
    this.value = this.prevValue;
    this.step(bar.high, bar.low, bar.close);
  }

  /** `value` holds the true-range sum during warm-up and the average afterwards. */
  private step(h: number, l: number, c: number): void {
    const k = this.count;
    this.count = k + 1;
    if (k === 0) {
      this.value = h - l;
    } else {
      const pc = this.lastClose;
      const tr = (h > pc ? h : pc) - (l < pc ? l : pc);
      this.value = k < this.period ? this.value + tr : this.value * this.keep + tr * this.inv;
    }
    if (k + 1 === this.period) this.value *= this.inv;
    this.lastClose = c;
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

/** Rejects a bar with a non-finite high, low or close. */
export function checkBar(subject: string, bar: HlcBar): void {
  if (bar.high - bar.high !== 0) rejectNonFinite(subject, 'high', bar.high);
  if (bar.low - bar.low !== 0) rejectNonFinite(subject, 'low', bar.low);
  if (bar.close - bar.close !== 0) rejectNonFinite(subject, 'close', bar.close);
}
