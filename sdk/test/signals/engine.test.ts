import { describe, expect, it } from 'vitest';
import { sliceColumns } from '../../src/features/columns.js';
import {
  createSignalEngine,
  evaluateCold,
  IncrementalSignalEvaluator,
  parseSignalEngineSnapshot,
  replaySignals,
  signalId,
  type ClosedBar,
  type Signal,
  type SignalEngineConfigInput,
} from '../../src/signals/index.js';
import { InvalidInputError } from '../../src/core/errors.js';
import { DEFAULT_EDGE_EVIDENCE } from '../../src/signals/edgeEvidence.js';
import { BASELINE_ANCHOR, baselineDataset } from './baseline/dataset.js';
import { barBatches, candleAt } from './barBatches.js';

const config: SignalEngineConfigInput = { regime: { anchorSymbol: BASELINE_ANCHOR, anchorTimeframe: '1h' } };
const data = baselineDataset(6, 300);


function summary(s: Signal): string {
  return `${s.id} ${s.symbol} ${s.timeframe} ${s.side} ${s.components.map((c) => c.id).join('+')}`;
}

describe('SignalEngine', () => {
  it('the incremental path gives the signals of the batch replay', () => {
    const replayed = replaySignals(createSignalEngine(config), data).signals;
    const live = new IncrementalSignalEvaluator(createSignalEngine(config));
    const incremental = barBatches(data).flatMap((b) => live.onBarsClosed(b.bars).cycles.flatMap((c) => c.signals));
    expect(replayed.length, 'the dataset produces signals').toBeGreaterThan(20);
    expect(incremental.map(summary)).toEqual(replayed.map(summary));
    const worst = Math.max(...incremental.map((s, i) => Math.abs(s.score - replayed[i]!.score) / Math.max(1, s.score)));
    expect(worst, 'scores agree to 1e-9').toBeLessThanOrEqual(1e-9);
  });

  it('save and restore mid-run continues exactly like an uninterrupted run', () => {
    const batches = barBatches(data);
    const whole = new IncrementalSignalEvaluator(createSignalEngine(config));
    const all = batches.map((b) => whole.onBarsClosed(b.bars).cycles.flatMap((c) => c.signals));
    const cut = Math.floor(batches.length * 0.6);

    const first = new IncrementalSignalEvaluator(createSignalEngine(config));
    for (const b of batches.slice(0, cut)) first.onBarsClosed(b.bars);
    const saved = JSON.stringify(first.engine.snapshot());
    expect(first.engine.snapshot().bandit.updates, 'the bandit learned something before the cut').toBeGreaterThan(0);

    const resumed = new IncrementalSignalEvaluator(createSignalEngine(config, { snapshot: parseSignalEngineSnapshot(JSON.parse(saved)) }));
    for (const b of batches.slice(0, cut)) for (const bar of b.bars) resumed.seed(bar.symbol, bar.timeframe, [bar.candle]);
    const after = batches.slice(cut).map((b) => resumed.onBarsClosed(b.bars).cycles.flatMap((c) => c.signals));
    expect(after.flat().map(summary)).toEqual(all.slice(cut).flat().map(summary));
    expect(resumed.engine.snapshot()).toEqual(whole.engine.snapshot());
  });

  it('cold evaluation with batch kernels equals the seeded trackers', () => {
    const cut = data.map((s) => ({ ...s, candles: sliceColumns(s.candles, 250) }));
    const cold = evaluateCold(createSignalEngine(config), cut);
    const live = new IncrementalSignalEvaluator(createSignalEngine(config));
    for (const s of cut) live.seed(s.symbol, s.timeframe, Array.from({ length: 250 }, (_, i) => candleAt(s.candles, i)));
    const latest = live.evaluateLatest();
    expect(latest.candidates.map(summary)).toEqual(cold.candidates.map(summary));
    expect(latest.closeTimeMs).toBe(cold.closeTimeMs);
  });

  it('minimum agreeing components gates candidates', () => {
    const two = replaySignals(createSignalEngine({ ...config, blend: { minComponents: 2 } }), data).signals;
    expect(two.length, 'some bars have two strategies agreeing').toBeGreaterThan(0);
    expect(two.every((s) => s.components.length >= 2)).toBe(true);
  });

  it('uses the calibration for probabilities when given', () => {
    const calibration = { bias: -0.5, coef: { score: 0.3 } };
    const signals = replaySignals(createSignalEngine({ ...config, calibration }), data).signals;
    for (const s of signals.slice(0, 20)) {
      expect(s.probability).toBeCloseTo(1 / (1 + Math.exp(-(-0.5 + 0.3 * s.score))), 12);
    }
  });

  it('carries each agreeing strategy’s out-of-sample record from the edge evidence, for its timeframe and regime', () => {
    const signals = replaySignals(createSignalEngine(config), data).signals;
    const oneHour = signals.filter((s) => s.timeframe === '1h');
    expect(oneHour.length, 'the baseline data has 1h signals').toBeGreaterThan(0);
    for (const s of oneHour) {
      expect(s.evidence.map((e) => e.strategy), 'one record per agreeing strategy the shipped file measured').toEqual(s.components.map((c) => c.id).filter((id) => DEFAULT_EDGE_EVIDENCE.cells.some((c) => c.strategy === id)));
      for (const e of s.evidence) {
        const cell = DEFAULT_EDGE_EVIDENCE.cells.find((c) => c.strategy === e.strategy && c.regime === e.regime)!;
        expect(cell, 'the record is a cell of the file').toBeDefined();
        expect(e).toMatchObject({ signals: cell.signals, meanNetPct: cell.meanNetPct, evidenceId: DEFAULT_EDGE_EVIDENCE.id });
        if (e.regime !== null) expect(e.regime).toBe(s.regime ?? 'none');
      }
    }
    expect(oneHour.some((s) => s.evidence.length > 0), 'some carry a record').toBe(true);
    expect(replaySignals(createSignalEngine({ ...config, edgeEvidence: null }), data).signals.every((s) => s.evidence.length === 0), 'no evidence loaded: none carried').toBe(true);
  });

  it('deterministic ids: same inputs same id, any change a different id', () => {
    const id = signalId('A', '1h', 1000, 'long', ['breakout', 'ema-cross']);
    expect(signalId('A', '1h', 1000, 'long', ['breakout', 'ema-cross'])).toBe(id);
    expect(signalId('A', '1h', 1000, 'short', ['breakout', 'ema-cross'])).not.toBe(id);
    expect(signalId('A', '1h', 1000, 'long', ['breakout'])).not.toBe(id);
    expect(signalId('A', '15m', 1000, 'long', ['breakout', 'ema-cross'])).not.toBe(id);
    expect(signalId('A', '1h', 2000, 'long', ['breakout', 'ema-cross'])).not.toBe(id);
  });

  it('rejects time going backwards and bad configuration, naming the field', () => {
    const engine = createSignalEngine(config);
    engine.runCycle(10_000, []);
    expect(() => engine.runCycle(5_000, [])).toThrow(InvalidInputError);
    expect(() => createSignalEngine({ strategies: { nope: { enabled: true } } })).toThrow(/strategies\.nope/);
    expect(() => createSignalEngine({ blend: { minComponents: 0 } })).toThrow(/blend\.minComponents/);
    expect(() => createSignalEngine({ strategies: { breakout: { params: { volumeBurstMin: -1 } } } })).toThrow(/breakout\.volumeBurstMin/);
    expect(() => parseSignalEngineSnapshot({ version: 2 })).toThrow(/version/);
  });

  it('a disabled strategy never appears in a signal', () => {
    const signals = replaySignals(createSignalEngine({ ...config, strategies: { 'donchian-atr': { enabled: false } } }), data).signals;
    expect(signals.some((s) => s.components.some((c) => c.id === 'donchian-atr'))).toBe(false);
  });

  it('bars in any arrival order, with series joining and leaving mid-run, give the same cycles', () => {
    // The evaluator hands the engine each cycle's bars in series order by rank (rebuilt when a
    // series joins or leaves); arrival order must never show in any output.
    const batches = barBatches(data);
    const late = data[data.length - 1]!;
    const run = (arrange: (bars: readonly ClosedBar[], k: number) => ClosedBar[]) => {
      const live = new IncrementalSignalEvaluator(createSignalEngine(config));
      return batches.map((b, k) => {
        if (k === 40) live.drop(late.symbol, '1h');
        // One series joins a third of the way in, the other a cycle in which it is missing.
        const bars = b.bars.filter((x) => !(x.symbol === late.symbol && (k < batches.length / 3 || (k === 40 && x.timeframe === '1h'))));
        return live.onBarsClosed(arrange(bars, k));
      });
    };
    const inOrder = run((bars) => [...bars].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : a.timeframe < b.timeframe ? -1 : 1)));
    const reversed = run((bars) => [...bars].reverse());
    const rotated = run((bars, k) => [...bars.slice(k % Math.max(1, bars.length)), ...bars.slice(0, k % Math.max(1, bars.length))]);
    expect(inOrder.flatMap((r) => r.cycles).reduce((n, c) => n + c.labeled.length, 0), 'the run blends signals').toBeGreaterThan(50);
    expect(reversed).toEqual(inOrder);
    expect(rotated).toEqual(inOrder);
  });

  it('a bad bar is refused and listed, its series keeps its state, the other bars go on', () => {
    const live = new IncrementalSignalEvaluator(createSignalEngine(config));
    const [first, second] = barBatches(data);
    live.onBarsClosed(first!.bars);
    const good = second!.bars.slice(1);
    const bad = second!.bars[0]!;
    const before = live.tracker(bad.symbol, bad.timeframe)!.barCount;
    const result = live.onBarsClosed([
      { ...bad, candle: { ...bad.candle, volume: -5 } },
      { ...good[0]!, timeframe: '7m' as never },
      ...good,
    ]);
    expect(result.rejected.map((r) => `${r.symbol} ${r.timeframe} ${r.error.issues[0]!.path}`)).toEqual([
      `${bad.symbol} ${bad.timeframe} candle.volume`,
      `${good[0]!.symbol} 7m timeframe`,
    ]);
    expect(live.tracker(bad.symbol, bad.timeframe)!.barCount, 'the refused bar left no trace').toBe(before);
    expect(result.cycles).toHaveLength(1);
    expect(live.onBarsClosed([bad]).rejected, 'the good version of the bar is taken afterwards').toEqual([]);
    const reseeded = live.seed(bad.symbol, bad.timeframe, [{ ...bad.candle, openTimeMs: bad.candle.openTimeMs + 1 }, { ...bad.candle, openTimeMs: bad.candle.openTimeMs + 2, close: Number.NaN }]);
    expect(reseeded.map((r) => r.error.issues[0]!.path), 'seeding skips the bad candle and reports it').toEqual(['candle.close']);
    expect(live.drop(bad.symbol, bad.timeframe), 'a delisted series can be dropped').toBe(true);
    expect(live.tracker(bad.symbol, bad.timeframe)).toBeUndefined();
  });
});
