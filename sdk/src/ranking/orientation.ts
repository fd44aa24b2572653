import { z } from 'zod';
import { parseOrThrow } from '../core/zodIssues.js';
import shipped from './orientations/default.json' with { type: 'json' };
import { ProfileWeightsSchema, type ProfileWeights } from './profiles.js';

/**
 * Which side a ranked symbol is shown on: `momentum` follows the sign of its risk-adjusted trend,
 * `reversal` fades it. The score itself does not change; only the side, and the carry edge,
 * which is funding received on that side.
 */
export const SIDE_BASES = ['momentum', 'reversal'] as const;
export type SideBasis = (typeof SIDE_BASES)[number];

/** A rank IC (Spearman of score with side-signed forward return) over non-overlapping windows. */
export const RankIcFigureSchema = z.strictObject({
  /** What it was measured on, in words (a data set and which part of it). */
  sample: z.string().min(1),
  windows: z.number().int().nonnegative(),
  ic: z.number().finite().nullable(),
  t: z.number().finite().nullable(),
  /** The best naive baseline (24h momentum, 24h reversal, ATR%) on the same windows. */
  bestBaseline: z.string().min(1),
  bestBaselineIc: z.number().finite().nullable(),
});
export type RankIcFigure = z.output<typeof RankIcFigureSchema>;

export const ProfileOrientationSchema = z.strictObject({
  basis: z.enum(SIDE_BASES),
  /** The weights measured: a profile whose weights were edited since has no evidence and follows the momentum. */
  weights: ProfileWeightsSchema,
  /** The profile's IC with the momentum side on the whole fitting set, which chose `basis`. */
  fitIc: z.number().finite().nullable(),
  /** Out of sample, with the side chosen walk-forward (fitting set) or by this file (later sets). */
  evidence: z.array(RankIcFigureSchema),
});
export type ProfileOrientation = z.output<typeof ProfileOrientationSchema>;

/**
 * The side rule per ranking profile, fitted on recorded history and shipped as data beside the
 * signal calibrations. Written by `scripts/eval-signals.ts`.
 */
export const RankingOrientationFileSchema = z.strictObject({
  format: z.literal(1),
  id: z.string().min(1),
  dataset: z.string().min(1),
  /** sha256 of every bar of the fitting set. */
  fingerprint: z.string().min(1),
  timeframe: z.string().min(1),
  /** Forward horizon, in bars, whose IC sign chose each profile's side. */
  horizonBars: z.number().int().positive(),
  /** First and last cycle fitted on, ISO UTC. */
  from: z.string().min(1),
  to: z.string().min(1),
  generatedBy: z.string().min(1),
  profiles: z.record(z.string(), ProfileOrientationSchema),
  /** One sentence: what the evidence does and does not show. */
  verdict: z.string().min(1),
});
export type RankingOrientationFile = z.output<typeof RankingOrientationFileSchema>;

/** Validates a parsed orientation file; throws `InvalidInputError` naming each bad field. */
export function parseRankingOrientationFile(raw: unknown): RankingOrientationFile {
  return parseOrThrow(RankingOrientationFileSchema, 'ranking orientation file', raw);
}

/** The orientation shipped with the SDK (`orientations/default.json`). */
export const DEFAULT_RANKING_ORIENTATION: RankingOrientationFile = parseRankingOrientationFile(shipped);

/** How one profile's rows were sided, as a ranking result reports it. */
export interface RankingSide {
  basis: SideBasis;
  /** Id of the orientation file that chose the basis; null: no file, or the profile is not in it (momentum). */
  orientationId: string | null;
  /** Out-of-sample IC figures behind the basis; empty when none were measured. */
  evidence: RankIcFigure[];
}

const sameWeights = (a: ProfileWeights, b: ProfileWeights): boolean => (Object.keys(a) as (keyof ProfileWeights)[]).every((k) => a[k] === b[k]);

/**
 * The side rule of `profile` with its current `weights` under `file`: momentum, without evidence,
 * for a profile the file does not cover or whose weights differ from the ones it measured.
 */
export function rankingSide(file: RankingOrientationFile | null, profile: string, weights: ProfileWeights): RankingSide {
  const p = file?.profiles[profile];
  if (!file || !p || !sameWeights(p.weights, weights)) return { basis: 'momentum', orientationId: null, evidence: [] };
  return { basis: p.basis, orientationId: file.id, evidence: p.evidence };
}

/** +1 to keep the momentum side, -1 to fade it. */
export const basisSign = (basis: SideBasis): 1 | -1 => (basis === 'reversal' ? -1 : 1);
