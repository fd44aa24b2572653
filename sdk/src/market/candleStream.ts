import type { Candle } from '@perpscope/shared';
import type { CandleRing } from './candleRing.js';
import { gapBetween, type CandleGap } from './candleGaps.js';

export interface IngestResult {
  /** Bars confirmed by this update, oldest first; emit a `bar` event for each. */
  confirmed: Candle[];
  /** Open times that must be fetched over REST before later bars can be confirmed. */
  repair?: CandleGap;
}

/**
 * Candle state of one symbol x timeframe: the ring of confirmed bars plus the bar still forming.
 * A bar is confirmed when a bar with a newer open time arrives. When the newer bar is more than
 * one step ahead (a websocket outage, a silent period), the missing bars and the last forming bar
 * (whose final values were never seen) are requested over REST, and later bars are held back so
 * `bar` events stay in order and the ring stays sorted.
 *
 * Pure state machine: it never performs I/O; the caller fetches the repair range.
 */
export class CandleStream {
  private forming: Candle | undefined;
  /** The forming bar came from a REST read, not a live update: its final values are unknown. */
  private formingFromSeed = false;
  private repairing: CandleGap | undefined;
  private held: Candle[] = [];
  private queued: CandleGap[] = [];

  constructor(
    readonly symbol: string,
    readonly timeframeMs: number,
    readonly ring: CandleRing,
  ) {}

  /** The bar currently forming, if any update for it was seen. */
  formingCandle(): Candle | undefined {
    return this.forming;
  }

  /** The range being repaired, while a repair is outstanding. */
  pendingRepair(): CandleGap | undefined {
    return this.repairing;
  }

  /** Loads backfilled history read at `fetchedAtMs`: bars closed by then are confirmed, a later one is forming. */
  seed(candles: readonly Candle[], fetchedAtMs: number): void {
    for (const c of candles) {
      if (c.openTimeMs + this.timeframeMs <= fetchedAtMs) {
        this.ring.upsertLast(c);
      } else {
        this.forming = c;
        this.formingFromSeed = true;
      }
    }
  }

  /** Feeds live or polled candles (any order, may overlap what is known). */
  ingest(candles: readonly Candle[]): IngestResult {
    const confirmed: Candle[] = [];
    let repair: CandleGap | undefined;
    const sorted = [...candles].sort((a, b) => a.openTimeMs - b.openTimeMs);
    for (const c of sorted) {
      const lastMs = this.ring.lastOpenTimeMs();
      if (lastMs !== undefined && c.openTimeMs <= lastMs) {
        // A confirmed bar seen again (REST overlap): keep the latest values, no new event.
        if (c.openTimeMs === lastMs && this.held.length === 0) this.ring.replaceLast(c);
        continue;
      }
      const forming = this.forming;
      if (!forming) {
        this.forming = c;
        this.formingFromSeed = false;
        if (lastMs !== undefined) repair = this.startRepair(gapBetween(lastMs, c.openTimeMs, this.timeframeMs)) ?? repair;
        continue;
      }
      if (c.openTimeMs === forming.openTimeMs) {
        this.forming = c;
        this.formingFromSeed = false;
        continue;
      }
      if (c.openTimeMs < forming.openTimeMs) continue;
      const step = Math.round((c.openTimeMs - forming.openTimeMs) / this.timeframeMs);
      if (step === 1 && !this.formingFromSeed) {
        this.confirm(forming, confirmed);
      } else {
        // A jump, or a forming bar only ever seen in the backfill: its final values were missed.
        repair =
          this.startRepair({ fromOpenTimeMs: forming.openTimeMs, toOpenTimeMs: c.openTimeMs - this.timeframeMs, bars: step }) ?? repair;
      }
      this.forming = c;
      this.formingFromSeed = false;
    }
    return repair ? { confirmed, repair } : { confirmed };
  }

  /**
   * Completes the outstanding repair with the REST result (which may be empty when the exchange
   * has no bars there). Returns the bars it confirms, then the held-back ones, in order, and the
   * next range to repair when another gap opened meanwhile.
   */
  completeRepair(candles: readonly Candle[]): IngestResult {
    const gap = this.repairing;
    if (!gap) return { confirmed: [] };
    const next = this.queued.shift();
    this.repairing = next;
    const sorted = candles
      .filter((c) => c.openTimeMs >= gap.fromOpenTimeMs && c.openTimeMs <= gap.toOpenTimeMs)
      .sort((a, b) => a.openTimeMs - b.openTimeMs);
    const releasable = next ? this.held.filter((c) => c.openTimeMs < next.fromOpenTimeMs) : this.held;
    this.held = next ? this.held.filter((c) => c.openTimeMs >= next.fromOpenTimeMs) : [];
    const confirmed: Candle[] = [];
    for (const c of [...sorted, ...releasable]) {
      const lastMs = this.ring.lastOpenTimeMs();
      if (lastMs !== undefined && c.openTimeMs <= lastMs) continue;
      this.ring.push(c);
      confirmed.push(c);
    }
    return next ? { confirmed, repair: next } : { confirmed };
  }

  private startRepair(gap: CandleGap | undefined): CandleGap | undefined {
    if (!gap) return undefined;
    if (this.repairing) {
      // One repair in flight at a time; later gaps wait their turn so bars stay in order.
      this.queued.push(gap);
      return undefined;
    }
    this.repairing = gap;
    return gap;
  }

  private confirm(c: Candle, out: Candle[]): void {
    if (this.repairing) {
      this.held.push(c);
      return;
    }
    this.ring.push(c);
    out.push(c);
  }
}
