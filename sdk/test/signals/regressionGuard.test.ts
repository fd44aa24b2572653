import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateSignalBaseline, type SignalBaseline } from './baseline/generate.js';

const expectedPath = new URL('./baseline/expected-signals.json', import.meta.url);

/**
 * A regression guard, not a correctness test: the committed signals were produced by the engine
 * itself, so this detects any change in what the engine emits on a fixed dataset, whether the
 * change is a fix or a bug. Correctness is checked elsewhere (engine, no-lookahead, real-data
 * tests); a deliberate change regenerates the file with scripts/regen-signal-baseline.ts.
 */
describe('signal regression guard (detects change, not correctness)', () => {
  it('the engine emits exactly the committed signals on the seeded dataset', () => {
    const expected = JSON.parse(readFileSync(expectedPath, 'utf8')) as SignalBaseline;
    const actual = generateSignalBaseline();
    expect(expected.signals.length, 'the committed baseline is not empty').toBeGreaterThan(100);
    expect(actual.signals, 'every signal, in order').toEqual(expected.signals);
    expect(actual).toEqual(expected);
  });
});
