import { describe, expect, it } from 'vitest';
import { emptyFeatureRow } from '../../../src/features/types.js';
import { calibratedProbability, compileCalibration, parseCalibration } from '../../../src/signals/calibration.js';
import { fitSignalCalibration, type CalibrationSample } from '../../../src/signals/evaluation/fitCalibration.js';
import { fitIsotonic, predictIsotonic } from '../../../src/signals/evaluation/isotonic.js';
import { fitL2Logistic } from '../../../src/signals/evaluation/logistic.js';
import { walkForwardSteps } from '../../../src/signals/evaluation/walkForward.js';
import { mulberry32 as rng } from '../../../../test/support/rng.js';

/** Mulberry32, so the synthetic sets are the same on every run. */

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

describe('calibration fits recover a known probability', () => {
  it('a logistic fit recovers the true coefficients of a synthetic set, and its probabilities within 2 pp', () => {
    const rand = rng(7);
    const samples: CalibrationSample[] = [];
    const truth = (score: number, atrPct: number, side: number): number => sigmoid(-0.8 + 0.4 * (score - 3) - 20 * atrPct + 0.3 * side);
    for (let i = 0; i < 20_000; i++) {
      const score = 1 + 5 * rand();
      const atrPct = 0.03 * rand();
      const side = rand() < 0.5 ? 'long' : 'short';
      const p = truth(score, atrPct, side === 'long' ? 1 : -1);
      samples.push({ features: { ...emptyFeatureRow(), atrPct }, score, components: 1, side, hit: rand() < p ? 1 : 0 });
    }
    const cal = fitSignalCalibration(samples, { inputs: ['score', 'atrPct', 'side'], l2: 1, id: 'synthetic', timeframes: ['1h'] });
    expect(cal.coef.score, 'score slope 0.4').toBeCloseTo(0.4, 1);
    expect(cal.coef.side, 'side effect 0.3').toBeCloseTo(0.3, 1);
    expect(Math.abs(cal.coef.atrPct! + 20), 'atrPct slope -20 within 4').toBeLessThan(4);
    const compiled = compileCalibration(parseCalibration(cal));
    let worst = 0;
    for (const [score, atrPct, side] of [
      [1.5, 0.005, 'long'],
      [3, 0.015, 'short'],
      [5.5, 0.025, 'long'],
      [4, 0.01, 'short'],
    ] as const) {
      const p = calibratedProbability(compiled, { ...emptyFeatureRow(), atrPct }, score, 1, side);
      worst = Math.max(worst, Math.abs(p - truth(score, atrPct, side === 'long' ? 1 : -1)));
    }
    expect(worst, 'fitted probability within 2 pp of the true one').toBeLessThan(0.02);
  });

  it('signed inputs multiply a feature by the side', () => {
    const compiled = compileCalibration(parseCalibration({ bias: 0, coef: { 'signed.rsi': 0.1 } }));
    const f = { ...emptyFeatureRow(), rsi: 10 };
    expect(calibratedProbability(compiled, f, 0, 1, 'long'), 'long: +1').toBeCloseTo(sigmoid(1), 12);
    expect(calibratedProbability(compiled, f, 0, 1, 'short'), 'short: -1').toBeCloseTo(sigmoid(-1), 12);
    expect(() => parseCalibration({ bias: 0, coef: { 'signed.nope': 1 } }), 'unknown signed feature').toThrow(/coef\.signed\.nope/);
  });

  it('Platt scaling (one input) recovers a known slope', () => {
    const rand = rng(3);
    const rows: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const x = 4 * rand() - 2;
      rows.push([x]);
      y.push(rand() < sigmoid(0.5 + 1.5 * x) ? 1 : 0);
    }
    const fit = fitL2Logistic(rows, y, { l2: 0 });
    expect(fit.bias, 'intercept 0.5').toBeCloseTo(0.5, 1);
    expect(fit.coef[0], 'slope 1.5').toBeCloseTo(1.5, 1);
  });

  it('isotonic regression recovers a monotone step probability within 3 pp', () => {
    const rand = rng(11);
    const truth = (x: number): number => (x < 0.3 ? 0.2 : x < 0.7 ? 0.45 : 0.7);
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const x = rand();
      xs.push(x);
      ys.push(rand() < truth(x) ? 1 : 0);
    }
    const fit = fitIsotonic(xs, ys);
    for (let k = 1; k < fit.y.length; k++) expect(fit.y[k]!, 'non-decreasing').toBeGreaterThanOrEqual(fit.y[k - 1]!);
    for (const x of [0.1, 0.2, 0.5, 0.6, 0.8, 0.95]) expect(Math.abs(predictIsotonic(fit, x) - truth(x)), `at ${x}`).toBeLessThan(0.03);
  });

  it('isotonic regression pools violators by hand', () => {
    // Outcomes 1, 0 at scores 1, 2 violate monotonicity: pooled to 0.5; then 1 at score 3.
    const fit = fitIsotonic([1, 2, 3], [1, 0, 1]);
    expect(fit, 'two blocks').toEqual({ x: [2, 3], y: [0.5, 1] });
    expect(predictIsotonic(fit, 0), 'below the first edge').toBe(0.5);
    expect(predictIsotonic(fit, 9), 'beyond the last edge').toBe(1);
  });
});

describe('walk-forward folds', () => {
  it('train only on earlier, resolved items; test on the next span', () => {
    const items = Array.from({ length: 10 }, (_, i) => ({ t: i * 10, resolved: i * 10 + 15 }));
    const steps = walkForwardSteps(items, 5, (x) => x.t, (x) => x.resolved);
    expect(steps.map((s) => s.fold), 'folds 1..4 are tested').toEqual([1, 2, 3, 4]);
    for (const s of steps) {
      for (const tr of s.train) expect(tr.resolved, 'no training outcome resolves after the test fold starts').toBeLessThanOrEqual(s.fromMs);
      for (const te of s.test) expect(te.t >= s.fromMs && te.t < s.toMs, 'test items lie in the fold').toBe(true);
    }
    expect(steps[1]!.train.map((x) => x.t), 'the item at 30 resolves at 45, after the fold starts at 36.4').toEqual([0, 10, 20]);
  });
});
