import { describe, expect, it } from 'vitest';
import { timeframeMs } from '@perpscope/shared';
import { computeFeatures } from '../../src/features/batch.js';
import { sliceColumns } from '../../src/features/columns.js';
import { resolveFeatureParams } from '../../src/features/params.js';
import { FEATURE_NAMES } from '../../src/features/types.js';
import { createSignalEngine, replaySignals, type SeriesData, type Signal, type SignalEngineSnapshot } from '../../src/signals/index.js';
import { BASELINE_ANCHOR, baselineDataset, rng } from './baseline/dataset.js';

const config = { regime: { anchorSymbol: BASELINE_ANCHOR, anchorTimeframe: '1h' }, blend: { minScore: 1 } };

/** Every series cut to the bars that closed at or before `cutMs`. */
function truncate(series: readonly SeriesData[], cutMs: number): SeriesData[] {
  return series.map((s) => {
    const tf = timeframeMs(s.timeframe);
    let n = 0;
    while (n < s.candles.openTimeMs.length && s.candles.openTimeMs[n]! + tf <= cutMs) n++;
    return { ...s, candles: sliceColumns(s.candles, n) };
  });
}

function run(series: readonly SeriesData[], snapshotsAt: ReadonlySet<number> = new Set()) {
  const engine = createSignalEngine(config);
  const candidates: Signal[] = [];
  const snapshots = new Map<number, SignalEngineSnapshot>();
  const { signals } = replaySignals(engine, series, (cycle) => {
    candidates.push(...cycle.candidates);
    if (snapshotsAt.has(cycle.closeTimeMs)) snapshots.set(cycle.closeTimeMs, engine.snapshot());
  });
  return { signals, candidates, snapshots, final: engine.snapshot() };
}

describe('no look-ahead', () => {
  it('signals, candidates and learned state up to T are the same whether the data stops at T or runs on', () => {
    let checked = 0;
    for (const seed of [7, 11, 23]) {
      const data = baselineDataset(5, 240, ['15m', '1h'], seed);
      const lastClose = Math.max(...data.map((s) => s.candles.openTimeMs[s.candles.openTimeMs.length - 1]! + timeframeMs(s.timeframe)));
      const firstClose = Math.min(...data.map((s) => s.candles.openTimeMs[0]! + timeframeMs(s.timeframe)));
      const r = rng(seed);
      // Cut points on the 15m grid, spread over the whole span (warm-up included).
      const cuts = Array.from({ length: 10 }, () => firstClose + Math.floor(r() * ((lastClose - firstClose) / 900_000)) * 900_000);
      const full = run(data, new Set(cuts));
      expect(full.signals.length, `seed ${seed} produces signals`).toBeGreaterThan(0);
      for (const cut of cuts) {
        const part = run(truncate(data, cut));
        const upTo = (xs: Signal[]) => xs.filter((s) => s.closeTimeMs <= cut);
        expect(part.signals, `seed ${seed}, cut ${new Date(cut).toISOString()}: selected signals`).toEqual(upTo(full.signals));
        expect(part.candidates, `seed ${seed}, cut ${new Date(cut).toISOString()}: candidates`).toEqual(upTo(full.candidates));
        if (full.snapshots.has(cut)) expect(part.final, 'engine state at the cut').toEqual(full.snapshots.get(cut));
        checked++;
      }
    }
    expect(checked).toBe(30);
  });

  it('every feature of every bar is the same with the series cut right after it', () => {
    const p = resolveFeatureParams();
    const leaks: string[] = [];
    for (const seed of [3, 5]) {
      for (const s of baselineDataset(2, 160, ['1h'], seed)) {
        const full = computeFeatures(s.candles, p);
        for (let t = 0; t < s.candles.close.length; t++) {
          const cut = computeFeatures(sliceColumns(s.candles, t + 1), p);
          for (const name of FEATURE_NAMES) {
            if (!Object.is(cut[name][t], full[name][t])) leaks.push(`${s.symbol} bar ${t} ${name}: ${cut[name][t]} vs ${full[name][t]}`);
          }
        }
      }
    }
    expect(leaks.slice(0, 5), 'no feature reads a later bar').toEqual([]);
  });
});
