import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Candle, Timeframe } from '@perpscope/shared';
import { dataDir, skipReason } from '../../../test/support/testData.js';
import { candlesToColumns } from '../../src/features/columns.js';
import { createSignalEngine } from '../../src/signals/engine.js';
import { replaySignals, type SeriesData } from '../../src/signals/replay.js';
import type { Signal } from '../../src/signals/types.js';

const SUB = 'binance-usdm-2025-10';
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

describe.skipIf(!dir)(`signal engine on real data (${SUB})`, () => {
  it('runs over every symbol at 1h and 15m with only finite numbers in every signal', () => {
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

describe.skipIf(dir)('signal engine on real data', () => {
  it.skip(skipReason(SUB), () => {});
});
