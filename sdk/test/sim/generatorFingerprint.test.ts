import { describe, expect, it } from 'vitest';
import { fingerprintSymbols, freshGenerator, generatorFingerprint } from './generatorFingerprint.js';

// Computed by the generator before its hour caches were shared (each hour's minutes and summary
// generated separately, every price read through the hour's minutes): the faster paths must
// serve the very same doubles.
const REFERENCE = {
  fineFirst: '49ce2795eb3255f5f4a827bd17e1f49a2af11b1ca29a9771afbc2f706c8d8fb2',
  coarseFirst: '8ac058c32f14bd9423d19a0f829f5c75538c1c3413da192699c79f27516ce057',
};

describe('generated history is byte-identical to the reference generator', () => {
  it('reads the sub-hour timeframes first (hour summaries then come from cached minutes)', () => {
    const gen = freshGenerator();
    expect(fingerprintSymbols(gen).length, 'BTC, ETH, four sims and the episode symbols').toBeGreaterThan(6);
    expect(generatorFingerprint(gen, fingerprintSymbols(gen), 'fine-first'), 'same seed and start, same bytes').toBe(REFERENCE.fineFirst);
  });

  it('reads the hourly timeframes first (hour summaries from their own cores)', () => {
    const gen = freshGenerator();
    expect(generatorFingerprint(gen, fingerprintSymbols(gen), 'coarse-first'), 'same seed and start, same bytes').toBe(REFERENCE.coarseFirst);
  });

  it('gives the same bytes on a warm generator as on a cold one', () => {
    const gen = freshGenerator();
    const symbols = fingerprintSymbols(gen);
    generatorFingerprint(gen, symbols, 'coarse-first');
    expect(generatorFingerprint(gen, symbols, 'fine-first'), 'every cache already filled').toBe(REFERENCE.fineFirst);
  });
});
