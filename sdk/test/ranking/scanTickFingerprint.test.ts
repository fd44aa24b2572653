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

// Re-pinned when the market context grew to the 6-bar horizon (the longest span a rule nets
// against the peers) and gained `earlier` (cross-sections of lagging symbols' own bars): the
// context itself is hashed, so its longer `medianRet`/`benchmarkRet` and `key` change the hash. The
// analyses and rankings of this pipeline are unchanged: hashed alone, they are equal under a
// 4-bar and a 6-bar context (no accumulation flag fires here and no series lags).
// Re-pinned again when a cycle gained `dropped` (the labels the labeler's cap dropped; none here):
// with that field left out of the hash, the pipeline still gives the previous pin, 4394b559...
const PINNED = {
  sha256: '148a655bc44633eee1433bde0bda5aec6dd767c1a389c8953be117354ee30f2d',
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

  it('snapshots whose columns are views of the ring storage (as `buildSnapshots` gives the analyzer), moved by every bar, give the same', () => {
    // Any analysis, cache entry or ranking that kept reading a previous cycle's columns would see
    // them shifted or overwritten by the next bars (the rings wrap and move to the front) and change the hash.
    expect(runScanTickPipeline((ev, symbol, tf, ring) => ev.seedFromRing(symbol, tf, ring), { viewColumns: true })).toEqual(PINNED);
  });
});
