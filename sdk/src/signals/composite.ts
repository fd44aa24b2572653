import { TIMEFRAMES, timeframeMs, type Timeframe } from '@perpscope/shared';
import type { FeatureRow } from '../features/types.js';
import type { EntryPlan, Side, StrategyResult } from '../strategies/types.js';
import { calibratedProbability, calibrationApplies, type CompiledCalibration } from './calibration.js';
import { strategyEvidence, type CompiledEdgeEvidence, type StrategyEvidence } from './edgeEvidence.js';
import type { BlendParams, LabelerParams, RegimeParams } from './config.js';
import { regimeScoreMultiplier } from './regime.js';
import { signalId } from './signalId.js';
import type { RegimeState, Signal, SignalComponent } from './types.js';

/** One strategy's result with its id, as fed to `blendSignal`. */
export interface StrategyVote {
  id: string;
  result: StrategyResult;
}

export interface BlendInput {
  symbol: string;
  timeframe: string;
  closeTimeMs: number;
  features: FeatureRow;
  /** Votes in strategy-id order. */
  votes: readonly StrategyVote[];
  /** Bandit blend weight per strategy id (1 = average). */
  weights: ReadonlyMap<string, number>;
  regime: RegimeState | null;
  blend: BlendParams;
  labeler: LabelerParams;
  regimeParams: RegimeParams;
  calibration: CompiledCalibration | null;
  /** Edge evidence the signal carries per agreeing strategy; null: none. */
  edge?: CompiledEdgeEvidence | null;
}

function clampProbability(p: number): number {
  return p < 0.01 ? 0.01 : p > 0.99 ? 0.99 : p;
}

/** Funding settlements are 8 hours apart unless the venue says otherwise; the features do not carry the interval. */
const FUNDING_INTERVAL_MS = 8 * 3_600_000;

/**
 * Funding paid (positive) by a position of direction `dir` held for the labeler's whole horizon at
 * the current rate, as a fraction of notional: an upper bound on the holding time, so a payer is
 * never flattered. 0 when the rate is unknown.
 */
function fundingOverHorizon(fundingRate: number, dir: 1 | -1, timeframe: string, horizonBars: number): number {
  if (!Number.isFinite(fundingRate) || !(TIMEFRAMES as readonly string[]).includes(timeframe)) return 0;
  return (dir * fundingRate * horizonBars * timeframeMs(timeframe as Timeframe)) / FUNDING_INTERVAL_MS;
}

/** True when a blended signal clears the score and agreeing-component gates. */
export function passesGates(s: Signal, blend: BlendParams): boolean {
  return s.score >= blend.minScore && s.components.length >= blend.minComponents;
}

/**
 * Blends strategy votes into one composite signal, or null when no side wins. The score and
 * component gates (`minScore`, `minComponents`) are applied by the caller, so that signals below
 * them can still be labeled for learning.
 * The side is the one with the larger weighted vote; the score is
 * `scoreScale * (agreeing weighted strength - opposing weighted strength) * regime multiplier`.
 * TP/SL are the labeler's ATR multiples (shrunk in panic), so the expected value matches what the
 * labeler will score.
 */
export function blendSignal(input: BlendInput): Signal | null {
  const f = input.features;
  const { close, atr } = f;
  if (!(Number.isFinite(close) && Number.isFinite(atr) && close > 0 && atr > 0)) return null;
  let longSum = 0;
  let shortSum = 0;
  for (const v of input.votes) {
    const r = v.result;
    if (!r.pass || !r.side || !(r.score > 0)) continue;
    const w = input.weights.get(v.id) ?? 1;
    if (r.side === 'long') {
      longSum += w * r.score;
    } else {
      shortSum += w * r.score;
    }
  }
  if (longSum === shortSum) return null;
  const side: Side = longSum > shortSum ? 'long' : 'short';
  const net = Math.abs(longSum - shortSum);
  const score = input.blend.scoreScale * net * regimeScoreMultiplier(input.regime, side, input.regimeParams);
  if (!(score > 0)) return null;

  const components: SignalComponent[] = [];
  // Gathered with repeats, then sorted and deduplicated: the same list as a set sorted, without a
  // set per signal (one is blended for most bars of every cycle).
  const tags: string[] = [];
  const byComponent: Record<string, number> = {};
  let entryPlan: EntryPlan | null = null;
  for (const v of input.votes) {
    const r = v.result;
    if (!r.pass || r.side !== side || !(r.score > 0)) continue;
    const level = r.level !== null && Number.isFinite(r.level) ? r.level : null;
    components.push({ id: v.id, side, score: r.score, weight: input.weights.get(v.id) ?? 1, level });
    for (let k = 0; k < r.tags.length; k++) tags.push(r.tags[k]!);
    if (level !== null) byComponent[v.id] = level;
    if (r.plan && !entryPlan) entryPlan = r.plan;
  }
  components.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (input.regime) tags.push(`regime:${input.regime.kind}`);

  const tpslMult = input.regime ? input.regime.tpslMultiplier : 1;
  const tpDistance = input.labeler.tpAtrMult * atr * tpslMult;
  const slDistance = input.labeler.slAtrMult * atr * tpslMult;
  const dir = side === 'long' ? 1 : -1;
  const stop = close - dir * slDistance;
  const takeProfit = close + dir * tpDistance;
  if (!(stop > 0 && takeProfit > 0)) return null;

  const calibration = input.calibration && calibrationApplies(input.calibration, input.timeframe) ? input.calibration : null;
  const probability = clampProbability(
    calibration
      ? calibratedProbability(calibration, f, score, components.length, side)
      : 1 / (1 + Math.exp(-input.blend.probabilitySlope * (score - input.blend.probabilityMidScore))),
  );
  const expectedValue =
    (probability * tpDistance - (1 - probability) * slDistance) / close - input.blend.roundTripFeeBps / 10_000 - fundingOverHorizon(f.fundingRate, dir, input.timeframe, input.labeler.horizonBars);
  const componentIds = components.map((c) => c.id);
  const regimeKind = input.regime ? input.regime.kind : null;
  const evidence: StrategyEvidence[] = [];
  if (input.edge) {
    for (const id of componentIds) {
      const e = strategyEvidence(input.edge, id, input.timeframe, regimeKind);
      if (e) evidence.push(e);
    }
  }
  tags.sort();
  let unique = 0;
  for (let k = 0; k < tags.length; k++) if (k === 0 || tags[k] !== tags[unique - 1]) tags[unique++] = tags[k]!;
  tags.length = unique;
  const id = signalId(input.symbol, input.timeframe, f.openTimeMs, side, componentIds);
  const riskMultiplier = input.regime ? input.regime.riskMultiplier : 1;
  const levels = { entry: close, stop, takeProfit, byComponent };
  // Two literals rather than one with a conditional spread: the key order is the same, and a spread
  // in the middle of a literal builds the object property by property.
  return calibration
    ? {
        id,
        symbol: input.symbol,
        timeframe: input.timeframe,
        openTimeMs: f.openTimeMs,
        closeTimeMs: input.closeTimeMs,
        side,
        score,
        calibrated: true,
        calibrationId: calibration.id,
        probability,
        expectedValue,
        regime: regimeKind,
        riskMultiplier,
        components,
        evidence,
        tags,
        levels,
        entryPlan,
      }
    : {
        id,
        symbol: input.symbol,
        timeframe: input.timeframe,
        openTimeMs: f.openTimeMs,
        closeTimeMs: input.closeTimeMs,
        side,
        score,
        calibrated: false,
        probability,
        expectedValue,
        regime: regimeKind,
        riskMultiplier,
        components,
        evidence,
        tags,
        levels,
        entryPlan,
      };
}
