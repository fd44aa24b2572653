import { z } from 'zod';
import { InvalidInputError } from '../core/errors.js';
import { zodIssuesToFieldIssues } from '../core/zodIssues.js';
import { FeatureParamsSchema } from '../features/params.js';
import { CalibrationSchema } from './calibration.js';
import { EdgeEvidenceFileSchema } from './edgeEvidence.js';

const finite = z.number().finite();
const fraction = z.number().finite().min(0).max(1);

export const BlendParamsSchema = z.strictObject({
  /** Composite score points per unit of strategy strength at bandit weight 1. */
  scoreScale: z.number().finite().positive().default(3),
  /** Candidates below this composite score are dropped. */
  minScore: finite.default(2.5),
  /** Minimum number of strategies agreeing on the side. */
  minComponents: z.number().int().min(1).default(1),
  /** Heuristic probability (no calibration): `sigmoid(slope * (score - midScore))`. */
  probabilitySlope: z.number().finite().positive().default(0.35),
  probabilityMidScore: finite.default(3),
  /** Round-trip trading cost charged in `expectedValue`, in bps of the entry (two taker fees). */
  roundTripFeeBps: z.number().finite().min(0).max(1000).default(12),
});

export const BanditParamsSchema = z.strictObject({
  /** EXP3 exploration rate: every arm keeps at least `gamma / K` probability. */
  gamma: z.number().finite().gt(0).max(1).default(0.1),
  /** Step size of the log-weight update per matured outcome. */
  learningRate: z.number().finite().positive().max(1).default(0.005),
  /** Floor of an arm's log-weight below the best arm's (e^-4: about 1/55 of the best weight). */
  maxLogWeightSpread: z.number().finite().positive().max(50).default(4),
});

export const LabelerParamsSchema = z.strictObject({
  /** Bars after the signal bar before an untouched signal is labeled as a timeout. */
  horizonBars: z.number().int().min(1).max(10_000).default(12),
  tpAtrMult: z.number().finite().positive().default(1.6),
  slAtrMult: z.number().finite().positive().default(1.2),
  /** Oldest pending labels are dropped beyond this many. */
  maxPending: z.number().int().min(1).default(50_000),
});

export const RegimeParamsSchema = z.strictObject({
  anchorSymbol: z.string().min(1).default('BTC/USDT:USDT'),
  anchorTimeframe: z.string().min(1).default('1h'),
  /** ADX at or above this, with slope and DI agreeing, is a trend (bull or bear); below is chop. */
  trendAdxMin: finite.default(20),
  /** A one-bar move of this many ATRs on the anchor is panic. */
  panicMoveAtr: z.number().finite().positive().default(3.5),
  /** Short/long realized volatility ratio at or above this is panic. */
  panicVolRatio: z.number().finite().positive().default(2),
  /** EMA slope (fraction per bar) mapped through tanh for the smooth regime score. */
  slopeScale: z.number().finite().positive().default(500),
  trendBoost: fraction.default(0.35),
  chopPenalty: fraction.default(0.25),
  panicScoreMultiplier: fraction.default(0.5),
  panicTpslShrink: z.number().finite().positive().max(1).default(0.6),
  riskMultiplier: z
    .strictObject({
      bull: fraction.default(1),
      bear: fraction.default(1),
      chop: fraction.default(0.6),
      panic: fraction.default(0.3),
    })
    .prefault({}),
});

export const SelectionParamsSchema = z.strictObject({
  maxPerTimeframe: z.number().int().min(1).default(8),
  maxPerCycle: z.number().int().min(1).default(24),
  /** Minimum time between two emitted signals of one cooldown key, measured on bar close times. */
  cooldownMs: z.number().int().min(0).default(3_600_000),
  /** `symbol`: one key per symbol; `symbol-side`: longs and shorts cool down separately. */
  cooldownScope: z.enum(['symbol', 'symbol-side']).default('symbol-side'),
  /** Emitted ids are remembered this long (bar time) to drop repeats of the same signal. */
  dedupeWindowMs: z.number().int().min(0).default(7 * 86_400_000),
});

export const StrategySettingSchema = z.strictObject({
  enabled: z.boolean().default(true),
  params: z.record(z.string(), z.unknown()).default({}),
});

/** Everything the signal engine is tuned by; every field has a default. */
export const SignalEngineConfigSchema = z.strictObject({
  features: FeatureParamsSchema.prefault({}),
  /** Per-strategy switches and parameters by id; registered strategies not listed run with defaults. */
  strategies: z.record(z.string(), StrategySettingSchema).default({}),
  blend: BlendParamsSchema.prefault({}),
  bandit: BanditParamsSchema.prefault({}),
  labeler: LabelerParamsSchema.prefault({}),
  regime: RegimeParamsSchema.prefault({}),
  selection: SelectionParamsSchema.prefault({}),
  /**
   * Logistic calibration of probabilities. Absent: the SDK's shipped calibration
   * (`calibrations/default.json`) when it has one; null: none. Without one, signals say
   * `calibrated: false`.
   */
  calibration: CalibrationSchema.nullable().optional(),
  /**
   * Out-of-sample edge evidence per strategy x regime that signals carry and the AutoTrader's edge
   * gate reads. Absent: the SDK's shipped `calibrations/edge.json`; null: none (no signal is backed).
   */
  edgeEvidence: EdgeEvidenceFileSchema.nullable().optional(),
  /**
   * The running reliability table of stated probabilities against matured outcomes
   * (`ReliabilityMonitor`): it follows about the last `windowOutcomes` outcomes per calibration,
   * and a calibration whose stated and realized hit rates part by more than `tolerancePp`
   * percentage points (or three standard errors, if larger) over at least `minCount` outcomes drifts.
   */
  reliability: z
    .strictObject({
      windowOutcomes: z.number().int().min(10).max(1_000_000).default(2000),
      minCount: z.number().int().min(1).default(200),
      tolerancePp: z.number().finite().positive().max(100).default(5),
    })
    .prefault({}),
});

export type SignalEngineConfig = z.output<typeof SignalEngineConfigSchema>;
export type SignalEngineConfigInput = z.input<typeof SignalEngineConfigSchema>;
export type BlendParams = SignalEngineConfig['blend'];
export type BanditParams = SignalEngineConfig['bandit'];
export type LabelerParams = SignalEngineConfig['labeler'];
export type RegimeParams = SignalEngineConfig['regime'];
export type SelectionParams = SignalEngineConfig['selection'];

/** Validates a signal-engine configuration, filling defaults; throws `InvalidInputError` naming each bad field. */
export function resolveSignalEngineConfig(input: SignalEngineConfigInput = {}): SignalEngineConfig {
  const parsed = SignalEngineConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new InvalidInputError('signal engine configuration', zodIssuesToFieldIssues(parsed.error, input));
}
