import type { Series, StreamingIndicator, VwapBar } from './types.js';
import { ArgCheck, rejectNonFinite, toF64 } from './validate.js';

const DAY_MS = 86_400_000;

/**
 * Session VWAP of the typical price `(high + low + close) / 3`, reset at each UTC day: a bar
 * starts a new session when its UTC day differs from the previous bar's. While the session has
 * no volume yet the value is the bar's typical price (talipp leaves it undefined).
 *
 * @example
 * const v = vwap(highs, lows, closes, volumes, openTimesMs);
 */
export function vwap(high: Series, low: Series, close: Series, volume: Series, timestampsMs: Series): Float64Array {
  new ArgCheck('vwap arguments')
    .series('high', high)
    .series('low', low)
    .series('close', close)
    .series('volume', volume)
    .series('timestampsMs', timestampsMs)
    .sameLength({ high, low, close, volume, timestampsMs })
    .done();
  const h = toF64(high);
  const l = toF64(low);
  const c = toF64(close);
  const v = toF64(volume);
  const t = toF64(timestampsMs);
  const n = h.length;
  const out = new Float64Array(n);
  let day = NaN;
  let pv = 0;
  let vol = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.floor(t[i]! / DAY_MS);
    if (d !== day) {
      day = d;
      pv = 0;
      vol = 0;
    }
    const tp = (h[i]! + l[i]! + c[i]!) / 3;
    const vi = v[i]!;
    pv += vi * tp;
    vol += vi;
    out[i] = vol > 0 ? pv / vol : tp;
  }
  return out;
}

/** Streaming session VWAP; identical numbers to `vwap`. */
export class VWAP implements StreamingIndicator<VwapBar, number> {
  private count = 0;
  private day = NaN;
  private pv = 0;
  private vol = 0;
  private value = 0;
  private prevDay = NaN;
  private prevPv = 0;
  private prevVol = 0;

  add(bar: VwapBar): void {
    checkBar(bar);
    this.prevDay = this.day;
    this.prevPv = this.pv;
    this.prevVol = this.vol;
    this.step(bar);
  }

  replace(bar: VwapBar): void {
    checkBar(bar);
    if (this.count === 0) return this.add(bar);
    this.count--;
    this.day = this.prevDay;
    this.pv = this.prevPv;
    this.vol = this.prevVol;
    this.step(bar);
  }

  private step(bar: VwapBar): void {
    const d = Math.floor(bar.openTimeMs / DAY_MS);
    if (d !== this.day) {
      this.day = d;
      this.pv = 0;
      this.vol = 0;
    }
    const tp = (bar.high + bar.low + bar.close) / 3;
    this.pv += bar.volume * tp;
    this.vol += bar.volume;
    this.value = this.vol > 0 ? this.pv / this.vol : tp;
    this.count++;
  }

  getResult(): number | null {
    return this.count > 0 ? this.value : null;
  }

  get isStable(): boolean {
    return this.count > 0;
  }

  getRequiredInputs(): number {
    return 1;
  }
}

function checkBar(bar: VwapBar): void {
  if (bar.high - bar.high !== 0) rejectNonFinite('VWAP input', 'high', bar.high);
  if (bar.low - bar.low !== 0) rejectNonFinite('VWAP input', 'low', bar.low);
  if (bar.close - bar.close !== 0) rejectNonFinite('VWAP input', 'close', bar.close);
  if (bar.volume - bar.volume !== 0) rejectNonFinite('VWAP input', 'volume', bar.volume);
  if (bar.openTimeMs - bar.openTimeMs !== 0) rejectNonFinite('VWAP input', 'openTimeMs', bar.openTimeMs);
}
