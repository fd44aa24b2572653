/**
 * The warm start from the batch kernels (`IncrementalSignalEvaluator.seed`, `FeatureTracker.seed`)
 * against the bar-by-bar replay it replaces (`seedByReplay`, `FeatureTracker.warmUp`): the same
 * candles seeded both ways, then the next bars fed to both, must give `Object.is`-equal tracker
 * rows, feature values, candidates and signals at every step. The tracker's per-bar indicator values
 * are also checked against the streaming indicator classes it used to hold, fed the same bars.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Candle, Timeframe } from '@perpscope/shared';
import { FEATURE_NAMES, FeatureTracker, resolveFeatureParams, type FeatureRow, type OhlcvColumns } from '../../src/features/index.js';
import { ADX, ATR, Donchian, EMA, RealizedVol, RSI, Supertrend } from '../../src/indicators/index.js';
import { createSignalEngine, IncrementalSignalEvaluator, type ClosedBar, type SignalCycle } from '../../src/signals/index.js';
import { dataDir, requireData } from '../../../test/support/testData.js';
import { randomWalkCandles } from './baseline/dataset.js';

const HOUR = 3_600_000;
const params = resolveFeatureParams();

function candlesOf(c: OhlcvColumns): Candle[] {
  return Array.from(c.close, (_, i) => ({ openTimeMs: c.openTimeMs[i]!, open: c.open[i]!, high: c.high[i]!, low: c.low[i]!, close: c.close[i]!, volume: c.volume[i]! }));
}

/** Every difference between two values, compared leaf by leaf with `Object.is` (so NaN equals NaN, 0 and -0 differ). */
function differences(a: unknown, b: unknown, path = '', out: string[] = []): string[] {
  if (out.length >= 10) return out;
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) {
    if (!Object.is(a, b)) out.push(`${path || '.'}: ${String(a)} vs ${String(b)}`);
    return out;
  }
  if (Array.isArray(a) !== Array.isArray(b)) {
    out.push(`${path}: array vs object`);
    return out;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`, out);
  return out;
}

function rowOf(row: FeatureRow | null): Record<string, number> | null {
  if (!row) return null;
  return Object.fromEntries(FEATURE_NAMES.map((n) => [n, row[n]]));
}

/** Seeds two trackers (batch warm start and replay), then feeds `next` to both, comparing after each bar. */
function compareTrackers(history: Candle[], next: Candle[], label: string): void {
  const batch = new FeatureTracker(params);
  const replay = new FeatureTracker(params);
  const rb = batch.seed(history);
  const rr = replay.warmUp(history);
  expect(
    rb.map((r) => [r.index, r.error.message]),
    `${label}: the same candles refused with the same errors`,
  ).toEqual(rr.map((r) => [r.index, r.error.message]));
  const check = (step: string) => {
    expect(batch.barCount, `${label} ${step}: bar count`).toBe(replay.barCount);
    expect(batch.lastBarOpenTimeMs, `${label} ${step}: last open time`).toBe(replay.lastBarOpenTimeMs);
    expect(differences(rowOf(batch.last), rowOf(replay.last)), `${label} ${step}: last row`).toEqual([]);
    expect(differences(rowOf(batch.beforeLast), rowOf(replay.beforeLast)), `${label} ${step}: row before last`).toEqual([]);
  };
  check('after seeding');
  next.forEach((c, k) => {
    const a = batch.update(c);
    const b = replay.update(c);
    expect(differences(rowOf(a), rowOf(b)), `${label}: row of next bar ${k}`).toEqual([]);
    check(`next bar ${k}`);
  });
}

describe('FeatureTracker.seed against the bar-by-bar warm-up', () => {
  it.each([1, 2, 3, 5, 15, 27, 28, 29, 60, 500, 1030, 2100])('%i bars of history, then 50 more', (bars) => {
    const all = candlesOf(randomWalkCandles(bars * 7 + 3, bars + 50, 0, HOUR));
    compareTrackers(all.slice(0, bars), all.slice(bars), `${bars} bars`);
  });

  it('skips bad candles exactly as the replay does, wherever they fall', () => {
    const all = candlesOf(randomWalkCandles(99, 350, 0, HOUR));
    const history = all.slice(0, 300);
    history[10] = { ...history[10]!, close: Number.NaN };
    history[120] = { ...history[119]! };
    history[200] = { ...history[200]!, low: history[200]!.high * 2 };
    history[298] = { ...history[298]!, volume: -1 };
    compareTrackers(history, all.slice(300), 'bad candles mid-history and in the last two');
    const lastBad = all.slice(0, 300);
    lastBad[299] = { ...lastBad[299]!, open: 0 };
    compareTrackers(lastBad, all.slice(300), 'bad last candle');
  });

  it('falls back to the replay on a tracker that already holds bars', () => {
    const all = candlesOf(randomWalkCandles(5, 400, 0, HOUR));
    const a = new FeatureTracker(params);
    const b = new FeatureTracker(params);
    a.seed(all.slice(0, 100));
    b.warmUp(all.slice(0, 100));
    a.seed(all.slice(100, 300));
    b.warmUp(all.slice(100, 300));
    for (const c of all.slice(300)) expect(differences(rowOf(a.update(c)), rowOf(b.update(c))), 'rows after a second seed').toEqual([]);
  });

  it('refuses parameters that skipped validation, naming each bad field', () => {
    expect(() => new FeatureTracker({ ...params, emaFastPeriod: 0, supertrendMultiplier: -1, realizedVolLongPeriod: 1.5 })).toThrow(
      /emaFastPeriod: got 0[\s\S]*supertrendMultiplier: got -1[\s\S]*realizedVolLongPeriod: got 1\.5/,
    );
  });

  it('with non-default periods', () => {
    const p = resolveFeatureParams({ emaFastPeriod: 5, emaSlowPeriod: 9, atrPeriod: 1, adxPeriod: 3, rsiPeriod: 2, supertrendPeriod: 1, donchianPeriod: 3, realizedVolShortPeriod: 2, realizedVolLongPeriod: 4 });
    const all = candlesOf(randomWalkCandles(17, 260, 0, HOUR));
    const batch = new FeatureTracker(p);
    const replay = new FeatureTracker(p);
    batch.seed(all.slice(0, 200));
    replay.warmUp(all.slice(0, 200));
    for (const c of all.slice(200)) expect(differences(rowOf(batch.update(c)), rowOf(replay.update(c))), 'rows with short periods').toEqual([]);
  });
});

describe('the tracker against the streaming indicator classes', () => {
  it('every indicator value at every bar, bit for bit (2,100 bars: re-anchoring included)', () => {
    const candles = candlesOf(randomWalkCandles(2024, 2100, 0, HOUR));
    const tracker = new FeatureTracker(params);
    const emaFast = new EMA(params.emaFastPeriod);
    const emaSlow = new EMA(params.emaSlowPeriod);
    const atr = new ATR(params.atrPeriod);
    const adx = new ADX(params.adxPeriod);
    const rsi = new RSI(params.rsiPeriod);
    const st = new Supertrend(params.supertrendPeriod, params.supertrendMultiplier);
    const dc = new Donchian(params.donchianPeriod);
    const rvShort = new RealizedVol(params.realizedVolShortPeriod);
    const rvLong = new RealizedVol(params.realizedVolLongPeriod);
    const nan = Number.NaN;
    candles.forEach((c, i) => {
      const row = tracker.update(c);
      for (const ind of [emaFast, emaSlow, rsi, rvShort, rvLong]) ind.add(c.close);
      for (const ind of [atr, adx, st, dc]) ind.add(c);
      const d = adx.getResult();
      const s = st.getResult();
      const ch = dc.getResult();
      const expected = {
        emaFast: emaFast.getResult() ?? nan,
        emaSlow: emaSlow.getResult() ?? nan,
        atr: atr.getResult() ?? nan,
        adx: d ? d.adx : nan,
        plusDi: d ? d.plusDi : nan,
        minusDi: d ? d.minusDi : nan,
        rsi: rsi.getResult() ?? nan,
        supertrend: s ? s.value : nan,
        supertrendDir: s ? s.direction : nan,
        donchianUpper: ch ? ch.upper : nan,
        donchianLower: ch ? ch.lower : nan,
        realizedVolShort: rvShort.getResult() ?? nan,
        realizedVolLong: rvLong.getResult() ?? nan,
      };
      const actual = Object.fromEntries(Object.keys(expected).map((k) => [k, row[k as keyof typeof expected]]));
      expect(differences(actual, expected), `bar ${i}`).toEqual([]);
    });
  });
});

const SUB = 'binance-usdm-2024-10-2025-03';
const hasData = requireData(SUB);

/** Reads `<symbol>_<tf>.csv` (time,open,high,low,close,volume; UTC times). */
function readCsv(dir: string, symbol: string, tf: Timeframe): Candle[] {
  const lines = readFileSync(join(dir, `${symbol}_${tf}.csv`), 'utf8').trim().split('\n').slice(1);
  return lines.map((line) => {
    const [time, open, high, low, close, volume] = line.split(',');
    return { openTimeMs: Date.parse(`${time!.replace(' ', 'T')}Z`), open: Number(open), high: Number(high), low: Number(low), close: Number(close), volume: Number(volume) };
  });
}

describe.skipIf(!hasData)('IncrementalSignalEvaluator.seed on recorded Binance USD-M candles', () => {
  it('10 symbols x 1h and 5 x 15m: seeded both ways, then 50 bars, every row, cycle and signal identical', () => {
    const dir = dataDir(SUB)!;
    const hourly = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'DOGEUSDT', 'OMUSDT', 'ADAUSDT', 'AAVEUSDT', 'AVAXUSDT', 'BCHUSDT', 'ARBUSDT'];
    const quarter = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'DOGEUSDT', 'OMUSDT'];
    const series = [
      ...hourly.map((s) => ({ symbol: `${s.replace('USDT', '')}/USDT:USDT`, timeframe: '1h' as Timeframe, candles: readCsv(dir, s, '1h') })),
      ...quarter.map((s) => ({ symbol: `${s.replace('USDT', '')}/USDT:USDT`, timeframe: '15m' as Timeframe, candles: readCsv(dir, s, '15m') })),
    ];
    const HISTORY = 1500;
    const NEXT = 50;
    const config = { regime: { anchorSymbol: 'BTC/USDT:USDT', anchorTimeframe: '1h' as const } };
    const batch = new IncrementalSignalEvaluator(createSignalEngine(config));
    const replay = new IncrementalSignalEvaluator(createSignalEngine(config));
    for (const s of series) {
      expect(s.candles.length, `${s.symbol} ${s.timeframe} has enough bars`).toBeGreaterThan(HISTORY + NEXT);
      const history = s.candles.slice(0, HISTORY);
      expect(differences(batch.seed(s.symbol, s.timeframe, history), replay.seedByReplay(s.symbol, s.timeframe, history)), `${s.symbol} ${s.timeframe} refused bars`).toEqual([]);
    }
    const compareSeries = (step: string) => {
      for (const s of series) {
        const a = batch.tracker(s.symbol, s.timeframe)!;
        const b = replay.tracker(s.symbol, s.timeframe)!;
        expect(differences(rowOf(a.last), rowOf(b.last)), `${s.symbol} ${s.timeframe} ${step}: last row`).toEqual([]);
        expect(differences(rowOf(a.beforeLast), rowOf(b.beforeLast)), `${s.symbol} ${s.timeframe} ${step}: row before last`).toEqual([]);
      }
    };
    const compareCycles = (a: SignalCycle[], b: SignalCycle[], step: string) => {
      expect(differences(a, b), `${step}: cycles, candidates and signals`).toEqual([]);
    };
    compareSeries('after seeding');
    compareCycles([batch.evaluateLatest()], [replay.evaluateLatest()], 'cold evaluation');

    let signals = 0;
    let candidates = 0;
    for (let k = 0; k < NEXT; k++) {
      const bars: ClosedBar[] = series.map((s) => ({ symbol: s.symbol, timeframe: s.timeframe, candle: s.candles[HISTORY + k]! }));
      const a = batch.onBarsClosed(bars);
      const b = replay.onBarsClosed(bars);
      expect(a.rejected.length + b.rejected.length, `step ${k}: no bar refused`).toBe(0);
      compareCycles(a.cycles, b.cycles, `step ${k}`);
      compareSeries(`step ${k}`);
      for (const c of a.cycles) {
        signals += c.signals.length;
        candidates += c.candidates.length;
      }
    }
    expect(candidates, 'the comparison saw candidates, so it compared more than empty cycles').toBeGreaterThan(0);
    expect(signals, 'selected signals counted (may be zero on quiet stretches)').toBeGreaterThanOrEqual(0);
  });
});
