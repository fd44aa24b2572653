import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Candle, Timeframe } from '@perpscope/shared';
import { dataDir, requireData } from '../../../test/support/testData.js';
import { BUILTIN_STRATEGY_IDS } from '../../src/strategies/index.js';
import { candlesToColumns } from '../../src/features/columns.js';
import { createSignalEngine } from '../../src/signals/engine.js';
import { replaySignals, type SeriesData } from '../../src/signals/replay.js';
import type { Signal } from '../../src/signals/types.js';

const SUB = 'binance-usdm-2025-10';
const hasData = requireData(SUB);
const dir = dataDir(SUB);

/** `time,open,high,low,close,volume` with UTC `YYYY-MM-DD HH:MM:SS`; the last row is unfinished and dropped. */
function readCsv(path: string): Candle[] {
  const lines = readFileSync(path, 'utf8').trim().split('\n').slice(1, -1);
  return lines.map((line) => {
    const [time, open, high, low, close, volume] = line.split(',');
    return {
      openTimeMs: Date.parse(`${time!.replace(' ', 'T')}Z`),
      open: Number(open),
      high: Number(high),
      low: Number(low),
      close: Number(close),
      volume: Number(volume),
    };
  });
}

/** True when some number inside `value` is NaN or infinite; allocation-free on the happy path. */
function hasNonFinite(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (Array.isArray(value)) return value.some(hasNonFinite);
  if (value && typeof value === 'object') {
    for (const k in value) if (hasNonFinite((value as Record<string, unknown>)[k])) return true;
  }
  return false;
}

/** Paths (like `components[0].score`) of every number in `value` that is NaN or infinite. */
function nonFinitePaths(value: unknown, path = ''): string[] {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => nonFinitePaths(v, `${path}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => nonFinitePaths(v, path ? `${path}.${k}` : k));
  return [];
}

function count(into: Record<string, number>, key: string): void {
  into[key] = (into[key] ?? 0) + 1;
}

describe.skipIf(!hasData)(`signal engine on real data (${SUB})`, () => {
  it('runs over every symbol at 1h and 15m: finite, well-formed signals from every strategy, normalised bandit weights', () => {
    const files = readdirSync(dir!).filter((f) => /_(1h|15m)\.csv$/.test(f)).sort();
    const series: SeriesData[] = files.map((f) => {
      const [, symbol, tf] = /^(.+)_(1h|15m)\.csv$/.exec(f)!;
      return { symbol: symbol!, timeframe: tf as Timeframe, candles: candlesToColumns(readCsv(join(dir!, f)), f) };
    });
    const symbols = new Set(series.map((s) => s.symbol));
    expect(symbols.size, 'the set holds all 521 symbols').toBe(521);

    const engine = createSignalEngine({ regime: { anchorSymbol: 'BTCUSDT', anchorTimeframe: '1h' } });
    const bad: string[] = [];
    let candidates = 0;
    const regimes: Record<string, number> = {};
    const t0 = performance.now();
    const result = replaySignals(engine, series, (cycle) => {
      candidates += cycle.candidates.length;
      if (cycle.regime) count(regimes, cycle.regime.kind);
      for (const s of cycle.candidates) {
        if (hasNonFinite(s)) for (const p of nonFinitePaths(s)) bad.push(`${s.symbol} ${s.timeframe} ${s.openTimeMs}: ${p}`);
      }
      for (const o of cycle.matured) if (hasNonFinite(o)) for (const p of nonFinitePaths(o)) bad.push(`label ${o.signalId}: ${p}`);
    });
    const elapsedMs = performance.now() - t0;
    expect(bad.slice(0, 10), 'no NaN or Infinity reaches a signal or label field').toEqual([]);
    expect(result.signals.length, 'a month of 521 symbols produces signals').toBeGreaterThan(0);
    expect(nonFinitePaths(engine.snapshot()), 'the persisted state is finite too').toEqual([]);

    const bySide: Record<string, number> = {};
    const byStrategy: Record<string, number> = {};
    const byRegime: Record<string, number> = {};
    const byTimeframe: Record<string, number> = {};
    for (const s of result.signals as Signal[]) {
      count(bySide, s.side);
      count(byRegime, String(s.regime));
      count(byTimeframe, s.timeframe);
      for (const c of s.components) count(byStrategy, c.id);
    }
    const weights = Object.fromEntries([...engine.weights()].map(([k, v]) => [k, Number(v.toFixed(3))]));
    const signals = result.signals as Signal[];

    // Each signal is well formed: positive score, a probability, levels on the right sides of the
    // entry, and the expected value the probability and levels imply after the round-trip fee (no
    // funding is supplied here).
    const malformed: string[] = [];
    for (const s of signals) {
      const { entry, stop, takeProfit } = s.levels;
      const dir = s.side === 'long' ? 1 : -1;
      const tp = Math.abs(takeProfit - entry);
      const sl = Math.abs(entry - stop);
      const ev = (s.probability * tp - (1 - s.probability) * sl) / entry - engine.config.blend.roundTripFeeBps / 10_000;
      const why = [
        !(s.score > 0) && `score ${s.score}`,
        !(s.probability > 0 && s.probability < 1) && `probability ${s.probability}`,
        !(dir * (takeProfit - entry) > 0 && dir * (entry - stop) > 0 && stop > 0) && `levels ${stop}/${entry}/${takeProfit} for ${s.side}`,
        !(Math.abs(s.expectedValue - ev) <= 1e-9 * Math.max(1, Math.abs(ev))) && `expectedValue ${s.expectedValue}, levels imply ${ev}`,
        s.components.length === 0 && 'no component',
        s.components.some((c) => c.side !== s.side || !(BUILTIN_STRATEGY_IDS as readonly string[]).includes(c.id)) && 'a component of another side or an unknown strategy',
      ].filter(Boolean);
      if (why.length > 0) malformed.push(`${s.symbol} ${s.timeframe} ${s.openTimeMs}: ${why.join(', ')}`);
    }
    expect(malformed.slice(0, 10), 'every signal is well formed').toEqual([]);
    expect(result.signals.length, 'selection keeps a subset of the candidates').toBeLessThanOrEqual(candidates);
    expect(result.matured, 'labels matured over the month').toBeGreaterThan(result.signals.length);

    // Distribution: a month of 521 symbols in up, down and sideways phases gives both sides and
    // both timeframes, and every strategy takes part.
    for (const side of ['long', 'short']) expect(bySide[side] ?? 0, `${side} share of ${signals.length} signals`).toBeGreaterThan(signals.length * 0.3);
    for (const tf of ['1h', '15m']) expect(byTimeframe[tf] ?? 0, `${tf} share of ${signals.length} signals`).toBeGreaterThan(signals.length * 0.3);
    for (const id of BUILTIN_STRATEGY_IDS) expect(byStrategy[id] ?? 0, `signals with ${id} agreeing`).toBeGreaterThan(signals.length * 0.05);
    const regimeCycles = Object.values(regimes).reduce((a, b) => a + b, 0);
    expect(regimeCycles, 'the BTC regime is known in most cycles').toBeGreaterThan(result.cycles * 0.9);

    // Bandit: blend weights are K x a probability distribution over the strategies (so they sum to
    // K, each > 0), and a month of outcomes moved them off uniform.
    const blend = engine.weights();
    const k = BUILTIN_STRATEGY_IDS.length;
    expect([...blend.keys()].sort(), 'one weight per strategy').toEqual([...BUILTIN_STRATEGY_IDS].sort());
    const probs = [...blend.values()].map((w) => w / k);
    expect(probs.every((p) => p > 0 && p < 1), `bandit probabilities ${JSON.stringify(probs)}`).toBe(true);
    expect(Math.abs(probs.reduce((a, b) => a + b, 0) - 1), 'bandit probabilities sum to 1').toBeLessThan(1e-12 * k);
    expect(Math.max(...probs) - Math.min(...probs), 'the bandit learned from the matured labels').toBeGreaterThan(0.01);

    // The figures, for reading a run; every claim above is asserted.
    console.log(
      [
        `real-data signal run: ${series.length} series, ${result.cycles} cycles in ${elapsedMs.toFixed(0)} ms`,
        `candidates ${candidates}, selected ${result.signals.length}, matured labels ${result.matured}`,
        `selected by side ${JSON.stringify(bySide)} by timeframe ${JSON.stringify(byTimeframe)}`,
        `selected by strategy ${JSON.stringify(byStrategy)}`,
        `selected by regime ${JSON.stringify(byRegime)}; cycles by regime ${JSON.stringify(regimes)}`,
        `bandit weights ${JSON.stringify(weights)}`,
      ].join('\n'),
    );
  });
});
