import { hash32, stringHash, uniform } from './rng.js';

/**
 * How one simulated venue departs from the shared synthetic market for one symbol.
 *
 * Several sims on the same seed stand for several exchanges listing the same assets. Real venues
 * quote the same perpetual a few bps apart and fund it a few bps per 8h apart; identical copies
 * would show no cross-venue figures at all, and independent seeds show gaps of thousands of bps.
 * These deviations are synthetic (hashed, not modelled on any venue's microstructure): they exist
 * so cross-venue arithmetic runs on gaps of a plausible size, not to forecast a real basis.
 */
export interface VenueSkew {
  /** Seeds every draw of this (venue, symbol). */
  key: number;
  /** The level the basis reverts to, in log price (about bps / 10,000). */
  meanLog: number;
  /** The constant part of the funding offset, as a rate per 8h interval. */
  fundingMean: number;
}

/** Largest level the basis reverts to, in bps. */
const BASIS_MEAN_BPS = 6;
/** Largest excursion of each of the two wobbles around that level, in bps. */
const BASIS_FAST_BPS = 3;
const BASIS_SLOW_BPS = 3;
/** Knot spacing of the wobbles: the basis forgets a fast excursion within ~20 minutes, a slow one within ~4 hours. */
const FAST_KNOT_MS = 20 * 60_000;
const SLOW_KNOT_MS = 4 * 3_600_000;
/** Largest constant and per-interval parts of the funding offset, in bps per 8h. */
const FUNDING_MEAN_BPS = 2;
const FUNDING_WOBBLE_BPS = 1;

/** Bound on |basis| in bps: mean plus both wobbles at their extremes. */
export const MAX_VENUE_BASIS_BPS = BASIS_MEAN_BPS + BASIS_FAST_BPS + BASIS_SLOW_BPS;
/** Bound on |funding offset| in bps per 8h interval. */
export const MAX_VENUE_FUNDING_OFFSET_BPS = FUNDING_MEAN_BPS + FUNDING_WOBBLE_BPS;

/**
 * The skew of venue `index` for symbol `base`, or undefined for venue 0, the reference venue,
 * which serves the shared market unchanged (so a single sim and the first of several agree byte
 * for byte). Depends only on the venue index and the symbol.
 */
export function venueSkewFor(index: number, base: string): VenueSkew | undefined {
  if (!Number.isInteger(index) || index < 0) throw new Error(`venue.index: got ${index}, expected an integer >= 0`);
  if (index === 0) return undefined;
  const key = hash32(stringHash(base), 0x7e5e, index);
  return {
    key,
    meanLog: (BASIS_MEAN_BPS * (2 * uniform(key, 1) - 1)) / 10_000,
    fundingMean: (FUNDING_MEAN_BPS * (2 * uniform(key, 2) - 1)) / 10_000,
  };
}

/** Values in [-1, 1] at knots `spacingMs` apart, smoothly interpolated: a bounded noise that keeps returning to 0. */
function knotNoise(key: number, salt: number, atMs: number, spacingMs: number): number {
  const k = Math.floor(atMs / spacingMs);
  const x = atMs / spacingMs - k;
  const a = 2 * uniform(key, salt, k) - 1;
  const b = 2 * uniform(key, salt, k + 1) - 1;
  const s = x * x * (3 - 2 * x);
  return a + (b - a) * s;
}

/**
 * The venue's log-price basis at `atMs` against the shared path: a per-symbol level plus two
 * bounded wobbles that revert to it. Added to every log price the path serves before rounding,
 * so candles, last, trades, books and marks all move together.
 */
export function basisLog(skew: VenueSkew, atMs: number): number {
  const wobbleBps = BASIS_FAST_BPS * knotNoise(skew.key, 3, atMs, FAST_KNOT_MS) + BASIS_SLOW_BPS * knotNoise(skew.key, 4, atMs, SLOW_KNOT_MS);
  return skew.meanLog + wobbleBps / 10_000;
}

/** What the venue adds to the shared funding rate of 8h interval number `intervalIndex` (time / 8h). */
export function fundingOffset(skew: VenueSkew, intervalIndex: number): number {
  return skew.fundingMean + (FUNDING_WOBBLE_BPS * (2 * uniform(skew.key, 5, intervalIndex) - 1)) / 10_000;
}
