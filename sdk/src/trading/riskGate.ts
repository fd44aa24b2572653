import { ErrorCode } from '@perpscope/shared';
import { InvalidInputError, RiskRejectedError } from '../core/errors.js';
import { riskRejectionError, type RiskAccountState, type RiskPolicy, type RiskSizing } from '../risk/index.js';
import type { StoredOrder } from '../store/index.js';
import type { ExecutableQuote } from './executablePrice.js';
import { checkMinimums, fitToMarket, toStep, type MarketPrecision } from './marketPrecision.js';
import { amendedRequest, validateAmend } from './orderLedger.js';
import type { AmendOrderRequest, BrokerAccount, BrokerPosition, PlaceOrderRequest } from './types.js';

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
  if (req.timeInForce !== undefined && !['GTC', 'IOC', 'FOK'].includes(req.timeInForce)) {
    issues.push({ path: 'timeInForce', received: JSON.stringify(req.timeInForce), expected: 'GTC, IOC or FOK' });
  }
  if (req.postOnly === true && req.type !== 'limit') issues.push({ path: 'postOnly', received: `true (${req.type} order)`, expected: 'post-only on a limit order only' });
  if (req.timeInForce !== undefined && req.timeInForce !== 'GTC' && req.type !== 'limit') {
    issues.push({ path: 'timeInForce', received: `${req.timeInForce} (${req.type} order)`, expected: 'IOC or FOK on a limit order only' });
  }
  if (req.postOnly === true && (req.timeInForce === 'IOC' || req.timeInForce === 'FOK')) {
    issues.push({ path: 'timeInForce', received: `${req.timeInForce} with postOnly`, expected: 'GTC (or none) for a post-only order: it rests on the book, IOC/FOK never rest' });
  }
  if (typeof req.tradeId !== 'string' || req.tradeId === '') issues.push({ path: 'tradeId', received: JSON.stringify(req.tradeId), expected: 'a non-empty trade id' });
  if (typeof req.leg !== 'string' || req.leg === '') issues.push({ path: 'leg', received: JSON.stringify(req.leg), expected: 'a non-empty leg name' });
  if (issues.length > 0) throw new InvalidInputError('order', issues);
}

/** The RiskPolicy's view of the account. */
export function riskAccountState(
  account: BrokerAccount,
  positions: readonly BrokerPosition[],
  lastTradeAtMs: Readonly<Record<string, number>>,
  openOrders: readonly StoredOrder[] = [],
): RiskAccountState {
  const openPositions = positions.map((p) => ({ symbol: p.symbol, side: p.side, notionalUsd: p.sizeBase * (p.markPrice ?? p.entryPrice), sizeBase: p.sizeBase }));
  // Resting entries count against the exposure cap: several limits below the market would
  // otherwise each pass the cap alone and fill together.
  const restingUsd = openOrders
    .filter((o) => !o.reduceOnly && o.type === 'limit' && o.price !== null)
    .reduce((s, o) => s + Math.max(0, o.amountBase - o.filledBase) * (o.price ?? 0), 0);
  return {
    equityUsd: account.equityUsd,
    availableBalanceUsd: account.availableUsd,
    openPositions,
    exposureUsd: openPositions.reduce((s, p) => s + Math.abs(p.notionalUsd), 0) + restingUsd,
    lastTradeAtMs,
  };
}

/**
 * How far a planned amount may exceed the amount sized at the executable price: the price drifts
 * between a plan (a signal's bar close) and the book it meets. Within it the order is cut to the
 * sized amount; beyond it the order is refused, since it was sized at a price the market is not at.
 */
export const SIZING_DRIFT_TOLERANCE = 0.02;

/** The gate's verdict on an order: the sizing it passed (null for exits) and the amount to place. */
export interface GatedOrder {
  sizing: RiskSizing | null;
  amountBase: number;
}

/**
 * Every order passes here, paper and live. Reduce-only orders go through evaluateExit (no stop
 * without a position, never larger than it: an exit cannot flip a position, so it may pass the
 * kill switch). Everything else goes through evaluateEntry at the *executable* price: the book's
 * price for marketable orders, the higher of the limit and the touch for resting ones, never the
 * caller's limit or plan price. The amount is cut to what the policy sized at that price. A
 * refusal throws RiskRejectedError carrying the machine-readable reason.
 */
export function gateOrder(risk: RiskPolicy, req: PlaceOrderRequest, state: RiskAccountState, quote: ExecutableQuote | null): GatedOrder {
  if (req.reduceOnly) {
    const positionSide = req.side === 'sell' ? 'long' : 'short';
    const decision = risk.evaluateExit({ symbol: req.symbol, positionSide, amountBase: req.amountBase }, state);
    if (!decision.ok) throw riskRejectionError(decision);
    return { sizing: null, amountBase: req.amountBase };
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
  if (quote === null) {
    throw new RiskRejectedError(ErrorCode.RiskRejected, `Order on ${req.symbol} refused: no order book to price it against yet`, {
      details: { reason: 'no_price', symbol: req.symbol },
    });
  }
  const decision = risk.evaluateEntry({ ...req.risk, entryPrice: quote.price }, state);
  if (!decision.ok) throw riskRejectionError(decision);
  const sized = decision.sizing.amountBase;
  if (req.amountBase > sized * (1 + SIZING_DRIFT_TOLERANCE)) {
    throw new RiskRejectedError(ErrorCode.RiskRejected, `Order on ${req.symbol} refused: ${req.amountBase} exceeds the ${sized} the risk policy sized at the executable price ${quote.price}`, {
      details: { reason: 'exceeds_sizing', amountBase: req.amountBase, sizedAmountBase: sized, executablePrice: quote.price },
    });
  }
  return { sizing: decision.sizing, amountBase: Math.min(req.amountBase, sized) };
}

/**
 * The order an amend would make, checked and fitted to the market's grid, for the risk gate (a
 * reduce-only order keeps its size: what it may reduce is the venue's to cap).
 */
export function fitAmendment(order: StoredOrder, change: AmendOrderRequest, precision: MarketPrecision): PlaceOrderRequest {
  validateAmend(order, change);
  const req = amendedRequest(order, change);
  return req.reduceOnly ? { ...fitToMarket(req, precision), amountBase: req.amountBase } : fitToMarket(req, precision);
}

/**
 * The amend RiskPolicy allows, as the change to send: the fitted prices the caller asked to change,
 * and the size the gate allows. The gate sees what is still to fill; the order's size counts what
 * already filled too. Both brokers amend through it.
 */
export function gateAmendment(risk: RiskPolicy, order: StoredOrder, change: AmendOrderRequest, fitted: PlaceOrderRequest, precision: MarketPrecision, state: RiskAccountState, quote: ExecutableQuote | null): AmendOrderRequest {
  const gated = gateOrder(risk, fitted, state, quote);
  const left = fitted.reduceOnly ? gated.amountBase : toStep(gated.amountBase, precision.amountStep, 'down');
  if (!fitted.reduceOnly) checkMinimums({ symbol: fitted.symbol, amountBase: left }, quote?.price ?? null, precision);
  const amountBase = order.filledBase + left;
  return {
    ...(change.price !== undefined && fitted.price !== undefined ? { price: fitted.price } : {}),
    ...(change.triggerPrice !== undefined && fitted.triggerPrice !== undefined ? { triggerPrice: fitted.triggerPrice } : {}),
    ...(Math.abs(amountBase - order.amountBase) > 1e-12 ? { amountBase } : {}),
  };
}
