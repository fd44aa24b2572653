import { describe, expect, it } from 'vitest';
import { bootstrapLowerBound, expectancyBound } from '../../../src/signals/evaluation/expectancy.js';

describe('expectancy lower bounds', () => {
  it('the t bound of a known sample, computed by hand', () => {
    // Mean 2.5, sample sd sqrt(5/3) = 1.2910, se 0.6455; 95 % one-sided: 2.5 - 1.644854 * 0.6455 (the normal quantile to six digits).
    const e = expectancyBound([1, 2, 3, 4]);
    expect(e.mean, 'mean').toBe(2.5);
    expect(e.standardError, 'se').toBeCloseTo(Math.sqrt(5 / 3) / 2, 12);
    expect(e.lowerT, 'lower bound').toBeCloseTo(2.5 - 1.644854 * (Math.sqrt(5 / 3) / 2), 5);
    expect(Number.isNaN(expectancyBound([1]).lowerT), 'one sample has no bound').toBe(true);
    expect(expectancyBound([1, 2, 3, 4], 0.99).lowerT, 'any confidence: 99 % uses z 2.326').toBeCloseTo(2.5 - 2.326348 * (Math.sqrt(5 / 3) / 2), 5);
    expect(() => expectancyBound([1, 2], 1), 'a confidence outside (0, 1) is refused').toThrow(/confidence must be in \(0, 1\) \(got 1\)/);
  });

  it('on a known distribution the bounds cover the true mean at about the stated rate', () => {
    // Returns uniform on [-1, 1.2]: true mean 0.1. Over 400 samples of 200, the 95 % lower bound
    // should lie below 0.1 in about 95 % of them.
    let a = 12345;
    const rand = (): number => {
      a = (Math.imul(a, 1103515245) + 12345) >>> 0;
      return a / 4294967296;
    };
    let coveredT = 0;
    let coveredBoot = 0;
    const trials = 400;
    for (let k = 0; k < trials; k++) {
      const xs = Array.from({ length: 200 }, () => -1 + 2.2 * rand());
      if (expectancyBound(xs).lowerT < 0.1) coveredT++;
      if (bootstrapLowerBound(xs, 0.95, 300, k + 1) < 0.1) coveredBoot++;
    }
    expect(coveredT / trials, 't bound covers about 95 %').toBeGreaterThan(0.91);
    expect(coveredT / trials, 'and is not trivially loose').toBeLessThan(0.99);
    expect(coveredBoot / trials, 'bootstrap bound covers about 95 %').toBeGreaterThan(0.9);
    expect(coveredBoot / trials, 'and is not trivially loose').toBeLessThan(0.99);
  });

  it('the bootstrap bound is seeded: the same input gives the same bound', () => {
    const xs = [0.3, -0.2, 0.5, 0.1, -0.4, 0.2];
    expect(bootstrapLowerBound(xs, 0.95, 500, 9), 'same seed').toBe(bootstrapLowerBound(xs, 0.95, 500, 9));
    expect(bootstrapLowerBound(xs), 'below the mean').toBeLessThan(xs.reduce((s, x) => s + x, 0) / xs.length);
  });
});
