import { describe, expect, it } from 'vitest';
import { crossSectionIcs, spearman, summarizeIc, topDecileStats } from '../../../src/signals/evaluation/rankIc.js';

describe('rank IC', () => {
  it('Spearman on a tiny cross-section, by hand', () => {
    // Scores rank 1..5 as given; forward returns rank [2, 1, 4, 3, 5]. d = [-1, 1, -1, 1, 0],
    // sum d^2 = 4: rho = 1 - 6 * 4 / (5 * 24) = 0.8.
    const score = [0.1, 0.2, 0.3, 0.4, 0.5];
    const forward = [0.01, -0.02, 0.03, 0.02, 0.05];
    expect(spearman(score, forward), '1 - 6*4/120').toBeCloseTo(0.8, 12);
    expect(spearman(score, [...forward].map((x) => -x)), 'negated returns').toBeCloseTo(-0.8, 12);
    expect(Number.isNaN(spearman([1, 1, 1], [1, 2, 3])), 'a constant score ranks nothing').toBe(true);
  });

  it('ties take average ranks', () => {
    // x ranks [1.5, 1.5, 3], y ranks [1, 2, 3]: Pearson of the ranks is 0.866.
    expect(spearman([1, 1, 2], [1, 2, 3]), 'sqrt(3)/2').toBeCloseTo(Math.sqrt(3) / 2, 12);
  });

  it('per-section ICs skip non-finite members, and the t-stat is mean / (sd / sqrt(n))', () => {
    const ics = crossSectionIcs([
      { timeMs: 0, score: [1, 2, 3, Number.NaN], forward: [0.1, 0.2, 0.3, 9] },
      { timeMs: 1, score: [1, 2, 3], forward: [0.3, 0.2, 0.1] },
      { timeMs: 2, score: [1, 2, 3, 4], forward: [0.1, 0.3, 0.2, 0.4] },
    ]);
    expect(ics[0], 'NaN member dropped: perfect order').toBeCloseTo(1, 12);
    expect(ics[1], 'reversed').toBeCloseTo(-1, 12);
    expect(ics[2], 'ranks [1,3,2,4]: 1 - 6*2/60').toBeCloseTo(0.8, 12);
    const s = summarizeIc(ics);
    const mean = 0.8 / 3;
    const sd = Math.sqrt(((1 - mean) ** 2 + (-1 - mean) ** 2 + (0.8 - mean) ** 2) / 2);
    expect(s.windows, 'three windows').toBe(3);
    expect(s.meanIc, 'mean').toBeCloseTo(mean, 12);
    expect(s.tStat, 't').toBeCloseTo(mean / (sd / Math.sqrt(3)), 12);
  });

  it('top decile against the whole cross-section', () => {
    const score = Array.from({ length: 10 }, (_, i) => i);
    const forward = [-0.01, 0.02, -0.03, 0.01, 0, 0.02, -0.01, 0.01, 0.03, 0.05];
    const s = topDecileStats([{ timeMs: 0, score, forward }]);
    expect(s.topMean, 'the best-scored member only').toBeCloseTo(0.05, 12);
    expect(s.topHitRate, 'it rose').toBe(1);
    expect(s.allMean, 'mean of all ten').toBeCloseTo(0.009, 12);
    expect(s.allHitRate, 'six of ten rose').toBe(0.6);
  });
});
