import { ErrorCode } from '@perpscope/shared';
import { InvalidInputError, RiskRejectedError } from '../core/errors.js';
import { riskRejectionError, type RiskAccountState, type RiskPolicy, type RiskSizing } from '../risk/index.js';
import type { BrokerAccount, BrokerPosition, PlaceOrderRequest } from './types.js';

/** Validates the shape of an order request; a bad field throws naming the field and value. */
export function validatePlaceRequest(req: PlaceOrderRequest): void {
  const issues: { path: string; received: string; expected: string }[] = [];
  if (typeof req.symbol !== 'string' || req.symbol === '') issues.push({ path: 'symbol', received: JSON.stringify(req.symbol), expected: 'a unified symbol' });
  if (req.side !== 'buy' && req.side !== 'sell') issues.push({ path: 'side', received: JSON.stringify(req.side), expected: 'buy or sell' });
  if (!['market', 'limit', 'stop_market', 'take_profit_market'].includes(req.type)) {
    issues.push({ path: 'type', received: JSON.stringify(req.type), expected: 'market, limit, stop_market or take_profit_market' });
  }
  if (!(Number.isFinite(req.amountBase) && req.amountBase > 0)) issues.push({ path: 'amountBase', received: String(req.amountBase), expected: 'a number > 0' });
  if (req.type === 'limit' && !(Number.isFinite(req.price) && (req.price ?? 0) > 0)) issues.push({ path: 'price', received: String(req.price), expected: 'a limit price > 0' });
  if ((req.type === 'stop_market' || req.type === 'take_profit_market') && !(Number.isFinite(req.triggerPrice) && (req.triggerPrice ?? 0) > 0)) {
    issues.push({ path: 'triggerPrice', received: String(req.triggerPrice), expected: 'a trigger price > 0' });
  }
  if ((req.type === 'stop_market' || req.type === 'take_profit_market') && req.reduceOnly !== true) {
    issues.push({ path: 'reduceOnly', received: String(req.reduceOnly), expected: 'true: stops and take-profits only reduce a position' });
  }
  if (typeof req.tradeId !== 'string' || req.tradeId === '') issues.push({ path: 'tradeId', received: JSON.stringify(req.tradeId), expected: 'a non-empty trade id' });
  if (typeof req.leg !== 'string' || req.leg === '') issues.push({ path: 'leg', received: JSON.stringify(req.leg), expected: 'a non-empty leg name' });
  if (issues.length > 0) throw new InvalidInputError('order', issues);
}

/** The RiskPolicy's view of the account. */
export function riskAccountState(account: BrokerAccount, positions: readonly BrokerPosition[], lastTradeAtMs: Readonly<Record<string, number>>): RiskAccountState {
  return {
    equityUsd: account.equityUsd,
    availableBalanceUsd: account.availableUsd,
    openPositions: positions.map((p) => ({ symbol: p.symbol, side: p.side, notionalUsd: p.sizeBase * (p.markPrice ?? p.entryPrice), sizeBase: p.sizeBase })),
    lastTradeAtMs,
  };
}

/**
 * Every order passes the RiskPolicy: reduce-only orders through evaluateExit (no stop without a
 * position, never larger than it), everything else through evaluateEntry with the request's risk
 * context. A refusal throws RiskRejectedError carrying the machine-readable reason.
 */
export function gateOrder(risk: RiskPolicy, req: PlaceOrderRequest, state: RiskAccountState): RiskSizing | null {
  if (req.reduceOnly) {
    const positionSide = req.side === 'sell' ? 'long' : 'short';
    const decision = risk.evaluateExit({ symbol: req.symbol, positionSide, amountBase: req.amountBase }, state);
    if (!decision.ok) throw riskRejectionError(decision);
    return null;
  }
  if (!req.risk) {
    throw new RiskRejectedError(ErrorCode.RiskRejected, `Order on ${req.symbol} refused: an opening order needs its risk context (risk)`, {
      details: { reason: 'invalid_order', field: 'risk' },
    });
  }
  if (req.risk.symbol !== req.symbol || (req.risk.side === 'long') !== (req.side === 'buy')) {
    throw new RiskRejectedError(ErrorCode.RiskRejected, `Order on ${req.symbol} refused: its risk context is for ${req.risk.side} ${req.risk.symbol}`, {
      details: { reason: 'invalid_order', field: 'risk' },
    });
  }
  const decision = risk.evaluateEntry(req.risk, state);
  if (!decision.ok) throw riskRejectionError(decision);
  // The gates (exposure, balance) were checked for the sized amount: more would bypass them.
  if (req.amountBase > decision.sizing.amountBase * (1 + 1e-9)) {
    throw new RiskRejectedError(ErrorCode.RiskRejected, `Order on ${req.symbol} refused: ${req.amountBase} exceeds the ${decision.sizing.amountBase} the risk policy sized`, {
      details: { reason: 'exceeds_sizing', amountBase: req.amountBase, sizedAmountBase: decision.sizing.amountBase },
    });
  }
  return decision.sizing;
}
