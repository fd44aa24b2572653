import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dataDir, requireData } from '../../../test/support/testData.js';
import { adx, atr, bollinger, donchian, ema, macd, obv, rsi, sma, supertrend, vwap } from '../../src/indicators/index.js';
import { readCsv, readFixtureBars, type Ohlcv } from './fixtures.js';

const SUB = 'indicator-refs/tests/fixtures/data';
const dir = dataDir(SUB);

/** One talipp fixture file: which of our outputs each of its columns is compared with. */
interface RefCase {
  file: string;
  compute: (b: Ohlcv) => Record<string, Float64Array>;
  /** fixture column -> our output field */
  columns: Record<string, string>;
  /** Maps a fixture value onto our scale (Supertrend's `is_bullish` 1/0 is our direction +1/-1). */
  map?: Record<string, (x: number) => number>;
}

const cases: RefCase[] = [
  { file: 'ema-20-close.csv', compute: (b) => ({ v: ema(b.close, 20) }), columns: { expected: 'v' } },
  { file: 'sma-20-close.csv', compute: (b) => ({ v: sma(b.close, 20) }), columns: { expected: 'v' } },
  { file: 'rsi-14-close.csv', compute: (b) => ({ v: rsi(b.close, 14) }), columns: { expected: 'v' } },
  { file: 'atr-14.csv', compute: (b) => ({ v: atr(b.high, b.low, b.close, 14) }), columns: { expected: 'v' } },
  {
    file: 'adx-14.csv',
    compute: (b) => ({ ...adx(b.high, b.low, b.close, 14) }),
    columns: { adx: 'adx', plus_di: 'plusDi', minus_di: 'minusDi' },
  },
  {
    file: 'supertrend-10-3.csv',
    compute: (b) => ({ ...supertrend(b.high, b.low, b.close, 10, 3) }),
    columns: { value: 'value', is_bullish: 'direction' },
    map: { is_bullish: (x) => (x === 1 ? 1 : -1) },
  },
  { file: 'dc-20.csv', compute: (b) => ({ ...donchian(b.high, b.low, 20) }), columns: { upper: 'upper', middle: 'middle', lower: 'lower' } },
  {
    file: 'bb-20-2-close.csv',
    compute: (b) => ({ ...bollinger(b.close, 20, 2) }),
    columns: { upper: 'upper', middle: 'middle', lower: 'lower' },
  },
  {
    file: 'macd-12-26-9-close.csv',
    compute: (b) => ({ ...macd(b.close, 12, 26, 9) }),
    columns: { macd: 'macd', signal: 'signal', histogram: 'histogram' },
  },
  { file: 'obv-close.csv', compute: (b) => ({ v: obv(b.close, b.volume) }), columns: { expected: 'v' } },
  {
    file: 'vwap-day-hlc3.csv',
    compute: (b) => ({ v: vwap(b.high, b.low, b.close, b.volume, b.openTimeMs) }),
    columns: { expected: 'v' },
  },
];

/**
 * Relative error, absolute below 1: the fixtures are rounded to 10 decimals, so values near 0
 * (a MACD histogram crossing zero) carry no relative precision.
 */
function relErr(got: number, want: number): number {
  return Math.abs(got - want) / Math.max(1, Math.abs(want));
}

describe.skipIf(!requireData(SUB))('indicators match talipp on BTCUSDT 1h (Jan 2025)', () => {
  const bars = dir ? readFixtureBars(dir) : null;
  const indexOfTime = new Map(bars?.openTimeMs.map((t, i) => [t, i]));
  const worstByColumn: Record<string, number> = {};
  afterAll(() => {
    const rows = Object.entries(worstByColumn).map(([k, v]) => `${k} ${v.toExponential(1)}`);
    console.log(`talipp reference, worst relative error per column: ${rows.join(', ')}`);
  });

  for (const c of cases) {
    it(`${c.file}: every reference row within 1e-6 relative, NaN exactly before it`, () => {
      const ref = readCsv(join(dir!, c.file));
      const ours = c.compute(bars!);
      const times = ref.open_time!.map((us) => us / 1000);
      const firstIdx = indexOfTime.get(times[0]!)!;
      expect(times.length, 'reference covers every bar after its warm-up').toBe(bars!.close.length - firstIdx);
      for (const [col, field] of Object.entries(c.columns)) {
        const series = ours[field]!;
        for (let i = 0; i < firstIdx; i++) expect(series[i], `${field}[${i}] is warm-up`).toBeNaN();
        let worst = 0;
        ref[col]!.forEach((raw, j) => {
          const want = c.map?.[col] ? c.map[col](raw) : raw;
          const got = series[indexOfTime.get(times[j]!)!]!;
          const err = relErr(got, want);
          if (!(err <= 1e-6)) expect.fail(`${c.file} ${col} row ${j}: got ${got}, want ${want}`);
          worst = Math.max(worst, err);
        });
        expect(worst, `${c.file} ${col} worst relative error`).toBeLessThanOrEqual(1e-6);
        worstByColumn[`${c.file}:${col}`] = worst;
      }
    });
  }
});
