import { ATR, checkBar, checkHlc } from './atr.js';
import type { HlcBar, Series, StreamingIndicator } from './types.js';
import { ArgCheck, outputArray, outputArrayOrInto, toF64 } from './validate.js';

/** ADX with its directional indices, all in 0..100. */
export interface AdxResult {
  adx: number;
  plusDi: number;
  minusDi: number;
}

/** Batch ADX output: one array per field, all `NaN` until `adx` is warm (index `2 * period - 1`). */
export interface AdxSeries {
  adx: Float64Array;
  plusDi: Float64Array;
  minusDi: Float64Array;
}

/**
 * Average directional index (talipp convention). +DM/-DM start at bar 1 and are Wilder-averaged
 * from the mean of the first `period`; +DI/-DI divide them by the Wilder ATR of `atr` (whose seed
 * includes bar 0's range); ADX is the Wilder average of DX seeded with the mean of its first
 * `period` values. A zero ATR gives DI 0 and a zero DI sum gives DX 0 instead of dividing by zero.
 * One pass, with the ATR carried inline (same arithmetic as `atr`, so the same numbers). Pass
 * `out` (arrays of the input's length) to write into it instead of allocating.
 *
 * @example
 * const { adx: strength, plusDi, minusDi } = adx(highs, lows, closes, 14);
 */
export function adx(high: Series, low: Series, close: Series, period: number, out?: AdxSeries): AdxSeries {
  checkHlc('adx arguments', high, low, close, period);
  const h = toF64(high);
  const l = toF64(low);
  const c = toF64(close);
  const n = h.length;
  const warm = 2 * period - 1;
  const res: AdxSeries = out
    ? {
        adx: outputArrayOrInto(out.adx, n, warm, 'adx arguments', 'out.adx'),
        plusDi: outputArrayOrInto(out.plusDi, n, warm, 'adx arguments', 'out.plusDi'),
        minusDi: outputArrayOrInto(out.minusDi, n, warm, 'adx arguments', 'out.minusDi'),
      }
    : { adx: outputArray(n, warm), plusDi: outputArray(n, warm), minusDi: outputArray(n, warm) };
  if (n <= warm) return res;
  const { adx: outAdx, plusDi: outPlus, minusDi: outMinus } = res;
  const inv = 1 / period;
  const keep = (period - 1) / period;
  // ATR as `atr` computes it: the true-range sum until its seed at `period - 1`, then Wilder.
  let trSum = h[0]! - l[0]!;
  let a = period === 1 ? trSum * inv : 0;
  let sp = 0;
  let sm = 0;
  let dxAcc = 0;
  let prevHigh = h[0]!;
  let prevLow = l[0]!;
  let prevClose = c[0]!;
  for (let i = 1; i < n; i++) {
    const hi = h[i]!;
    const lo = l[i]!;
    const tr = (hi > prevClose ? hi : prevClose) - (lo < prevClose ? lo : prevClose);
    const up = hi - prevHigh;
    const down = prevLow - lo;
    prevHigh = hi;
    prevLow = lo;
    prevClose = c[i]!;
    const pdm = up > down && up > 0 ? up : 0;
    const mdm = down > up && down > 0 ? down : 0;
    if (i < period) {
      trSum += tr;
      if (i === period - 1) a = trSum * inv;
      sp += pdm;
      sm += mdm;
      continue;
    }
    a = a * keep + tr * inv;
    if (i === period) {
      sp = (sp + pdm) * inv;
      sm = (sm + mdm) * inv;
    } else {
      sp = sp * keep + pdm * inv;
      sm = sm * keep + mdm * inv;
    }
    const pdi = a === 0 ? 0 : (100 * sp) / a;
    const mdi = a === 0 ? 0 : (100 * sm) / a;
    const s = pdi + mdi;
    const dx = s === 0 ? 0 : (100 * Math.abs(pdi - mdi)) / s;
    if (i < warm) {
      dxAcc += dx;
      continue;
    }
    dxAcc = i === warm ? (dxAcc + dx) * inv : dxAcc * keep + dx * inv;
    outAdx[i] = dxAcc;
    outPlus[i] = pdi;
    outMinus[i] = mdi;
  }
  return res;
}

/** Streaming ADX; identical numbers to `adx`. `getResult` returns a new object per call. */
export class ADX implements StreamingIndicator<HlcBar, AdxResult> {
  private readonly period: number;
  private readonly inv: number;
  private readonly keep: number;
  private readonly atr: ATR;
  private count = 0;
  private lastHigh = 0;
  private lastLow = 0;
  private sp = 0;
  private sm = 0;
  private dxAcc = 0;
  private pdi = 0;
  private mdi = 0;
  private prevCount = 0;
  private prevLastHigh = 0;
  private prevLastLow = 0;
  private prevSp = 0;
  private prevSm = 0;
  private prevDxAcc = 0;

  constructor(period: number) {
    new ArgCheck('ADX arguments').period('period', period).done();
    this.period = period;
    this.inv = 1 / period;
    this.keep = (period - 1) / period;
    this.atr = new ATR(period);
  }

  add(bar: HlcBar): void {
    checkBar('ADX input', bar);
    this.prevCount = this.count;
    this.prevLastHigh = this.lastHigh;
    this.prevLastLow = this.lastLow;
    this.prevSp = this.sp;
    this.prevSm = this.sm;
    this.prevDxAcc = this.dxAcc;
    this.atr.add(bar);
    this.step(bar.high, bar.low);
  }

  replace(bar: HlcBar): void {
    checkBar('ADX input', bar);
    if (this.count === 0) return this.add(bar);
    this.count = this.prevCount;
    this.lastHigh = this.prevLastHigh;
    this.lastLow = this.prevLastLow;
    this.sp = this.prevSp;
    this.sm = this.prevSm;
    this.dxAcc = this.prevDxAcc;
    this.atr.replace(bar);
    this.step(bar.high, bar.low);
  }

  private step(h: number, l: number): void {
    const i = this.count;
    this.count = i + 1;
    const up = h - this.lastHigh;
    const down = this.lastLow - l;
    this.lastHigh = h;
    this.lastLow = l;
    if (i === 0) return;
    const pdm = up > down && up > 0 ? up : 0;
    const mdm = down > up && down > 0 ? down : 0;
    const p = this.period;
    if (i < p) {
      this.sp += pdm;
      this.sm += mdm;
      return;
    }
    if (i === p) {
      this.sp = (this.sp + pdm) * this.inv;
      this.sm = (this.sm + mdm) * this.inv;
    } else {
      this.sp = this.sp * this.keep + pdm * this.inv;
      this.sm = this.sm * this.keep + mdm * this.inv;
    }
    const a = this.atr.getResult() ?? 0;
    const pdi = a === 0 ? 0 : (100 * this.sp) / a;
    const mdi = a === 0 ? 0 : (100 * this.sm) / a;
    const s = pdi + mdi;
    const dx = s === 0 ? 0 : (100 * Math.abs(pdi - mdi)) / s;
    this.pdi = pdi;
    this.mdi = mdi;
    const warm = 2 * p - 1;
    if (i < warm) this.dxAcc += dx;
    else this.dxAcc = i === warm ? (this.dxAcc + dx) * this.inv : this.dxAcc * this.keep + dx * this.inv;
  }

  getResult(): AdxResult | null {
    return this.isStable ? { adx: this.dxAcc, plusDi: this.pdi, minusDi: this.mdi } : null;
  }

  get isStable(): boolean {
    return this.count >= 2 * this.period;
  }

  getRequiredInputs(): number {
    return 2 * this.period;
  }
}
