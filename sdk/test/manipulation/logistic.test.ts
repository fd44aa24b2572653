import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RADAR_MODEL,
  binaryMetrics,
  fitLogistic,
  parseRadarModel,
  predictLogistic,
  rocAuc,
} from '../../src/manipulation/index.js';
import { InvalidInputError } from '../../src/core/errors.js';
import { rng } from './fixtures.js';

describe('logistic layer', () => {
  it('rocAuc matches the pair-counting definition on a hand example', () => {
    // Positives 0.9, 0.4; negatives 0.5, 0.1: pairs (0.9>0.5, 0.9>0.1, 0.4<0.5, 0.4>0.1) -> 3/4.
    expect(rocAuc([0.9, 0.5, 0.4, 0.1], [1, 0, 1, 0])).toBe(0.75);
    expect(rocAuc([0.5, 0.5], [1, 0]), 'a tie counts half').toBe(0.5);
  });

  it('binaryMetrics counts a hand example', () => {
    const m = binaryMetrics([0.9, 0.8, 0.3, 0.2], [1, 0, 1, 0], 0.5);
    expect([m.tp, m.fp, m.fn, m.tn]).toEqual([1, 1, 1, 1]);
    expect(m.precision).toBe(0.5);
    expect(m.recall).toBe(0.5);
    expect(m.f1).toBe(0.5);
  });

  it('fitLogistic recovers the sign of the true weights and separates the classes', () => {
    const r = rng(3);
    const rows: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < 400; i++) {
      const x = [r() * 4 - 2, r() * 4 - 2, r() * 100];
      const z = 2 * (x[0] as number) - 1.5 * (x[1] as number) + (r() - 0.5);
      rows.push(x);
      labels.push(z > 0 ? 1 : 0);
    }
    const model = fitLogistic(['a', 'b', 'noise'], rows, labels, { l2: 0.001, iterations: 800 });
    expect(model.coef[0], 'a raises the odds').toBeGreaterThan(1);
    expect(model.coef[1], 'b lowers the odds').toBeLessThan(-1);
    expect(Math.abs(model.coef[2]!), 'noise stays small').toBeLessThan(0.5);
    const scores = rows.map((x) => predictLogistic(model, x));
    expect(rocAuc(scores, labels)).toBeGreaterThan(0.95);
  });

  it('offsets hold a known contribution fixed: the fit learns only what the offset does not explain', () => {
    const r = rng(5);
    const rows: number[][] = [];
    const labels: number[] = [];
    const offsets: number[] = [];
    for (let i = 0; i < 400; i++) {
      const known = r() * 4 - 2;
      const x = r() * 4 - 2;
      rows.push([x]);
      offsets.push(3 * known);
      labels.push(3 * known + (r() - 0.5) > 0 ? 1 : 0);
    }
    const withOffset = fitLogistic(['x'], rows, labels, { l2: 0.001, iterations: 800, offsets });
    expect(Math.abs(withOffset.coef[0]!), 'x carries no signal once the known part is given').toBeLessThan(0.5);
    // The same rows with the known part as a feature instead: it takes a large weight.
    const asFeature = fitLogistic(['x', 'known'], rows.map((row, i) => [row[0]!, offsets[i]! / 3]), labels, { l2: 0.001, iterations: 800 });
    expect(asFeature.coef[1]!).toBeGreaterThan(2);
  });

  it('L2 shrinks coefficients', () => {
    const rows = [[0], [1], [2], [3]];
    const labels = [0, 0, 1, 1];
    const loose = fitLogistic(['x'], rows, labels, { l2: 0, iterations: 500 });
    const tight = fitLogistic(['x'], rows, labels, { l2: 1, iterations: 500 });
    expect(Math.abs(tight.coef[0]!)).toBeLessThan(Math.abs(loose.coef[0]!));
  });

  it('parseRadarModel accepts the default model and names the bad field otherwise', () => {
    expect(parseRadarModel(JSON.parse(JSON.stringify(DEFAULT_RADAR_MODEL)))).toEqual(DEFAULT_RADAR_MODEL);
    const bad = { ...DEFAULT_RADAR_MODEL, intercept: 'x' };
    expect(() => parseRadarModel(bad)).toThrow(InvalidInputError);
    try {
      parseRadarModel(bad);
    } catch (e) {
      expect((e as InvalidInputError).issues[0]?.path).toBe('intercept');
    }
    expect(() => parseRadarModel({ ...DEFAULT_RADAR_MODEL, features: ['a'], mean: [0], std: [1], coef: [1] })).toThrow(/features/);
  });
});
