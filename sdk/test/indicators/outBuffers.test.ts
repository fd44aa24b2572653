import { describe, expect, it } from 'vitest';
import { adx, atr, donchian, ema, realizedVol, rsi, supertrend } from '../../src/indicators/index.js';
import { InvalidInputError } from '../../src/core/errors.js';
import { randomWalkCandles } from '../signals/baseline/dataset.js';

const c = randomWalkCandles(5, 200, 0, 3_600_000);
const other = randomWalkCandles(6, 200, 0, 3_600_000, 7);
const f = () => new Float64Array(200).fill(123);

function same(a: Float64Array, b: Float64Array, what: string): void {
  expect(Array.from(a), what).toEqual(Array.from(b));
}

describe('batch kernels with an `out` buffer', () => {
  it('write the same numbers as a fresh array, warm-up NaNs included, over stale contents', () => {
    const o = f();
    same(ema(c.close, 21, o), ema(c.close, 21), 'ema');
    same(ema(other.close, 21, o), ema(other.close, 21), 'ema reused');
    same(rsi(c.close, 14, f()), rsi(c.close, 14), 'rsi');
    same(atr(c.high, c.low, c.close, 14, f()), atr(c.high, c.low, c.close, 14), 'atr');
    same(realizedVol(c.close, 10, 1, f()), realizedVol(c.close, 10), 'realizedVol');
    const d = adx(c.high, c.low, c.close, 14, { adx: f(), plusDi: f(), minusDi: f() });
    const dRef = adx(c.high, c.low, c.close, 14);
    same(d.adx, dRef.adx, 'adx');
    same(d.plusDi, dRef.plusDi, 'plusDi');
    same(d.minusDi, dRef.minusDi, 'minusDi');
    const s = supertrend(c.high, c.low, c.close, 10, 3, { value: f(), direction: f() });
    const sRef = supertrend(c.high, c.low, c.close, 10, 3);
    same(s.value, sRef.value, 'supertrend');
    same(s.direction, sRef.direction, 'direction');
    const dc = donchian(c.high, c.low, 20, { upper: f(), middle: f(), lower: f() });
    const dcRef = donchian(c.high, c.low, 20);
    same(dc.upper, dcRef.upper, 'donchian upper');
    same(dc.lower, dcRef.lower, 'donchian lower');
  });

  it('return the buffer passed in', () => {
    const o = f();
    expect(ema(c.close, 5, o), 'no copy').toBe(o);
  });

  it('reject a buffer of the wrong length, naming it', () => {
    expect(() => ema(c.close, 21, new Float64Array(10)), 'short out').toThrow(InvalidInputError);
    expect(() => adx(c.high, c.low, c.close, 14, { adx: f(), plusDi: new Float64Array(3), minusDi: f() }), 'short plusDi').toThrow(/out\.plusDi/);
  });
});
