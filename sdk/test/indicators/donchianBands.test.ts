import { describe, expect, it } from 'vitest';
import { Donchian } from '../../src/indicators/index.js';

describe('Donchian band getters', () => {
  it('`upper` and `lower` equal `getResult()` on every bar, NaN before the window fills', () => {
    // Deterministic walk with flat stretches and repeated highs, where the deques' tie handling matters.
    let seed = 11;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    const dc = new Donchian(20);
    let price = 100;
    for (let i = 0; i < 3_000; i++) {
      price = i % 97 < 10 ? price : Math.max(1, price * (1 + (rnd() - 0.5) * 0.03));
      const bar = { high: price * (1 + rnd() * 0.01), low: price * (1 - rnd() * 0.01) };
      if (i % 13 === 0) dc.replace(bar);
      else dc.add(bar);
      const r = dc.getResult();
      expect(Object.is(dc.upper, r ? r.upper : Number.NaN), `upper at bar ${i}`).toBe(true);
      expect(Object.is(dc.lower, r ? r.lower : Number.NaN), `lower at bar ${i}`).toBe(true);
    }
    expect(dc.isStable).toBe(true);
  });
});
