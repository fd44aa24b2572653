import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateSignalBaseline, type SignalBaseline } from './baseline/generate.js';

const expectedPath = new URL('./baseline/expected-signals.json', import.meta.url);

describe('signal baseline', () => {
  it('the engine reproduces the committed signals exactly (regenerate with scripts/regen-signal-baseline.ts)', () => {
    const expected = JSON.parse(readFileSync(expectedPath, 'utf8')) as SignalBaseline;
    const actual = generateSignalBaseline();
    expect(expected.signals.length, 'the committed baseline is not empty').toBeGreaterThan(100);
    expect(actual.signals, 'every signal, in order').toEqual(expected.signals);
    expect(actual).toEqual(expected);
  });
});
