import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { candidateKey, describeParams, gridCandidates, parseSpaceSpec, randomCandidates, withCandidate } from '../../src/backtest/paramSpace.js';
import { createStrategyRegistry, NO_SIGNAL } from '../../src/strategies/index.js';
import { InvalidInputError } from '../../src/core/errors.js';
import { thrownError } from '../thrownError.js';


describe('parameter space from the strategies\' zod schemas', () => {
  it('reads kinds and bounds from each schema', () => {
    const specs = new Map(describeParams().map((s) => [s.path, s]));
    expect(specs.get('donchian-atr.riskPct')).toMatchObject({ kind: 'number', min: { value: 0, inclusive: false }, max: { value: 0.2, inclusive: true } });
    expect(specs.get('ema-cross.minAdx')).toMatchObject({ kind: 'number', min: { value: 0, inclusive: true } });
    expect(specs.get('ema-cross.minAdx')!.max).toBeUndefined();
    const registry = createStrategyRegistry().register({
      id: 'custom',
      description: 'test strategy',
      paramsSchema: z.strictObject({ lookback: z.number().int().min(2).max(50).default(10), mode: z.enum(['a', 'b']).default('a'), on: z.boolean().default(true) }),
      evaluate: () => NO_SIGNAL,
    });
    const custom = describeParams(registry).filter((s) => s.strategy === 'custom');
    expect(custom.map((s) => [s.param, s.kind])).toEqual([
      ['lookback', 'integer'],
      ['mode', 'enum'],
      ['on', 'boolean'],
    ]);
    expect(custom[1]!.options).toEqual(['a', 'b']);
  });

  it('a grid is every combination, checked by the schema, keyed canonically', () => {
    const c = gridCandidates(parseSpaceSpec('emaCross.minAdx=0,20;breakout.volumeBurstMin=1.5,2,3'));
    expect(c).toHaveLength(6);
    expect(c[0]).toEqual({ key: 'breakout.volumeBurstMin=1.5;ema-cross.minAdx=0', params: { 'ema-cross': { minAdx: 0 }, breakout: { volumeBurstMin: 1.5 } } });
    expect(new Set(c.map((x) => x.key)).size, 'keys are distinct').toBe(6);
    expect(candidateKey({})).toBe('defaults');
  });

  it('bad grids name the field, the value and what was expected', () => {
    const neg = thrownError(InvalidInputError, () => gridCandidates(parseSpaceSpec('breakout.volumeBurstMin=2,-1')));
    expect(neg.issues[0]).toMatchObject({ path: 'breakout.volumeBurstMin', received: '-1' });
    expect(neg.issues[0]!.expected).toMatch(/>0/);
    const nan = thrownError(InvalidInputError, () => gridCandidates(parseSpaceSpec('ema-cross.minAdx=abc')));
    expect(nan.issues[0]!.path).toBe('ema-cross.minAdx');
    const unknownStrategy = thrownError(InvalidInputError, () => gridCandidates(parseSpaceSpec('nope.x=1')));
    expect(unknownStrategy.issues[0]!.expected).toContain('ema-cross');
    const unknownParam = thrownError(InvalidInputError, () => gridCandidates(parseSpaceSpec('ema-cross.fast=8,12')));
    expect(unknownParam.issues[0]).toMatchObject({ path: 'grid.ema-cross.fast', received: '"fast"', expected: 'a parameter of ema-cross: minAdx' });
    expect(thrownError(InvalidInputError, () => gridCandidates(parseSpaceSpec('ema-cross.minAdx=0..10'))).issues[0]!.expected).toContain('ranges are for --random');
    expect(thrownError(InvalidInputError, () => parseSpaceSpec('minAdx=1')).issues[0]!.received).toBe('"minAdx=1"');
    expect(thrownError(InvalidInputError, () => parseSpaceSpec('ema-cross.minAdx=5..1')).issues[0]!.expected).toContain('lo <= hi');
    expect(thrownError(InvalidInputError, () => parseSpaceSpec(' ; ')).issues[0]!.expected).toContain('at least one');
  });

  it('a grid of more than 100,000 combinations is refused before it is built, naming the count', () => {
    const values = (n: number) => Array.from({ length: n }, (_, i) => i + 1).join(',');
    const err = thrownError(InvalidInputError, () => gridCandidates(parseSpaceSpec(`ema-cross.minAdx=${values(1_000)};breakout.volumeBurstMin=${values(101)}`)));
    expect(err.issues).toEqual([
      {
        path: 'grid',
        received: '101000 combinations (1000 ema-cross.minAdx x 101 breakout.volumeBurstMin)',
        expected: 'at most 100000 combinations: fewer values, or a random search (--random N --space SPEC)',
      },
    ]);
    const huge = thrownError(InvalidInputError, () => gridCandidates(parseSpaceSpec(['ema-cross.minAdx', 'breakout.volumeBurstMin', 'donchian-atr.riskPct'].map((p) => `${p}=${values(1_000)}`).join(';'))));
    expect(huge.issues[0]!.received).toMatch(/^1000000000 combinations/);
    expect(gridCandidates(parseSpaceSpec(`ema-cross.minAdx=${values(400)};breakout.volumeBurstMin=${values(2)}`)), 'below the cap: built').toHaveLength(800);
  });

  it('random search: seeded, distinct, inside the ranges, ranges from the schema where it has both bounds', () => {
    const space = parseSpaceSpec('ema-cross.minAdx=0..40;donchian-atr.riskPct;breakout.volumeBurstMin=1.5,2');
    const a = randomCandidates(space, { samples: 12, seed: 42 });
    expect(randomCandidates(space, { samples: 12, seed: 42 }), 'same seed, same candidates').toEqual(a);
    expect(randomCandidates(space, { samples: 12, seed: 43 })).not.toEqual(a);
    expect(new Set(a.map((c) => c.key)).size).toBe(12);
    for (const c of a) {
      expect(c.params['ema-cross']!.minAdx).toBeGreaterThanOrEqual(0);
      expect(c.params['ema-cross']!.minAdx).toBeLessThanOrEqual(40);
      expect(c.params['donchian-atr']!.riskPct).toBeGreaterThan(0);
      expect(c.params['donchian-atr']!.riskPct).toBeLessThanOrEqual(0.2);
      expect([1.5, 2]).toContain(c.params.breakout!.volumeBurstMin);
    }
  });

  it('random search over a number without a range names it', () => {
    const err = thrownError(InvalidInputError, () => randomCandidates(parseSpaceSpec('ema-cross.minAdx;breakout.volumeBurstMin'), { samples: 3, seed: 1 }));
    expect(err.issues.map((i) => i.path)).toEqual(['space.breakout.volumeBurstMin', 'space.ema-cross.minAdx']);
    expect(err.issues[1]!.received).toBe('no range (the schema has min 0 and no max)');
    expect(err.issues[1]!.expected).toBe('a range, e.g. ema-cross.minAdx=0..10');
  });

  it('a small discrete space gives what it has; integers, enums and booleans are drawn from their choices', () => {
    const registry = createStrategyRegistry().register({
      id: 'custom',
      description: 'test strategy',
      paramsSchema: z.strictObject({ lookback: z.number().int().min(2).max(4).default(2), mode: z.enum(['a', 'b']).default('a'), on: z.boolean().default(true) }),
      evaluate: () => NO_SIGNAL,
    });
    const all = randomCandidates(parseSpaceSpec('custom.lookback;custom.mode;custom.on'), { samples: 100, seed: 3 }, registry);
    expect(all, '3 x 2 x 2 points').toHaveLength(12);
    expect(new Set(all.map((c) => c.params.custom!.lookback))).toEqual(new Set([2, 3, 4]));
  });

  it('withCandidate lays the parameters over the config, keeping the rest', () => {
    const base = { risk: { gates: { minScore: 0 } }, signals: { strategies: { 'ema-cross': { enabled: false, params: { minAdx: 5 } }, breakout: { params: { minBreakAtr: 0.1 } } } } };
    const out = withCandidate(base, { key: 'k', params: { breakout: { volumeBurstMin: 2 } } });
    expect(out.signals!.strategies).toEqual({ 'ema-cross': { enabled: false, params: { minAdx: 5 } }, breakout: { params: { minBreakAtr: 0.1, volumeBurstMin: 2 } } });
    expect(out.risk).toEqual(base.risk);
    expect(base.signals.strategies.breakout.params, 'the base is not changed').toEqual({ minBreakAtr: 0.1 });
  });
});
