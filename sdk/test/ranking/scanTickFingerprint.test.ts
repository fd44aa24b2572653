/**
 * A regression guard for the scan path (detects change, not correctness): the engine's live path in
 * small (warm start, first cycle, bar closes on every series, snapshots from the rings, radar and
 * ranking; see `scanTickPipeline.ts`) must give exactly the pinned outputs. Speed work on that path
 * must leave every signal, feature row, analysis and ranking bit-identical. The hash was taken from
 * the code before the scan-tick speed work; a deliberate change of output re-pins it (the failing
 * assertion reports the new value).
 */
import { describe, expect, it } from 'vitest';
import { runScanTickPipeline } from './scanTickPipeline.js';

const PINNED = {
  sha256: '790803f6107d248652f04b7c494c43780778a1f9fcd0fc5438d3569f279b4473',
  cycles: 25,
  candidates: 322,
  signals: 265,
  rankedRows: 48,
  flaggedRows: 9,
};

describe('scan-tick pipeline fingerprint (detects change, not correctness)', () => {
  it('a warm start from the ring candles (`seed(ring.toArray())`) gives the pinned cycles, analyses and rankings', () => {
    expect(runScanTickPipeline((ev, symbol, tf, ring) => ev.seed(symbol, tf, ring.toArray()))).toEqual(PINNED);
  });

  it('a warm start straight from the ring (`seedFromRing`, as the analyzer seeds) gives the same', () => {
    expect(runScanTickPipeline((ev, symbol, tf, ring) => ev.seedFromRing(symbol, tf, ring))).toEqual(PINNED);
  });

  it('a warm start from copied ring columns (`seedColumns(ring.columns())`) gives the same', () => {
    expect(runScanTickPipeline((ev, symbol, tf, ring) => ev.seedColumns(symbol, tf, ring.columns()))).toEqual(PINNED);
  });
});
