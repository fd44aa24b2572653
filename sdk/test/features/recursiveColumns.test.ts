import { describe, expect, it } from 'vitest';
import { adx, atr, ema, rsi, supertrend } from '../../src/indicators/index.js';
import { IndicatorScratch, resolveFeatureParams, type FeatureParams, type OhlcvColumns } from '../../src/features/index.js';
import { canComputeRecursive, computeRecursiveColumns, type RecursiveColumns } from '../../src/features/recursiveColumns.js';
import { randomWalkCandles } from '../signals/baseline/dataset.js';

const HOUR = 3_600_000;

function fresh(n: number): RecursiveColumns {
  const f = () => new Float64Array(n);
  return { emaFast: f(), emaSlow: f(), atr: f(), rsi: f(), dmi: { adx: f(), plusDi: f(), minusDi: f() }, st: { value: f(), direction: f() } };
}

/** Bit-for-bit equality (NaN equals NaN), naming the first differing index. */
function expectSame(actual: Float64Array, expected: Float64Array, what: string): void {
  expect(actual.length, `${what} length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) expect(actual[i], `${what}[${i}] equals the separate kernel's`).toBe(expected[i]);
  }
}

function expectMatchesKernels(c: OhlcvColumns, p: FeatureParams, out: RecursiveColumns = fresh(c.close.length)): void {
  expect(canComputeRecursive(c, p, out), 'inputs are fusable').toBe(true);
  computeRecursiveColumns(c, p, out);
  const dmi = adx(c.high, c.low, c.close, p.adxPeriod);
  const st = supertrend(c.high, c.low, c.close, p.supertrendPeriod, p.supertrendMultiplier);
  expectSame(out.emaFast, ema(c.close, p.emaFastPeriod), 'emaFast');
  expectSame(out.emaSlow, ema(c.close, p.emaSlowPeriod), 'emaSlow');
  expectSame(out.atr, atr(c.high, c.low, c.close, p.atrPeriod), 'atr');
  expectSame(out.rsi, rsi(c.close, p.rsiPeriod), 'rsi');
  expectSame(out.dmi.adx, dmi.adx, 'adx');
  expectSame(out.dmi.plusDi, dmi.plusDi, 'plusDi');
  expectSame(out.dmi.minusDi, dmi.minusDi, 'minusDi');
  expectSame(out.st.value, st.value, 'supertrend');
  expectSame(out.st.direction, st.direction, 'supertrendDir');
}

function flat(n: number): OhlcvColumns {
  const v = () => new Float64Array(n).fill(100);
  return { openTimeMs: Float64Array.from({ length: n }, (_, i) => i * HOUR), open: v(), high: v(), low: v(), close: v(), volume: v() };
}

describe('fused recursive indicator columns', () => {
  it('are bit-identical to the separate kernels on random walks', () => {
    const p = resolveFeatureParams();
    for (const seed of [1, 2, 3, 4]) expectMatchesKernels(randomWalkCandles(seed, 700, 0, HOUR), p);
  });

  it('are bit-identical for every length around the warm-ups, including 0 and 1', () => {
    const p = resolveFeatureParams();
    const long = randomWalkCandles(7, 120, 0, HOUR);
    for (const n of [0, 1, 2, 9, 10, 11, 13, 14, 15, 20, 21, 22, 27, 28, 29, 49, 50, 51, 60]) {
      const c = Object.fromEntries(Object.entries(long).map(([k, a]) => [k, (a as Float64Array).slice(0, n)])) as unknown as OhlcvColumns;
      expectMatchesKernels(c, p);
    }
  });

  it('are bit-identical with other periods (ATR and ADX periods apart, periods of 1 and 2)', () => {
    const c = randomWalkCandles(11, 300, 0, HOUR);
    const variants: Partial<FeatureParams>[] = [
      { atrPeriod: 7, adxPeriod: 20, rsiPeriod: 5, supertrendPeriod: 3, supertrendMultiplier: 1.5 },
      { emaFastPeriod: 2, emaSlowPeriod: 3, atrPeriod: 1, adxPeriod: 2, rsiPeriod: 2, supertrendPeriod: 1 },
      { emaFastPeriod: 100, emaSlowPeriod: 200, atrPeriod: 50, adxPeriod: 40, rsiPeriod: 30, supertrendPeriod: 60 },
    ];
    for (const v of variants) expectMatchesKernels(c, { ...resolveFeatureParams(), ...v });
  });

  it('handle a flat market (zero ATR and zero DI sums) like the kernels', () => {
    expectMatchesKernels(flat(80), resolveFeatureParams());
  });

  it('overwrite reused buffers completely, warm-up NaNs included', () => {
    const p = resolveFeatureParams();
    const b = new IndicatorScratch().buffers(300);
    computeRecursiveColumns(randomWalkCandles(21, 300, 0, HOUR), p, b);
    expectMatchesKernels(randomWalkCandles(22, 300, 0, HOUR, 5), p, b);
  });

  it('from a start bar: the same values from there on, NaN before', () => {
    const p = resolveFeatureParams();
    const c = randomWalkCandles(31, 400, 0, HOUR);
    const full = fresh(400);
    computeRecursiveColumns(c, p, full);
    const b = new IndicatorScratch().buffers(400);
    computeRecursiveColumns(randomWalkCandles(32, 400, 0, HOUR), p, b);
    for (const from of [5, 60, 390, 400]) {
      computeRecursiveColumns(c, p, b, from);
      const pairs: [Float64Array, Float64Array, string][] = [
        [b.emaFast, full.emaFast, 'emaFast'],
        [b.emaSlow, full.emaSlow, 'emaSlow'],
        [b.atr, full.atr, 'atr'],
        [b.rsi, full.rsi, 'rsi'],
        [b.dmi.adx, full.dmi.adx, 'adx'],
        [b.dmi.plusDi, full.dmi.plusDi, 'plusDi'],
        [b.dmi.minusDi, full.dmi.minusDi, 'minusDi'],
        [b.st.value, full.st.value, 'supertrend'],
        [b.st.direction, full.st.direction, 'supertrendDir'],
      ];
      for (const [got, want, name] of pairs) {
        const expected = Float64Array.from(want, (v, i) => (i < from ? Number.NaN : v));
        expectSame(got, expected, `${name} from ${from}`);
      }
    }
  });

  it('decline inputs the kernels would reject, so the caller falls back to them', () => {
    const p = resolveFeatureParams();
    const c = randomWalkCandles(3, 50, 0, HOUR);
    expect(canComputeRecursive({ ...c, low: c.low.slice(1) }, p, fresh(50)), 'mismatched lengths').toBe(false);
    expect(canComputeRecursive(c, { ...p, supertrendMultiplier: 0 }, fresh(50)), 'zero multiplier').toBe(false);
    expect(canComputeRecursive(c, p, fresh(49)), 'outputs of the wrong length').toBe(false);
  });
});
