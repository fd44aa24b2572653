import { describe, expect, it } from 'vitest';
import { roundFixed, roundSignificant } from '../../src/core/decimalRounding.js';
import { mulberry32 } from '../../../test/support/rng.js';

/**
 * Values of the kinds that cross these functions: decimals parsed from exchange strings, their
 * products and quotients by contract sizes and steps, grid multiples, plus random doubles over
 * every magnitude, exact ties, neighbours of powers of ten and the special values.
 */
function samples(seed: number, count: number): number[] {
  const rnd = mulberry32(seed);
  const steps = [1e-8, 1e-6, 0.0001, 0.001, 0.005, 0.01, 0.1, 0.5, 1, 10, 100, 0.00001, 0.000001];
  const out: number[] = [0, -0, NaN, Infinity, -Infinity, 0.5, 1.5, 2.5, -2.5, 0.125, 0.0005, 1.005, 1.0049999999999999, 1e21, 1e-21, Number.MIN_VALUE, Number.MAX_VALUE];
  for (let e = -20; e <= 20; e++) {
    const p = 10 ** e;
    out.push(p, -p, p * (1 - 2 ** -52), p * (1 + 2 ** -52), p * 0.9999999999995, p * 0.99999999999949, p * 9.9999999999995);
  }
  while (out.length < count) {
    const kind = Math.floor(rnd() * 6);
    const sign = rnd() < 0.2 ? -1 : 1;
    if (kind === 0) {
      // A decimal string of up to 15 significant digits, as ccxt parses them.
      const digits = 1 + Math.floor(rnd() * 15);
      const mantissa = Math.floor(rnd() * 10 ** digits);
      out.push(sign * Number(`${mantissa}e${Math.floor(rnd() * 24) - 16}`));
    } else if (kind === 1) {
      // Such a decimal times or over a step (contracts to base, base to contracts).
      const v = Number(`${Math.floor(rnd() * 1e7)}e${Math.floor(rnd() * 10) - 6}`);
      const step = steps[Math.floor(rnd() * steps.length)]!;
      out.push(sign * (rnd() < 0.5 ? v * step : v / step));
    } else if (kind === 2) {
      // A grid multiple as `roundTo` forms it.
      const step = steps[Math.floor(rnd() * steps.length)]!;
      out.push(sign * Math.round((rnd() * 1e5) / step) * step);
    } else if (kind === 3) {
      // Any double over 30 decades.
      out.push(sign * Math.exp((rnd() * 70 - 35) * Math.LN10 * 0.43));
    } else if (kind === 4) {
      // Exact and near ties at a random scale.
      const scale = 10 ** (Math.floor(rnd() * 12) - 6);
      out.push(sign * (Math.floor(rnd() * 1e6) + 0.5) * scale, sign * (Math.floor(rnd() * 1e6) + 0.5) / scale);
    } else {
      // Sums with float noise (0.1 + 0.2 style).
      out.push(sign * (Math.floor(rnd() * 1000) * 0.1 + Math.floor(rnd() * 1000) * 0.01));
    }
  }
  return out;
}

const VALUES = samples(20261207, 200_000);

describe('decimal rounding without strings', () => {
  it('roundFixed gives the double Number(x.toFixed(d)) gives, sign of zero included, for d = 0..22', () => {
    const bad: string[] = [];
    for (let d = 0; d <= 22; d++) {
      for (const x of VALUES) {
        const want = Number(x.toFixed(d));
        const got = roundFixed(x, d);
        if (!Object.is(got, want) && bad.length < 10) bad.push(`${x}.toFixed(${d}): ${want}, got ${got}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('roundSignificant gives the double Number(x.toPrecision(p)) gives, for p = 1..12', () => {
    const bad: string[] = [];
    for (let p = 1; p <= 12; p++) {
      for (const x of VALUES) {
        const want = Number(x.toPrecision(p));
        const got = roundSignificant(x, p);
        if (!Object.is(got, want) && bad.length < 10) bad.push(`${x}.toPrecision(${p}): ${want}, got ${got}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('leaves digit counts it does not handle to the builtin, errors included', () => {
    for (const d of [-1, 101]) expect(() => roundFixed(3.14159, d), String(d)).toThrow(RangeError);
    expect(roundFixed(3.14159, 2.5)).toBe(Number((3.14159).toFixed(2.5)));
    for (const d of [0, -1, 101]) expect(() => roundSignificant(3.14159, d), String(d)).toThrow(RangeError);
    expect(() => roundFixed(0, -1)).toThrow(RangeError);
    expect(roundSignificant(3.14159, 2.5)).toBe(Number((3.14159).toPrecision(2.5)));
    expect(roundSignificant(3.14159, 20)).toBe(Number((3.14159).toPrecision(20)));
    expect(roundFixed(3.14159, 30)).toBe(Number((3.14159).toFixed(30)));
  });

  it('keeps the builtin\'s answers just below a tie, for a negative value rounding to zero, and on noisy sums', () => {
    // 2.675 is 2.67499999... as a double: toFixed(2) gives 2.67, and so must this.
    expect(roundFixed(2.675, 2)).toBe(2.67);
    expect(roundFixed(1.005, 2)).toBe(1);
    expect(roundFixed(-0.0001, 2)).toBe(-0);
    expect(Object.is(roundFixed(-0, 2), 0)).toBe(true);
    expect(roundSignificant(0.1 + 0.2, 12)).toBe(0.3);
    expect(roundSignificant(0.0021 / 0.001, 12)).toBe(2.1);
  });
});
