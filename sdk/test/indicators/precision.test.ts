import { describe, expect, it } from 'vitest';
import { Bollinger, RealizedVol, SMA, bollinger, realizedVol, sma } from '../../src/indicators/index.js';
import { prng } from './cases.js';

/** 300,000 bars falling from 1e6 to about 1e-3 with 1% noise: running sums would carry the old magnitude. */
function collapsingSeries(n: number): Float64Array {
  const rnd = prng(3);
  const v = new Float64Array(n);
  let p = 1e6;
  const drift = Math.log(1e-9) / n;
  for (let i = 0; i < n; i++) {
    p *= Math.exp(drift + (rnd() - 0.5) * 0.02);
    v[i] = p;
  }
  return v;
}

function exactWindow(v: Float64Array, end: number, period: number): { mean: number; sd: number } {
  let s = 0;
  for (let i = end - period + 1; i <= end; i++) s += v[i]!;
  const mean = s / period;
  let m2 = 0;
  for (let i = end - period + 1; i <= end; i++) m2 += (v[i]! - mean) ** 2;
  return { mean, sd: Math.sqrt(m2 / period) };
}

describe('rolling sums stay exact on a series that falls by nine orders of magnitude', () => {
  const v = collapsingSeries(300_000);
  const last = v.length - 1;
  const want = exactWindow(v, last, 20);

  it('sma and SMA match the exact window mean to 1e-9 relative', () => {
    const stream = new SMA(20);
    for (const x of v) stream.add(x);
    expect(Math.abs(sma(v, 20)[last]! / want.mean - 1), 'batch').toBeLessThan(1e-9);
    expect(Math.abs(stream.getResult()! / want.mean - 1), 'streaming').toBeLessThan(1e-9);
  });

  it('bollinger and Bollinger match the exact mean and population deviation to 1e-9 relative', () => {
    const stream = new Bollinger(20, 2);
    for (const x of v) stream.add(x);
    const b = bollinger(v, 20, 2);
    const s = stream.getResult()!;
    expect(Math.abs(b.middle[last]! / want.mean - 1), 'batch middle').toBeLessThan(1e-9);
    expect(Math.abs((b.upper[last]! - b.middle[last]!) / (2 * want.sd) - 1), 'batch band').toBeLessThan(1e-9);
    expect(Math.abs((s.upper - s.middle) / (2 * want.sd) - 1), 'streaming band').toBeLessThan(1e-9);
  });

  it('realizedVol matches the exact sample deviation of log returns to 1e-9 relative', () => {
    const r = new Float64Array(v.length);
    for (let i = 1; i < v.length; i++) r[i] = Math.log(v[i]! / v[i - 1]!);
    const exact = exactWindow(r, last, 30);
    const wantVol = exact.sd * Math.sqrt(30 / 29);
    const stream = new RealizedVol(30);
    for (const x of v) stream.add(x);
    expect(Math.abs(realizedVol(v, 30)[last]! / wantVol - 1), 'batch').toBeLessThan(1e-9);
    expect(Math.abs(stream.getResult()! / wantVol - 1), 'streaming').toBeLessThan(1e-9);
  });
});
