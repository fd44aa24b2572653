import { timeframeMs } from '@perpscope/shared';
import { BatchFeatureReader, computeIndicatorColumns } from '../../features/batch.js';
import type { FeatureRow } from '../../features/types.js';
import type { SignalEngine } from '../engine.js';
import { replaySignals, type SeriesData } from '../replay.js';
import type { LabelOutcomeKind, Signal } from '../types.js';

/** One recorded funding settlement (fraction per settlement; positive: longs pay shorts). */
export interface FundingSettlement {
  fundingTimeMs: number;
  rate: number;
}

/** An emitted signal joined with the labeler's outcome for it. */
export interface SignalRecord {
  signal: Signal;
  /** Features of the signal's bar, as the engine saw them. */
  features: FeatureRow;
  /** 1 when the take-profit was reached before the stop, else 0 (stop or timeout). */
  hit: 0 | 1;
  outcome: LabelOutcomeKind;
  /** Take-profit and stop distances as fractions of the entry. */
  tpPct: number;
  slPct: number;
  /** Side-signed return at the exit before costs. */
  grossReturnPct: number;
  /** Funding paid (positive) over the holding period, as a fraction; 0 where none is recorded. */
  fundingPct: number;
  /** Gross return minus the round-trip fee and funding. */
  netReturnPct: number;
  /** Close time of the bar that resolved the signal. */
  resolvedCloseTimeMs: number;
}

export interface CollectOptions {
  /** Round-trip trading cost as a fraction (0.0012 = 12 bps). */
  roundTripFee: number;
  /** Recorded funding per symbol, ascending; symbols without it pay none. */
  funding?: ReadonlyMap<string, readonly FundingSettlement[]>;
}

function fundingBetween(events: readonly FundingSettlement[] | undefined, fromMs: number, toMs: number): number {
  if (!events) return 0;
  let sum = 0;
  for (const e of events) {
    if (e.fundingTimeMs <= fromMs) continue;
    if (e.fundingTimeMs > toMs) break;
    sum += e.rate;
  }
  return sum;
}

/**
 * Replays the engine over whole histories (see `replaySignals`: nothing at a bar reads later
 * bars) and joins every emitted signal with its label: target before stop, the stop when a bar
 * touches both, a timeout at the close after the labeler's horizon. Signals still unresolved when
 * the data ends are left out. Returned in emission order.
 */
export function collectSignalRecords(engine: SignalEngine, series: readonly SeriesData[], options: CollectOptions): SignalRecord[] {
  const p = engine.config.features;
  const readers = new Map<string, { reader: BatchFeatureReader; open: Float64Array }>();
  for (const s of series) {
    readers.set(`${s.symbol}|${s.timeframe}`, { reader: new BatchFeatureReader(s.candles, computeIndicatorColumns(s.candles, p), p, s.orderFlow), open: s.candles.openTimeMs });
  }
  const emitted = new Map<string, Signal>();
  const records: SignalRecord[] = [];
  replaySignals(engine, series, (cycle) => {
    for (const o of cycle.matured) {
      const s = emitted.get(o.signalId);
      if (!s) continue;
      emitted.delete(o.signalId);
      const src = readers.get(`${s.symbol}|${s.timeframe}`)!;
      let lo = 0;
      let hi = src.open.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (src.open[mid]! >= s.openTimeMs) hi = mid;
        else lo = mid + 1;
      }
      const entry = s.levels.entry;
      const resolvedCloseTimeMs = o.resolvedOpenTimeMs + timeframeMs(s.timeframe as Parameters<typeof timeframeMs>[0]);
      const dir = s.side === 'long' ? 1 : -1;
      const rateSum = fundingBetween(options.funding?.get(s.symbol), s.closeTimeMs, resolvedCloseTimeMs);
      const fundingPct = rateSum === 0 ? 0 : dir * rateSum;
      records.push({
        signal: s,
        features: src.reader.rowAt(lo),
        hit: o.outcome === 'tp' ? 1 : 0,
        outcome: o.outcome,
        tpPct: Math.abs(s.levels.takeProfit - entry) / entry,
        slPct: Math.abs(entry - s.levels.stop) / entry,
        grossReturnPct: o.returnPct,
        fundingPct,
        netReturnPct: o.returnPct - options.roundTripFee - fundingPct,
        resolvedCloseTimeMs,
      });
    }
    for (const s of cycle.signals) emitted.set(s.id, s);
  });
  return records;
}
