import { TIMEFRAMES, timeframeMs, type Candle, type Timeframe } from '@perpscope/shared';
import { InvalidInputError } from '../core/errors.js';
import { IndicatorScratch } from '../features/batch.js';
import { FeatureTracker, type RejectedCandle } from '../features/tracker.js';
import type { FeatureRow, OhlcvColumns, OrderFlowInput } from '../features/types.js';
import type { SignalEngine } from './engine.js';
import { compareSeries } from './seriesOrder.js';
import type { SeriesBar, SignalCycle } from './types.js';

/** Bars held as columns that a warm start can copy from (a `CandleRing`): how many, and a copy of the newest `n`. */
export interface ColumnSource {
  readonly length: number;
  copyColumns(n: number, into: OhlcvColumns): void;
}

/** A bar that just closed on one series, as the market-data layer reports it. */
export interface ClosedBar {
  symbol: string;
  timeframe: Timeframe;
  candle: Candle;
  orderFlow?: OrderFlowInput;
}

/** A closed bar the evaluator refused (out of order, duplicate, non-finite or non-positive values). */
export interface RejectedBar {
  symbol: string;
  timeframe: string;
  openTimeMs: number;
  error: InvalidInputError;
}

/** What one `onBarsClosed` call produced. */
export interface BarCloseResult {
  /** One cycle per distinct close time, oldest first. */
  cycles: SignalCycle[];
  /** Bars refused at the edge; their series keep their previous state. */
  rejected: RejectedBar[];
}

interface SeriesEntry {
  symbol: string;
  timeframe: Timeframe;
  timeframeMs: number;
  tracker: FeatureTracker;
  /** Rank of this series in (symbol, timeframe) order among all tracked series; -1 until ranked. */
  rank: number;
}

/** The bars of one close time, with each one's series alongside. */
interface CloseGroup {
  bars: SeriesBar[];
  entries: SeriesEntry[];
}

/**
 * The cycle time for bars closing at `closeTimeMs`: never before the engine's last cycle (a late
 * bar joins the current time), and the last cycle's time (or 0) when there are no bars.
 */
export function cycleTime(closeTimeMs: number, engine: SignalEngine): number {
  const last = engine.lastCycleCloseTimeMs;
  if (!Number.isFinite(closeTimeMs)) return last ?? 0;
  return last === null ? closeTimeMs : Math.max(closeTimeMs, last);
}

function rejectedBars(symbol: string, timeframe: Timeframe, candles: readonly Candle[], rejected: RejectedCandle[]): RejectedBar[] {
  return rejected.map(({ index, error }) => ({ symbol, timeframe, openTimeMs: candles[index]!.openTimeMs, error }));
}

function key(symbol: string, timeframe: string): string {
  return `${symbol}|${timeframe}`;
}

/**
 * The live path: one `FeatureTracker` per series, updated only for the series whose bar closed,
 * then one engine cycle per distinct close time. Seed each series with its history first.
 *
 * @example
 * const live = new IncrementalSignalEvaluator(createSignalEngine(config));
 * for (const s of backfilled) live.seed(s.symbol, s.timeframe, s.candles);
 * const first = live.evaluateLatest();            // cold signals on the last closed bars
 * const { cycles, rejected } = live.onBarsClosed(closedBars); // on every bar close
 */
export class IncrementalSignalEvaluator {
  readonly engine: SignalEngine;
  private readonly trackers = new Map<string, SeriesEntry>();
  /**
   * The same entries by symbol, then timeframe: the per-bar lookup on the hot path, which needs no
   * key string built per bar (symbol strings from the market layer keep their hash).
   */
  private readonly bySymbol = new Map<string, Map<string, SeriesEntry>>();
  /** Column buffers lent to each warm start in turn (read before the next series is seeded). */
  private readonly scratch = new IndicatorScratch();
  /** Whether every entry's `rank` is current; cleared when a series is added or dropped. */
  private ranked = false;
  /** One slot per rank, empty between calls: puts a cycle's bars in series order in one pass. */
  private slots: (SeriesBar | undefined)[] = [];

  constructor(engine: SignalEngine) {
    this.engine = engine;
  }

  /** Number of series tracked. */
  get seriesCount(): number {
    return this.trackers.size;
  }

  /** The tracker of one series, or undefined. */
  tracker(symbol: string, timeframe: string): FeatureTracker | undefined {
    return this.bySymbol.get(symbol)?.get(timeframe)?.tracker;
  }

  /** Forgets a series (a market that left the universe); returns whether it was tracked. */
  drop(symbol: string, timeframe: string): boolean {
    this.bySymbol.get(symbol)?.delete(timeframe);
    this.ranked = false;
    return this.trackers.delete(key(symbol, timeframe));
  }

  /**
   * Feeds history into a series' tracker without producing signals (warm-up after a backfill).
   * Returns the candles refused as bad (they are skipped; the rest are fed). A new series starts
   * from the batch kernels (`FeatureTracker.seed`); the state is bit-identical to `seedByReplay`.
   */
  seed(symbol: string, timeframe: Timeframe, candles: readonly Candle[]): RejectedBar[] {
    return rejectedBars(symbol, timeframe, candles, this.ensure(symbol, timeframe).tracker.seed(candles, this.scratch));
  }

  /**
   * `seed` from history already held as columns (oldest first): the same state, without a candle
   * object per bar. The columns are only read, and only during this call.
   */
  seedColumns(symbol: string, timeframe: Timeframe, columns: OhlcvColumns): RejectedBar[] {
    const rejected = this.ensure(symbol, timeframe).tracker.seedColumns(columns, this.scratch);
    return rejected.map(({ index, error }) => ({ symbol, timeframe, openTimeMs: columns.openTimeMs[index]!, error }));
  }

  /**
   * `seed` straight from a ring of confirmed bars (a `CandleRing`): its bars are copied once into the
   * evaluator's scratch columns and seeded from there, so a warm start allocates neither candle
   * objects nor columns per series. Same state as `seed(symbol, timeframe, ring.toArray())`.
   */
  seedFromRing(symbol: string, timeframe: Timeframe, ring: ColumnSource): RejectedBar[] {
    const n = ring.length;
    const columns = this.scratch.ohlcv(n);
    ring.copyColumns(n, columns);
    return this.seedColumns(symbol, timeframe, columns);
  }

  /** `seed` by replaying every bar through the streaming tracker: the reference the warm start is held to. */
  seedByReplay(symbol: string, timeframe: Timeframe, candles: readonly Candle[]): RejectedBar[] {
    return rejectedBars(symbol, timeframe, candles, this.ensure(symbol, timeframe).tracker.warmUp(candles));
  }

  /**
   * One cycle over the last closed bar of every tracked series: the cold-start evaluation.
   * Uses the latest close time among them as the cycle time.
   */
  evaluateLatest(): SignalCycle {
    const bars: SeriesBar[] = [];
    let closeTimeMs = -Infinity;
    for (const { symbol, timeframe, timeframeMs: tfMs, tracker } of this.trackers.values()) {
      const row = tracker.last;
      if (!row) continue;
      const close = row.openTimeMs + tfMs;
      if (close > closeTimeMs) closeTimeMs = close;
      bars.push({ symbol, timeframe, closeTimeMs: close, features: row, prev: tracker.beforeLast });
    }
    return this.engine.runCycle(cycleTime(closeTimeMs, this.engine), bars);
  }

  /**
   * Updates only the series in `closed` and runs one engine cycle per distinct close time, oldest
   * first. A bad bar never poisons a series: it is refused, listed in `rejected`, and the series
   * keeps its state; the other bars go on.
   */
  onBarsClosed(closed: readonly ClosedBar[]): BarCloseResult {
    const groups = new Map<number, CloseGroup>();
    const rejected: RejectedBar[] = [];
    for (let i = 0; i < closed.length; i++) {
      const b = closed[i]!;
      let entry: SeriesEntry;
      let prev: FeatureRow | null;
      let features: FeatureRow;
      try {
        entry = this.ensure(b.symbol, b.timeframe);
        prev = entry.tracker.last;
        features = entry.tracker.update(b.candle, b.orderFlow);
      } catch (err) {
        if (!(err instanceof InvalidInputError)) throw err;
        rejected.push({ symbol: b.symbol, timeframe: b.timeframe, openTimeMs: b.candle.openTimeMs, error: err });
        continue;
      }
      const closeTimeMs = b.candle.openTimeMs + entry.timeframeMs;
      let g = groups.get(closeTimeMs);
      if (!g) groups.set(closeTimeMs, (g = { bars: [], entries: [] }));
      g.bars.push({ symbol: b.symbol, timeframe: b.timeframe, closeTimeMs, features, prev });
      g.entries.push(entry);
    }
    // A bar that arrives after a later cycle already ran (a late websocket message) still counts:
    // its cycle runs at the engine's current time, while the bar keeps its own close time.
    const times = [...groups.keys()].sort((a, b) => a - b);
    const cycles: SignalCycle[] = [];
    for (const ms of times) cycles.push(this.engine.runCycle(cycleTime(ms, this.engine), this.inSeriesOrder(groups.get(ms)!)));
    return { cycles, rejected };
  }

  /**
   * A group's bars in (symbol, timeframe) order, the order the engine processes them in, placed by
   * each series' rank in one pass instead of sorted by string comparisons every cycle. A series
   * closes at most one bar per close time (the tracker refuses a second bar with the same open
   * time); should two ever share a slot, the bars go as they came and the engine sorts them.
   */
  private inSeriesOrder(group: CloseGroup): SeriesBar[] {
    const { bars, entries } = group;
    if (bars.length < 2) return bars;
    this.rank();
    const slots = this.slots;
    let collided = false;
    for (let i = 0; i < bars.length; i++) {
      const r = entries[i]!.rank;
      if (slots[r] !== undefined) collided = true;
      slots[r] = bars[i];
    }
    const out: SeriesBar[] = collided ? bars : [];
    for (let r = 0; r < slots.length; r++) {
      const bar = slots[r];
      if (bar === undefined) continue;
      if (!collided) out.push(bar);
      slots[r] = undefined;
    }
    return out;
  }

  /** Ranks every tracked series in (symbol, timeframe) order, when one was added or dropped since the last time. */
  private rank(): void {
    if (this.ranked) return;
    const all = [...this.trackers.values()].sort((a, b) => compareSeries(a.symbol, a.timeframe, b.symbol, b.timeframe));
    for (let r = 0; r < all.length; r++) all[r]!.rank = r;
    this.slots = new Array<SeriesBar | undefined>(all.length).fill(undefined);
    this.ranked = true;
  }

  private ensure(symbol: string, timeframe: Timeframe): SeriesEntry {
    let byTf = this.bySymbol.get(symbol);
    const found = byTf?.get(timeframe);
    if (found) return found;
    const k = key(symbol, timeframe);
    let entry = this.trackers.get(k);
    if (!entry) {
      const tfMs = TIMEFRAMES.includes(timeframe) ? timeframeMs(timeframe) : Number.NaN;
      if (!(tfMs > 0)) throw new InvalidInputError('closed bar', [{ path: 'timeframe', received: String(timeframe), expected: `one of ${TIMEFRAMES.join(', ')}` }]);
      entry = { symbol, timeframe, timeframeMs: tfMs, tracker: new FeatureTracker(this.engine.config.features), rank: -1 };
      this.trackers.set(k, entry);
      this.ranked = false;
    }
    if (!byTf) this.bySymbol.set(symbol, (byTf = new Map()));
    byTf.set(timeframe, entry);
    return entry;
  }
}
