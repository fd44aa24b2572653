import type { RiskConfig } from './config.js';
import { dailyLossPct } from './dailyAnchor.js';
import { RiskRejectReason, type DailyAnchor, type RiskAccountState, type RiskOrderRequest, type RiskRejection } from './types.js';

type Gates = RiskConfig['gates'];

function reject(reason: RiskRejectReason, message: string, details: Record<string, unknown>): RiskRejection {
  return { ok: false, reason, message, details };
}

export function killSwitchGate(gates: Gates, externalOn: boolean): RiskRejection | null {
  if (!gates.killSwitch && !externalOn) return null;
  const source = gates.killSwitch ? 'setting' : 'external';
  return reject(RiskRejectReason.KillSwitch, `Order refused: the kill switch is on (${source})`, { source });
}

export function dailyLossGate(gates: Gates, anchor: DailyAnchor, equityUsd: number): RiskRejection | null {
  if (gates.dailyLossLimitPct === null) return null;
  const lossPct = dailyLossPct(anchor, equityUsd);
  if (lossPct < gates.dailyLossLimitPct) return null;
  return reject(
    RiskRejectReason.DailyLossLimit,
    `Order refused: down ${lossPct.toFixed(2)} % today (limit ${gates.dailyLossLimitPct} %)`,
    { lossPct, limitPct: gates.dailyLossLimitPct, anchorEquityUsd: anchor.equityUsd, equityUsd, dayStartMs: anchor.dayStartMs },
  );
}

/** Signal quality and market gates: score, probability, 24 h quote volume, manipulation ceiling. */
export function signalGates(gates: Gates, req: RiskOrderRequest): RiskRejection | null {
  const base = { symbol: req.symbol };
  if (!(req.score >= gates.minScore)) {
    return reject(RiskRejectReason.MinScore, `Order refused: score ${req.score} is below ${gates.minScore}`, { ...base, score: req.score, minScore: gates.minScore });
  }
  if (!(req.probability >= gates.minProbability)) {
    // An uncalibrated probability is the score's heuristic mapping, so the gate then acts as a
    // score threshold; the message says so rather than present it as a measured chance.
    const what = req.probabilityCalibrated === false ? 'uncalibrated probability (a mapping of the score, not a measured chance)' : 'probability';
    return reject(RiskRejectReason.MinProbability, `Order refused: ${what} ${req.probability} is below ${gates.minProbability}`, {
      ...base,
      probability: req.probability,
      calibrated: req.probabilityCalibrated !== false,
      minProbability: gates.minProbability,
    });
  }
  if (!(req.quoteVolume24hUsd >= gates.minQuoteVolume24hUsd)) {
    return reject(RiskRejectReason.MinQuoteVolume, `Order refused: 24h quote volume ${req.quoteVolume24hUsd} USD is below ${gates.minQuoteVolume24hUsd} USD`, {
      ...base,
      quoteVolume24hUsd: req.quoteVolume24hUsd,
      minQuoteVolume24hUsd: gates.minQuoteVolume24hUsd,
    });
  }
  if (gates.maxManipScore !== null && req.manipScore !== null && req.manipScore > gates.maxManipScore) {
    return reject(RiskRejectReason.ManipScore, `Order refused: manipulation score ${req.manipScore} is above ${gates.maxManipScore}`, {
      ...base,
      manipScore: req.manipScore,
      maxManipScore: gates.maxManipScore,
    });
  }
  return null;
}

export function cooldownGate(gates: Gates, symbol: string, account: RiskAccountState, nowMs: number): RiskRejection | null {
  const lastMs = account.lastTradeAtMs[symbol];
  if (lastMs === undefined || nowMs - lastMs >= gates.cooldownMs) return null;
  const remainingMs = gates.cooldownMs - (nowMs - lastMs);
  return reject(RiskRejectReason.Cooldown, `Order refused: ${symbol} traded ${nowMs - lastMs} ms ago; cooldown has ${remainingMs} ms left`, {
    symbol,
    lastTradeAtMs: lastMs,
    cooldownMs: gates.cooldownMs,
    remainingMs,
  });
}

/**
 * The structural reset: a new entry in the direction of the previous auto-trader entry on the
 * symbol waits until the price has travelled `structuralResetAtr` ATR from that entry (the largest
 * move seen since, or the move to this entry's price, whichever is larger).
 */
export function structuralResetGate(gates: Gates, req: RiskOrderRequest): RiskRejection | null {
  const last = req.lastEntry;
  if (gates.structuralResetAtr === null || !last || last.side !== req.side || !(last.atr > 0)) return null;
  const nowMoveAtr = Math.abs(req.entryPrice - last.price) / last.atr;
  const movedAtr = Math.max(last.maxMoveAtr, nowMoveAtr);
  if (movedAtr >= gates.structuralResetAtr) return null;
  return reject(
    RiskRejectReason.StructuralReset,
    `Order refused: ${req.symbol} ${req.side} re-entry waits for a structural reset: the price has moved at most ${movedAtr.toFixed(2)} ATR from the last ${last.side} entry at ${last.price}, needs ${gates.structuralResetAtr} ATR`,
    { symbol: req.symbol, side: req.side, lastEntryPrice: last.price, lastEntryAtMs: last.atMs, movedAtr, structuralResetAtr: gates.structuralResetAtr },
  );
}

/** One position per symbol and the position count, for a new position. */
export function positionGates(gates: Gates, symbol: string, account: RiskAccountState): RiskRejection | null {
  const existing = account.openPositions.find((p) => p.symbol === symbol);
  if (existing && gates.singlePositionPerSymbol) {
    return reject(RiskRejectReason.PositionOpen, `Order refused: a ${existing.side} position on ${symbol} is already open`, { symbol, side: existing.side });
  }
  const openSymbols = new Set(account.openPositions.map((p) => p.symbol));
  if (!existing && openSymbols.size >= gates.maxPositions) {
    return reject(RiskRejectReason.MaxPositions, `Order refused: ${openSymbols.size} positions open (maximum ${gates.maxPositions})`, {
      openPositions: openSymbols.size,
      maxPositions: gates.maxPositions,
    });
  }
  return null;
}

export function exposureOf(account: RiskAccountState): number {
  return account.exposureUsd ?? account.openPositions.reduce((sum, p) => sum + Math.abs(p.notionalUsd), 0);
}

export function exposureGate(gates: Gates, account: RiskAccountState, notionalUsd: number): RiskRejection | null {
  const exposureUsd = exposureOf(account);
  if (exposureUsd + notionalUsd <= gates.maxExposureUsd) return null;
  return reject(
    RiskRejectReason.MaxExposure,
    `Order refused: exposure would be ${(exposureUsd + notionalUsd).toFixed(2)} USD (maximum ${gates.maxExposureUsd} USD)`,
    { exposureUsd, notionalUsd, maxExposureUsd: gates.maxExposureUsd },
  );
}

export function balanceGate(checkBalance: boolean, account: RiskAccountState, marginUsd: number): RiskRejection | null {
  if (!checkBalance || marginUsd <= account.availableBalanceUsd) return null;
  return reject(
    RiskRejectReason.InsufficientBalance,
    `Order refused: needs ${marginUsd.toFixed(2)} USD margin, ${account.availableBalanceUsd.toFixed(2)} USD available`,
    { marginUsd, availableBalanceUsd: account.availableBalanceUsd },
  );
}

/**
 * No entry just before a funding settlement the position would pay: longs pay a positive rate,
 * shorts a negative one. A settlement already past (a stale reading) is not a coming one.
 */
export function fundingGate(gates: Gates, req: RiskOrderRequest, nowMs: number): RiskRejection | null {
  const f = req.funding;
  if (gates.fundingAvoidWindowMs === 0 || !f || !Number.isFinite(f.rate) || !Number.isFinite(f.nextFundingTimeMs)) return null;
  const untilMs = f.nextFundingTimeMs - nowMs;
  if (!(untilMs > 0 && untilMs <= gates.fundingAvoidWindowMs)) return null;
  const paysPct = (req.side === 'long' ? f.rate : -f.rate) * 100;
  if (!(paysPct > 0 && paysPct >= gates.fundingAvoidMinRatePct)) return null;
  return reject(
    RiskRejectReason.FundingWindow,
    `Order refused: a ${req.side} on ${req.symbol} would pay ${paysPct.toFixed(4)} % funding in ${Math.ceil(untilMs / 1000)} s (window ${gates.fundingAvoidWindowMs / 1000} s)`,
    { symbol: req.symbol, side: req.side, fundingRate: f.rate, nextFundingTimeMs: f.nextFundingTimeMs, untilMs, windowMs: gates.fundingAvoidWindowMs, minRatePct: gates.fundingAvoidMinRatePct },
  );
}

/** Trades per minute, notional per minute and book depth floors, over the live order flow the request carries. */
export function orderFlowGate(gates: Gates, req: RiskOrderRequest): RiskRejection | null {
  if (req.orderFlow === undefined) return null;
  const floors = [
    { field: 'tradesPerMin', min: gates.minTradesPerMin, unit: 'trades/min' },
    { field: 'notionalPerMinUsd', min: gates.minNotionalPerMinUsd, unit: 'USD/min' },
    { field: 'depthUsd', min: gates.minDepthUsd, unit: 'USD of depth within 50 bps' },
  ] as const;
  for (const floor of floors) {
    if (floor.min === null) continue;
    const value = req.orderFlow === null ? null : req.orderFlow[floor.field];
    if (value !== null && value >= floor.min) continue;
    const seen = value === null ? 'no order flow was seen' : `${floor.field} is ${Number(value.toPrecision(4))}`;
    return reject(RiskRejectReason.OrderFlow, `Order refused: ${req.symbol} is too thin to trade: ${seen}, minimum ${floor.min} ${floor.unit}`, {
      symbol: req.symbol,
      field: floor.field,
      value,
      min: floor.min,
    });
  }
  return null;
}

/** One symbol's notional, its position and the new order together, under the per-symbol cap. */
export function symbolNotionalGate(gates: Gates, symbol: string, account: RiskAccountState, notionalUsd: number): RiskRejection | null {
  if (gates.maxSymbolNotionalUsd === null) return null;
  const heldUsd = account.openPositions.filter((p) => p.symbol === symbol).reduce((sum, p) => sum + Math.abs(p.notionalUsd), 0);
  if (heldUsd + notionalUsd <= gates.maxSymbolNotionalUsd) return null;
  return reject(
    RiskRejectReason.MaxSymbolNotional,
    `Order refused: ${symbol} would hold ${(heldUsd + notionalUsd).toFixed(2)} USD (maximum ${gates.maxSymbolNotionalUsd} USD per symbol)`,
    { symbol, heldUsd, notionalUsd, maxSymbolNotionalUsd: gates.maxSymbolNotionalUsd },
  );
}
