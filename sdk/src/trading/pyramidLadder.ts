import { z } from 'zod';
import type { AutoTraderConfig } from './autoTraderConfig.js';

type PyramidLevels = AutoTraderConfig['pyramidLevels'];

/**
 * Pyramiding as a trader sets it: how many adds, where the first one comes, how far apart the
 * next ones are, and how each add's size shrinks. It expands to `autotrade.pyramidLevels`.
 */
export const PyramidLadderSchema = z.strictObject({
  /** Number of adds; 0 turns pyramiding off. */
  adds: z.number().int().min(0).max(10),
  /** Favourable move, in R (the initial stop distance), of the first add. */
  firstAtR: z.number().positive().max(100),
  /** Further move, in R, between one add and the next. */
  spacingR: z.number().positive().max(100),
  /** Size of the first add, as a fraction of the initial position. */
  firstFraction: z.number().positive().max(1),
  /** Each further add is this fraction of the one before (1: all the same size). */
  sizeDecay: z.number().positive().max(1),
});
export type PyramidLadder = z.infer<typeof PyramidLadderSchema>;

/** The levels a ladder stands for: add `i` (from 0) at `firstAtR + i·spacingR` R, `firstFraction · sizeDecay^i` of the initial size. */
export function pyramidLevelsFromLadder(l: PyramidLadder): PyramidLevels {
  return Array.from({ length: l.adds }, (_, i) => ({ atR: l.firstAtR + i * l.spacingR, fraction: l.firstFraction * l.sizeDecay ** i }));
}

/** Shown while pyramiding is off and nothing else was chosen: the seed's 2 R and 3 R adds of 0.3 and 0.2. */
const SEED_LADDER: PyramidLadder = { adds: 0, firstAtR: 2, spacingR: 1, firstFraction: 0.3, sizeDecay: 2 / 3 };

/**
 * The ladder closest to configured levels: exact for evenly spaced levels with a constant size
 * ratio (as a ladder writes them); otherwise first level, first spacing and first ratio, with the
 * number of levels kept.
 */
export function ladderFromPyramidLevels(levels: PyramidLevels): PyramidLadder {
  const [first, second] = levels;
  if (!first) return { ...SEED_LADDER };
  return {
    adds: levels.length,
    firstAtR: first.atR,
    spacingR: second && second.atR > first.atR ? second.atR - first.atR : SEED_LADDER.spacingR,
    firstFraction: first.fraction,
    sizeDecay: second ? Math.min(1, second.fraction / first.fraction) : 1,
  };
}
