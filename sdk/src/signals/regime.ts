import type { FeatureRow } from '../features/types.js';
import type { Side } from '../strategies/types.js';
import type { RegimeParams } from './config.js';
import type { RegimeKind, RegimeState } from './types.js';

/**
 * Reads the regime from the anchor's features (ADX with +DI/-DI, ATR, EMA slope, volatility
 * ratio). Panic wins over everything: a one-bar move of `panicMoveAtr` ATRs or volatility expanding
 * past `panicVolRatio`. Otherwise a trend needs ADX >= `trendAdxMin` with EMA slope and DI agreeing;
 * the rest is chop. Null while the anchor's indicators are warming up.
 */
export function classifyRegime(f: FeatureRow, p: RegimeParams): RegimeState | null {
  const { adx, plusDi, minusDi, atr, atrPct, emaSlope, close, ret1, volRatio } = f;
  if (![adx, plusDi, minusDi, atr, atrPct, emaSlope, close].every(Number.isFinite)) return null;
  const moveAtr = Number.isFinite(ret1) && atr > 0 ? Math.abs(close - close / (1 + ret1)) / atr : 0;
  let kind: RegimeKind;
  if (moveAtr >= p.panicMoveAtr || (Number.isFinite(volRatio) && volRatio >= p.panicVolRatio)) kind = 'panic';
  else if (adx >= p.trendAdxMin && emaSlope > 0 && plusDi > minusDi) kind = 'bull';
  else if (adx >= p.trendAdxMin && emaSlope < 0 && minusDi > plusDi) kind = 'bear';
  else kind = 'chop';
  const score = Math.tanh(emaSlope * p.slopeScale) * Math.min(1, adx / 40);
  return {
    kind,
    score,
    riskMultiplier: p.riskMultiplier[kind],
    tpslMultiplier: kind === 'panic' ? p.panicTpslShrink : 1,
    asOfOpenTimeMs: f.openTimeMs,
    adx,
    atrPct,
    emaSlope,
  };
}

/** Score multiplier for a signal on `side`: trend-aligned boosted, counter-trend and chop penalised. */
export function regimeScoreMultiplier(regime: RegimeState | null, side: Side, p: RegimeParams): number {
  if (!regime) return 1;
  switch (regime.kind) {
    case 'bull':
      return side === 'long' ? 1 + p.trendBoost : 1 - p.trendBoost;
    case 'bear':
      return side === 'short' ? 1 + p.trendBoost : 1 - p.trendBoost;
    case 'chop':
      return 1 - p.chopPenalty;
    case 'panic':
      return p.panicScoreMultiplier;
  }
}
