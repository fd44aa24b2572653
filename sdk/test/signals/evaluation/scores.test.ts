import { describe, expect, it } from 'vitest';
import { aucMannWhitney } from '../../../src/signals/evaluation/auc.js';
import { averageRanks } from '../../../src/signals/evaluation/ranks.js';
import { maxCalibrationError, reliabilityTable } from '../../../src/signals/evaluation/reliability.js';
import { baseRate, brierScore, constantBrier } from '../../../src/signals/evaluation/scores.js';

describe('Brier, AUC and reliability on hand-checked inputs', () => {
  it('Brier is the mean squared error; the constant is judged on the same outcomes', () => {
    // (0.9-1)^2 + (0.2-0)^2 + (0.6-1)^2 + (0.5-0)^2 = 0.01 + 0.04 + 0.16 + 0.25 = 0.46
    expect(brierScore([0.9, 0.2, 0.6, 0.5], [1, 0, 1, 0]), '0.46 / 4').toBeCloseTo(0.115, 12);
    // Base rate 0.5: every term is 0.25.
    expect(constantBrier(0.5, [1, 0, 1, 0]), 'a coin states 0.25 per outcome').toBeCloseTo(0.25, 12);
    expect(baseRate([1, 0, 1, 1]), 'three of four').toBe(0.75);
    expect(Number.isNaN(brierScore([], [])), 'empty input has no score').toBe(true);
  });

  it('average ranks split ties', () => {
    expect(Array.from(averageRanks([10, 20, 20, 5])), 'the two 20s share ranks 3 and 4').toEqual([2, 3.5, 3.5, 1]);
  });

  it('AUC counts pairs, ties as one half', () => {
    // Positives scored 0.8, 0.4; negatives 0.4, 0.1. Pairs (pos, neg): (0.8,0.4) win, (0.8,0.1) win,
    // (0.4,0.4) tie, (0.4,0.1) win: (3 + 0.5) / 4.
    expect(aucMannWhitney([0.8, 0.4, 0.4, 0.1], [1, 1, 0, 0]), '3.5 of 4 pairs').toBeCloseTo(0.875, 12);
    expect(aucMannWhitney([1, 2, 3, 4], [0, 0, 1, 1]), 'perfect ordering').toBe(1);
    expect(aucMannWhitney([1, 2, 3, 4], [1, 1, 0, 0]), 'reversed ordering').toBe(0);
    expect(aucMannWhitney([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0]), 'a constant discriminates nothing').toBe(0.5);
    expect(Number.isNaN(aucMannWhitney([0.1, 0.2], [1, 1])), 'one class only').toBe(true);
  });

  it('reliability bins are equal-count, with stated and realized means', () => {
    const p = [0.1, 0.1, 0.2, 0.2, 0.7, 0.8, 0.9, 0.9];
    const y = [0, 0, 0, 1, 1, 1, 1, 0];
    const t = reliabilityTable(p, y, 2);
    expect(t.map((b) => b.count), 'two bins of four').toEqual([4, 4]);
    expect(t[0]!.stated, 'mean of 0.1, 0.1, 0.2, 0.2').toBeCloseTo(0.15, 12);
    expect(t[0]!.realized, 'one hit of four').toBe(0.25);
    expect(t[1]!.stated, 'mean of 0.7, 0.8, 0.9, 0.9').toBeCloseTo(0.825, 12);
    expect(t[1]!.realized, 'three hits of four').toBe(0.75);
    expect(maxCalibrationError(t, 4), 'worst gap: |0.825 - 0.75| vs |0.15 - 0.25|').toBeCloseTo(0.1, 12);
    expect(Number.isNaN(maxCalibrationError(t, 5)), 'no bin holds five').toBe(true);
  });

  it('a tie across a bin edge stays in one bin', () => {
    const t = reliabilityTable([0.3, 0.3, 0.3, 0.9], [0, 1, 0, 1], 2);
    expect(t.map((b) => b.count), 'the three 0.3s are one bin').toEqual([3, 1]);
  });
});
