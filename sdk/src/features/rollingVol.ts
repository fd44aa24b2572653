import { REANCHOR_MASK, ringSqDev, ringSum } from '../indicators/window.js';

/**
 * Per-bar realized volatility over the last `period` log returns (periodsPerYear 1), in the form a
 * tracker can both stream and take over from a pass over a close column. The arithmetic is the
 * streaming `RealizedVol`'s (rolling Welford with exact re-anchoring every `REANCHOR_EVERY` returns),
 * so the values are the same bits as `RealizedVol` and `realizedVol`. The Welford mean and M2 carry
 * the rounding of every earlier bar, so they cannot be rebuilt from the window alone: a warm start
 * runs `addReturn` over the closes (a tight loop: one log per bar) instead of replaying whole bars.
 * Memory: `8 * period` bytes plus a few numbers.
 */
export class RollingVol {
  private readonly period: number;
  private readonly inv: number;
  private readonly scale: number;
  private readonly ring: Float64Array;
  private pos = 0;
  /** Log returns seen so far. */
  private count = 0;
  private mean = 0;
  private m2 = 0;

  constructor(period: number) {
    this.period = period;
    this.inv = 1 / period;
    this.scale = Math.sqrt(1 / (period - 1));
    this.ring = new Float64Array(period);
  }

  /**
   * Adds the next log return `x = Math.log(price / previousPrice)`, computed once by the caller for
   * both windows (the streaming class computes the same expression per window).
   */
  addReturn(x: number): void {
    const c = ++this.count;
    const pos = this.pos;
    const y = this.ring[pos]!;
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

  /** The volatility after the last return, `NaN` until `period` returns were seen. */
  value(): number {
    return this.count >= this.period ? Math.sqrt(this.m2 > 0 ? this.m2 : 0) * this.scale : Number.NaN;
  }
}
