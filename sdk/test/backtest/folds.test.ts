import { describe, expect, it } from 'vitest';
import type { Candle } from '@perpscope/shared';
import { InvalidInputError } from '../../src/core/errors.js';
import { backtestDataFrom } from '../../src/backtest/data.js';
import { makeFolds, parseWindowLength, windowBars } from '../../src/backtest/folds.js';
import { sliceBacktestData } from '../../src/backtest/sliceData.js';
import { thrownError } from '../thrownError.js';

const H = 3_600_000;
const D = 24 * H;
const T0 = Date.UTC(2025, 0, 1);


describe('makeFolds', () => {
  it('rolling: train windows slide by the test length, test windows follow each other', () => {
    const folds = makeFolds({ startMs: T0, endMs: T0 + 100 * D, barMs: H, train: { days: 40 }, test: { days: 20 } });
    expect(folds.map((f) => [(f.trainStartMs - T0) / D, (f.trainEndMs - T0) / D, (f.testStartMs - T0) / D, (f.testEndMs - T0) / D])).toEqual([
      [0, 40, 40, 60],
      [20, 60, 60, 80],
      [40, 80, 80, 100],
    ]);
  });

  it('anchored: every train window starts at the period start', () => {
    const folds = makeFolds({ startMs: T0, endMs: T0 + 100 * D, barMs: H, train: { days: 40 }, test: { days: 20 }, anchored: true });
    expect(folds.map((f) => f.trainStartMs)).toEqual([T0, T0, T0]);
    expect(folds.map((f) => (f.trainEndMs - T0) / D)).toEqual([40, 60, 80]);
  });

  it('an embargo separates train end and test start; fewer folds keep the most recent', () => {
    const folds = makeFolds({ startMs: T0, endMs: T0 + 100 * D, barMs: H, train: { days: 30 }, test: { days: 20 }, embargo: { days: 2 }, folds: 2 });
    expect(folds).toHaveLength(2);
    for (const f of folds) expect(f.testStartMs - f.trainEndMs, 'the embargo').toBe(2 * D);
    expect(folds[1]!.testEndMs, 'the last test window ends with the period').toBe(T0 + 100 * D);
    expect(folds[0]!.trainStartMs, 'the unused days are at the start').toBe(T0 + 28 * D);
    expect(folds[0]!.testEndMs).toBe(folds[1]!.testStartMs);
  });

  it('bars and hours count in bars of the timeframe', () => {
    expect(windowBars({ bars: 10 }, H)).toBe(10);
    expect(windowBars({ days: 1 }, 4 * H)).toBe(6);
    expect(windowBars({ hours: 5 }, 4 * H), 'rounded up to whole bars').toBe(2);
    const folds = makeFolds({ startMs: T0, endMs: T0 + 35 * H, barMs: H, train: { bars: 10 }, test: { bars: 10 } });
    expect(folds.map((f) => (f.testStartMs - T0) / H), 'five bars short of a third fold, left out at the start').toEqual([15, 25]);
  });

  it('a period edge inside a bar is moved to a bar boundary: start up, end down', () => {
    const startMs = T0 + 60 * H + 30 * 60_000;
    const folds = makeFolds({ startMs, endMs: T0 + 100 * H + 59 * 60_000, barMs: H, train: { bars: 10 }, test: { bars: 10 } });
    expect(folds.map((f) => [(f.trainStartMs - T0) / H, (f.trainEndMs - T0) / H, (f.testStartMs - T0) / H, (f.testEndMs - T0) / H])).toEqual([
      [70, 80, 80, 90],
      [80, 90, 90, 100],
    ]);
    const anchored = makeFolds({ startMs, endMs: T0 + 100 * H, barMs: H, train: { bars: 10 }, test: { bars: 10 }, anchored: true, folds: 2 });
    expect(anchored.map((f) => (f.trainStartMs - T0) / H), 'anchored at the first whole bar').toEqual([61, 61]);
    expect(() => makeFolds({ startMs: T0 + 30 * 60_000, endMs: T0 + 40 * 60_000, barMs: H, train: { bars: 1 }, test: { bars: 1 } }), 'no whole bar inside').toThrow(/period 0 bars/);
  });

  it('refuses lengths, fold counts and periods that are not what a layout needs, naming field, value and expectation', () => {
    const base = { startMs: T0, endMs: T0 + 100 * D, barMs: H, train: { days: 40 }, test: { days: 20 } };
    const issues = (o: Partial<Parameters<typeof makeFolds>[0]>) => thrownError(InvalidInputError, () => makeFolds({ ...base, ...o })).issues;
    expect(issues({ test: { bars: 0 } })).toEqual([{ path: 'test.bars', received: '0', expected: expect.stringContaining('a whole number of bars >= 1') as string }]);
    expect(issues({ folds: 2.5 })).toEqual([{ path: 'folds', received: '2.5', expected: 'a whole number of folds >= 1, or none for as many as fit' }]);
    expect(issues({ folds: 0 })[0]).toMatchObject({ path: 'folds', received: '0' });
    expect(issues({ train: { days: -5 } })[0]).toMatchObject({ path: 'train.days', received: '-5' });
    expect(issues({ train: { bars: 1.5 } })[0]).toMatchObject({ path: 'train.bars', received: '1.5' });
    expect(issues({ test: { hours: NaN } })[0]).toMatchObject({ path: 'test.hours', received: 'NaN' });
    expect(issues({ test: { days: Infinity } })[0]).toMatchObject({ path: 'test.days', received: 'Infinity' });
    expect(issues({ embargo: { bars: -1 } })[0]).toMatchObject({ path: 'embargo.bars', received: '-1', expected: expect.stringContaining('>= 0') as string });
    expect(issues({ train: {} as never })[0]).toMatchObject({ path: 'train', received: '{}' });
    expect(issues({ startMs: NaN, endMs: Infinity }).map((i) => [i.path, i.received])).toEqual([
      ['startMs', 'NaN'],
      ['endMs', 'Infinity'],
    ]);
    expect(issues({ barMs: 0 })[0]).toMatchObject({ path: 'barMs', received: '0' });
    expect(issues({ test: { bars: 0 }, folds: -1 }).map((i) => i.path), 'every problem at once').toEqual(['test.bars', 'folds']);
    expect(() => makeFolds({ ...base, test: { bars: 0 } })).toThrow(/test\.bars: got 0, expected a whole number of bars >= 1/);
    expect(makeFolds({ ...base, embargo: { bars: 0 } }), 'an empty embargo is no embargo').toEqual(makeFolds(base));
  });

  it('a period too short for one fold names the sizes', () => {
    const err = (() => {
      try {
        makeFolds({ startMs: T0, endMs: T0 + 10 * D, barMs: H, train: { days: 40 }, test: { days: 20 } });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).issues[0]!.path).toBe('folds');
    expect((err as InvalidInputError).message).toContain('period 240 bars');
    expect(() => makeFolds({ startMs: T0, endMs: T0 + 100 * D, barMs: H, train: { days: 40 }, test: { days: 20 }, folds: 4 }), 'more folds than fit').toThrow(/at least 2880 bars/);
  });
});

describe('parseWindowLength', () => {
  it('reads days, hours and bars', () => {
    expect(parseWindowLength('60d', '--train')).toEqual({ days: 60 });
    expect(parseWindowLength('12h', '--train')).toEqual({ hours: 12 });
    expect(parseWindowLength('720', '--train')).toEqual({ bars: 720 });
    expect(parseWindowLength('720b', '--train')).toEqual({ bars: 720 });
  });

  it('refuses anything else, naming the flag, the value and the forms', () => {
    for (const bad of ['', '0d', '-3d', '2w', '1.5b', 'abc']) {
      expect(() => parseWindowLength(bad, '--test')).toThrow(InvalidInputError);
    }
    expect(() => parseWindowLength('2w', '--test')).toThrow(/--test: got "2w", expected a positive length in days \(60d\)/);
  });
});

describe('sliceBacktestData', () => {
  const bars = (from: number, n: number): Candle[] => Array.from({ length: n }, (_, i) => ({ openTimeMs: from + i * H, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 + i }));
  const data = backtestDataFrom(
    '1h',
    new Map([
      ['A/USDT:USDT', bars(T0, 100)],
      ['B/USDT:USDT', bars(T0 + 60 * H, 40)],
    ]),
    new Map([['A/USDT:USDT', [0, 8, 16, 24, 32, 40].map((h) => ({ fundingTimeMs: T0 + h * H, rate: 0.0001 }))]]),
  );

  it('keeps the warm-up bars and the window, nothing at or after its end', () => {
    const cut = sliceBacktestData(data, { fromMs: T0 + 20 * H, toMs: T0 + 30 * H, warmupBars: 5 });
    expect(cut.symbols, 'B has no bar in the window').toEqual(['A/USDT:USDT']);
    const a = cut.candles.get('A/USDT:USDT')!;
    expect(a[0]!.openTimeMs).toBe(T0 + 15 * H);
    expect(a[a.length - 1]!.openTimeMs, 'the last bar closes at the window end').toBe(T0 + 29 * H);
    expect(cut.funding.get('A/USDT:USDT')!.map((f) => (f.fundingTimeMs - T0) / H)).toEqual([0, 8, 16, 24]);
    expect(cut.fingerprint).not.toBe(data.fingerprint);
    expect(data.candles.get('A/USDT:USDT'), 'the source is not changed').toHaveLength(100);
  });

  it('a window end inside a bar leaves that bar out (its close is after the end); funding at the end is out too', () => {
    const cut = sliceBacktestData(data, { fromMs: T0 + 20 * H, toMs: T0 + 32 * H + 30 * 60_000, warmupBars: 5 });
    const a = cut.candles.get('A/USDT:USDT')!;
    expect(a[a.length - 1]!.openTimeMs, 'the bar opening at 32h closes at 33h, after the end').toBe(T0 + 31 * H);
    expect(cut.funding.get('A/USDT:USDT')!.map((f) => (f.fundingTimeMs - T0) / H)).toEqual([0, 8, 16, 24, 32]);
    const onEdge = sliceBacktestData(data, { fromMs: T0 + 20 * H, toMs: T0 + 32 * H, warmupBars: 5 });
    expect(onEdge.funding.get('A/USDT:USDT')!.map((f) => (f.fundingTimeMs - T0) / H), 'settled at the end: not before it').toEqual([0, 8, 16, 24]);
    expect(() => sliceBacktestData(data, { fromMs: T0 + 60 * H, toMs: T0 + 60 * H + 59 * 60_000, warmupBars: 5 }), 'no bar closes inside a window shorter than a bar').toThrow(/data window/);
  });

  it('a window without bars is an error naming it', () => {
    expect(() => sliceBacktestData(data, { fromMs: T0 + 500 * H, toMs: T0 + 600 * H, warmupBars: 5 })).toThrow(/data window/);
  });
});
