import { describe, expect, it } from 'vitest';
import { Exp3Bandit } from '../../src/signals/bandit.js';

describe('Exp3Bandit', () => {
  it('starts uniform: p = 1/K and blend weight 1 per arm', () => {
    const b = new Exp3Bandit(['c', 'a', 'b'], 0.1, 0.1, 4);
    expect([...b.probabilities()]).toEqual([1 / 3, 1 / 3, 1 / 3].map((x) => expect.closeTo(x, 15)));
    expect(b.armIds, 'arms are kept sorted').toEqual(['a', 'b', 'c']);
    expect([...b.blendWeights().values()].map((w) => Number(w.toFixed(12)))).toEqual([1, 1, 1]);
  });

  it('update math: logW += rate * (reward - 0.5), re-centred on the best arm', () => {
    const gamma = 0.1;
    const rate = 0.5;
    const b = new Exp3Bandit(['a', 'b', 'c'], gamma, rate, 10);
    b.update(['a'], 1);
    // logW: a = +0.25 -> re-centred: a 0, b -0.25, c -0.25.
    expect(b.snapshot().logWeights).toEqual({ a: 0, b: -0.25, c: -0.25 });
    const wa = 1;
    const wb = Math.exp(-0.25);
    const sum = wa + 2 * wb;
    const pa = (1 - gamma) * (wa / sum) + gamma / 3;
    const pb = (1 - gamma) * (wb / sum) + gamma / 3;
    const p = b.probabilities();
    expect(p[0]).toBeCloseTo(pa, 15);
    expect(p[1]).toBeCloseTo(pb, 15);
    expect(p[0]! + p[1]! + p[2]!, 'probabilities sum to 1').toBeCloseTo(1, 15);
    expect(b.blendWeights().get('a')).toBeCloseTo(3 * pa, 15);
    b.update(['b', 'c'], 0);
    expect(b.snapshot().logWeights, 'a loss on b and c moves both by -0.25').toEqual({ a: 0, b: -0.5, c: -0.5 });
    expect(b.updates).toBe(2);
  });

  it('a break-even reward (0.5) moves nothing; rewards are clamped to [0, 1]', () => {
    const b = new Exp3Bandit(['a', 'b'], 0.1, 0.5, 10);
    b.update(['a'], 0.5);
    expect(b.snapshot().logWeights).toEqual({ a: 0, b: 0 });
    b.update(['a'], 7);
    expect(b.snapshot().logWeights.b, 'clamped to 1: +0.25 on a').toBe(-0.25);
  });

  it('the exploration floor: no arm below gamma / K, and log-weights floored at -spread', () => {
    const b = new Exp3Bandit(['a', 'b'], 0.2, 1, 3);
    for (let i = 0; i < 100; i++) b.update(['a'], 1);
    expect(b.snapshot().logWeights.b, 'floored at -3').toBe(-3);
    expect(b.probabilities()[1]).toBeGreaterThanOrEqual(0.1);
  });

  it('snapshot and restore; unknown arms ignored, new arms start at the mean', () => {
    const b = new Exp3Bandit(['a', 'b'], 0.1, 0.5, 10);
    b.update(['a'], 1);
    const restored = new Exp3Bandit(['a', 'b', 'c'], 0.1, 0.5, 10, JSON.parse(JSON.stringify(b.snapshot())));
    expect(restored.snapshot().logWeights).toEqual({ a: 0, b: -0.25, c: -0.125 });
    restored.update(['zzz'], 1);
    expect(restored.updates, 'an unknown arm is not an update').toBe(1);
  });
});
