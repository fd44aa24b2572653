import { EMA, emaInto } from './ema.js';
import type { Series, StreamingIndicator } from './types.js';
import { ArgCheck, outputArray, rejectNonFinite, toF64 } from './validate.js';

/** MACD line, its signal EMA and their difference. */
export interface MacdResult {
  macd: number;
  signal: number;
  histogram: number;
}

/** Batch MACD output; every field `NaN` until the signal is warm (index `slow + signal - 2`). */
export interface MacdSeries {
  macd: Float64Array;
  signal: Float64Array;
  histogram: Float64Array;
}

function checkMacd(check: ArgCheck, fast: number, slow: number, signal: number): void {
  check.period('fast', fast).period('slow', slow).period('signal', signal);
  if (Number.isInteger(fast) && Number.isInteger(slow)) check.less('fast', fast, 'slow', slow);
  check.done();
}

/**
 * MACD: `EMA(fast) - EMA(slow)` (both SMA-seeded), signal = SMA-seeded `EMA(signal)` of the MACD
 * line starting where the slow EMA is first defined, histogram = MACD - signal.
 *
 * @example
 * const { macd: line, signal, histogram } = macd(closes, 12, 26, 9);
 */
export function macd(values: Series, fast: number, slow: number, signal: number): MacdSeries {
  checkMacd(new ArgCheck('macd arguments').series('values', values), fast, slow, signal);
  const v = toF64(values);
  const n = v.length;
  const warm = slow + signal - 2;
  const res: MacdSeries = { macd: outputArray(n, warm), signal: outputArray(n, warm), histogram: outputArray(n, warm) };
  if (n <= warm) return res;
  const fastE = new Float64Array(n);
  const line = new Float64Array(n);
  emaInto(v, 0, fast, fastE);
  emaInto(v, 0, slow, line);
  for (let i = slow - 1; i < n; i++) line[i] = fastE[i]! - line[i]!;
  const sig = res.signal;
  emaInto(line, slow - 1, signal, sig);
  const outLine = res.macd;
  const hist = res.histogram;
  for (let i = warm; i < n; i++) {
    const m = line[i]!;
    outLine[i] = m;
    hist[i] = m - sig[i]!;
  }
  return res;
}

/** Streaming MACD built from three streaming EMAs; identical numbers to `macd`. */
export class MACD implements StreamingIndicator<number, MacdResult> {
  private readonly fast: EMA;
  private readonly slow: EMA;
  private readonly signal: EMA;
  private readonly slowPeriod: number;
  private readonly signalPeriod: number;
  private count = 0;
  private line = 0;

  constructor(fast: number, slow: number, signal: number) {
    checkMacd(new ArgCheck('MACD arguments'), fast, slow, signal);
    this.fast = new EMA(fast);
    this.slow = new EMA(slow);
    this.signal = new EMA(signal);
    this.slowPeriod = slow;
    this.signalPeriod = signal;
  }

  add(x: number): void {
    if (x - x !== 0) rejectNonFinite('MACD input', 'value', x);
    this.fast.add(x);
    this.slow.add(x);
    this.count++;
    if (this.count >= this.slowPeriod) {
      this.line = (this.fast.getResult() ?? 0) - (this.slow.getResult() ?? 0);
      this.signal.add(this.line);
    }
  }

  replace(x: number): void {
    if (x - x !== 0) rejectNonFinite('MACD input', 'value', x);
    if (this.count === 0) return this.add(x);
    this.fast.replace(x);
    this.slow.replace(x);
    if (this.count >= this.slowPeriod) {
      this.line = (this.fast.getResult() ?? 0) - (this.slow.getResult() ?? 0);
      this.signal.replace(this.line);
    }
  }

  getResult(): MacdResult | null {
    const s = this.signal.getResult();
    if (s === null) return null;
    return { macd: this.line, signal: s, histogram: this.line - s };
  }

  get isStable(): boolean {
    return this.signal.isStable;
  }

  getRequiredInputs(): number {
    return this.slowPeriod + this.signalPeriod - 1;
  }
}
