import type { CloseVolumeBar, Series, StreamingIndicator } from './types.js';
import { ArgCheck, rejectNonFinite, toF64 } from './validate.js';

/**
 * On-balance volume (talipp convention): starts at the first bar's volume, then adds the volume
 * on an up close, subtracts it on a down close and carries it on an unchanged close.
 *
 * @example
 * const o = obv(closes, volumes);
 */
export function obv(close: Series, volume: Series): Float64Array {
  new ArgCheck('obv arguments').series('close', close).series('volume', volume).sameLength({ close, volume }).done();
  const c = toF64(close);
  const v = toF64(volume);
  const n = c.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  let acc = v[0]!;
  out[0] = acc;
  for (let i = 1; i < n; i++) {
    const d = c[i]! - c[i - 1]!;
    if (d > 0) acc += v[i]!;
    else if (d < 0) acc -= v[i]!;
    out[i] = acc;
  }
  return out;
}

/** Streaming OBV; identical numbers to `obv`. */
export class OBV implements StreamingIndicator<CloseVolumeBar, number> {
  private count = 0;
  private lastClose = 0;
  private value = 0;
  private prevLastClose = 0;
  private prevValue = 0;

  add(bar: CloseVolumeBar): void {
    checkBar(bar);
    this.prevLastClose = this.lastClose;
    this.prevValue = this.value;
    this.step(bar.close, bar.volume);
  }

  replace(bar: CloseVolumeBar): void {
    checkBar(bar);
    if (this.count === 0) return this.add(bar);
    this.count--;
    this.lastClose = this.prevLastClose;
    this.value = this.prevValue;
    this.step(bar.close, bar.volume);
  }

  private step(c: number, v: number): void {
    if (this.count === 0) {
      this.value = v;
    } else {
      const d = c - this.lastClose;
      if (d > 0) this.value += v;
      else if (d < 0) this.value -= v;
    }
    this.lastClose = c;
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

function checkBar(bar: CloseVolumeBar): void {
  if (bar.close - bar.close !== 0) rejectNonFinite('OBV input', 'close', bar.close);
  if (bar.volume - bar.volume !== 0) rejectNonFinite('OBV input', 'volume', bar.volume);
}
