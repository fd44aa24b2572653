import type { RiskConfig } from './config.js';
import { RiskRejectReason, type RiskOrderRequest, type RiskRejection, type RiskSizing } from './types.js';

type SizingConfig = RiskConfig['sizing'];
type SmartConfig = SizingConfig['smart'];

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

/** 1 at confidence 0.5, rising by `k` per unit of confidence above it (falling below). */
export function confidenceFactor(confidence: number, k: number): number {
  return 1 + k * (confidence - 0.5);
}

/** (atrRefPct / atrPct)^k: below 1 when the market is more volatile than the reference. */
export function volatilityFactor(atrPct: number, atrRefPct: number, k: number): number {
  return Math.pow(atrRefPct / atrPct, k);
}

/**
 * Smart leverage: base x confidence factor x volatility factor, rounded down to a whole number
 * (exchanges take whole leverage) and kept within [leverageMin, leverageMax].
 */
export function smartLeverage(smart: SmartConfig, confidence: number, atrPct: number): number {
  const raw = smart.leverageBase * confidenceFactor(confidence, smart.kConfidence) * volatilityFactor(atrPct, smart.atrRefPct, smart.kVolatility);
  return clamp(Math.floor(raw), smart.leverageMin, smart.leverageMax);
}

/**
 * Margin mode by rule. Volatility is checked first because it is the safety rule: when ATR% is
 * above `crossIfAtrPctAbove` the whole balance backs the position (cross) so a wide swing does not
 * liquidate it; otherwise a confident trade (above `isolatedIfConfidenceAbove`) is isolated so a
 * mistake costs only its margin; otherwise the configured mode applies.
 */
export function smartMarginMode(smart: SmartConfig, fallback: 'cross' | 'isolated', confidence: number, atrPct: number): 'cross' | 'isolated' {
  if (atrPct > smart.crossIfAtrPctAbove) return 'cross';
  if (confidence > smart.isolatedIfConfidenceAbove) return 'isolated';
  return fallback;
}

function invalid(field: string, value: unknown, expected: string): RiskRejection {
  return {
    ok: false,
    reason: RiskRejectReason.InvalidOrder,
    message: `Order refused: ${field} is ${String(value)}, expected ${expected}`,
    details: { field, received: value, expected },
  };
}

const finitePositive = (x: number): boolean => Number.isFinite(x) && x > 0;

/**
 * Sizes an entry: notional by mode, leverage and margin mode (fixed or smart), the stop, and the
 * minimum-margin rule. Gates that depend on the result (exposure, balance) are the policy's.
 *
 * - `fixed`: `fixedNotionalUsd`.
 * - `dynamic`: `fixedNotionalUsd` x clamp(confidence factor x volatility factor, min, max mult).
 * - `risk_pct`: size so that a stop-out loses `riskPct` % of equity; notional capped at
 *   equity x leverage (what the margin can carry).
 * Then x `riskMultiplier`. Confidence is the signal probability when it is calibrated, and at
 * most a neutral 0.5 otherwise: an uncalibrated heuristic must not raise size or leverage.
 */
export function sizeEntry(cfg: SizingConfig, req: RiskOrderRequest, equityUsd: number): { ok: true; sizing: RiskSizing } | RiskRejection {
  if (!finitePositive(req.entryPrice)) return invalid('entryPrice', req.entryPrice, 'a finite price > 0');
  if (!Number.isFinite(req.atr) || req.atr < 0) return invalid('atr', req.atr, 'a finite ATR >= 0');
  const riskMultiplier = req.riskMultiplier ?? 1;
  if (!finitePositive(riskMultiplier)) return invalid('riskMultiplier', riskMultiplier, 'a finite multiplier > 0');
  const needsAtr = req.stopPrice == null || cfg.mode === 'dynamic' || cfg.smart.enabled;
  if (needsAtr && req.atr === 0) return invalid('atr', req.atr, 'an ATR > 0 (needed for the stop or for volatility scaling)');

  const entry = req.entryPrice;
  const sign = req.side === 'long' ? 1 : -1;
  const stopPrice = req.stopPrice ?? entry - sign * req.atr * cfg.atrStopMult;
  if (!finitePositive(stopPrice) || sign * (entry - stopPrice) <= 0) {
    return invalid('stopPrice', stopPrice, `a price > 0 ${req.side === 'long' ? 'below' : 'above'} the entry ${entry}`);
  }
  const stopDistance = Math.abs(entry - stopPrice);
  // Uncalibrated: at most neutral, so the heuristic can lower size (as it did before) but never raise it.
  const confidence = req.probabilityCalibrated === false ? Math.min(0.5, clamp(req.probability, 0, 1)) : clamp(req.probability, 0, 1);
  const atrPct = (req.atr / entry) * 100;

  const leverage = cfg.smart.enabled ? smartLeverage(cfg.smart, confidence, atrPct) : cfg.leverage;
  const marginMode = cfg.smart.enabled ? smartMarginMode(cfg.smart, cfg.marginMode, confidence, atrPct) : cfg.marginMode;

  if (req.manualNotionalUsd !== undefined) return sizeManual(cfg, req.manualNotionalUsd, { entry, stopPrice, stopDistance, leverage, marginMode, confidence });

  let notionalUsd: number;
  if (cfg.mode === 'fixed') {
    notionalUsd = cfg.fixedNotionalUsd;
  } else if (cfg.mode === 'dynamic') {
    const mult = confidenceFactor(confidence, cfg.smart.kConfidence) * volatilityFactor(atrPct, cfg.smart.atrRefPct, cfg.smart.kVolatility);
    notionalUsd = cfg.fixedNotionalUsd * clamp(mult, cfg.dynamicMinMult, cfg.dynamicMaxMult);
  } else {
    if (!finitePositive(equityUsd)) return invalid('equityUsd', equityUsd, 'equity > 0 for risk_pct sizing');
    const riskBudgetUsd = (equityUsd * cfg.riskPct) / 100;
    notionalUsd = Math.min((riskBudgetUsd / stopDistance) * entry, equityUsd * leverage);
  }
  notionalUsd *= riskMultiplier;

  let marginUsd = notionalUsd / leverage;
  let upsizedToMinMargin = false;
  if (marginUsd < cfg.minMarginUsd) {
    if (!cfg.upsizeToMinMargin) {
      return {
        ok: false,
        reason: RiskRejectReason.MinMargin,
        message: `Order refused: initial margin ${marginUsd.toFixed(2)} USD is below the minimum ${cfg.minMarginUsd} USD`,
        details: { marginUsd, minMarginUsd: cfg.minMarginUsd, notionalUsd, leverage },
      };
    }
    marginUsd = cfg.minMarginUsd;
    notionalUsd = marginUsd * leverage;
    upsizedToMinMargin = true;
  }
  const amountBase = notionalUsd / entry;
  return {
    ok: true,
    sizing: { mode: cfg.mode, notionalUsd, amountBase, leverage, marginMode, marginUsd, stopPrice, riskUsd: amountBase * stopDistance, upsizedToMinMargin, confidence },
  };
}

/**
 * A ticket's own notional, as asked: never scaled, and never upsized to the minimum margin (a
 * trader who asked for 20 USD does not get 30), so a ticket under the minimum is refused instead.
 */
function sizeManual(
  cfg: SizingConfig,
  notionalUsd: number,
  at: { entry: number; stopPrice: number; stopDistance: number; leverage: number; marginMode: 'cross' | 'isolated'; confidence: number },
): { ok: true; sizing: RiskSizing } | RiskRejection {
  if (!finitePositive(notionalUsd)) return invalid('manualNotionalUsd', notionalUsd, 'a finite notional > 0');
  if (notionalUsd > cfg.maxManualNotionalUsd * (1 + 1e-9)) {
    return {
      ok: false,
      reason: RiskRejectReason.MaxManualNotional,
      message: `Order refused: the ticket's ${notionalUsd.toFixed(2)} USD is above the manual-order limit of ${cfg.maxManualNotionalUsd} USD (risk.sizing.maxManualNotionalUsd)`,
      details: { notionalUsd, maxManualNotionalUsd: cfg.maxManualNotionalUsd },
    };
  }
  const marginUsd = notionalUsd / at.leverage;
  if (marginUsd < cfg.minMarginUsd) {
    return {
      ok: false,
      reason: RiskRejectReason.MinMargin,
      message: `Order refused: initial margin ${marginUsd.toFixed(2)} USD is below the minimum ${cfg.minMarginUsd} USD; a ticket is not resized, so ask for at least ${(cfg.minMarginUsd * at.leverage).toFixed(2)} USD`,
      details: { marginUsd, minMarginUsd: cfg.minMarginUsd, notionalUsd, leverage: at.leverage },
    };
  }
  const amountBase = notionalUsd / at.entry;
  return {
    ok: true,
    sizing: { mode: 'manual', notionalUsd, amountBase, leverage: at.leverage, marginMode: at.marginMode, marginUsd, stopPrice: at.stopPrice, riskUsd: amountBase * at.stopDistance, upsizedToMinMargin: false, confidence: at.confidence },
  };
}
