import { ErrorCode } from '@perpscope/shared';
import type { Clock } from '../core/clock.js';
import { describeError, InvalidInputError, PerpscopeError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { RiskOrderRequest } from '../risk/index.js';
import { OrderState, type StoredOrder } from '../store/index.js';
import type { TradingStack } from './tradingStack.js';
import type { BrokerEvent, PlaceOrderRequest, QuoteRequest, TimeInForce } from './types.js';

/** A trader's own order, as a ticket describes it. */
export interface ManualOrderIntent {
  symbol: string;
  side: 'buy' | 'sell';
  type: 'market' | 'limit';
  /** Limit price (limit orders). */
  price?: number;
  /** Size in base units; or give `notionalUsd`. */
  amountBase?: number;
  /** Size in USD at the executable price; used when `amountBase` is absent. */
  notionalUsd?: number;
  stopLossPrice?: number;
  takeProfitPrice?: number;
  reduceOnly?: boolean;
  leverage?: number;
  /** Limit orders only: rest as maker or be cancelled. */
  postOnly?: boolean;
  /** Limit orders only (default GTC). */
  timeInForce?: TimeInForce;
}

/** What the scanner knows of the symbol, for the gates that read it. */
export interface ManualOrderContext {
  /** The freshest reference price (mid or mark); the executable price is read from the broker's book. */
  referencePrice: number | null;
  manipScore: number | null;
  quoteVolume24hUsd: number;
  /** ATR as a percentage of price; null when unknown. */
  atrPct: number | null;
}

export interface ManualOrdersOptions {
  stack: TradingStack;
  clock: Clock;
  logger?: Logger;
}

/** The intent's post-only and time in force, as the broker takes them (absent when unset). */
const orderTiming = (intent: ManualOrderIntent): Pick<PlaceOrderRequest, 'postOnly' | 'timeInForce'> => ({
  ...(intent.postOnly !== undefined ? { postOnly: intent.postOnly } : {}),
  ...(intent.timeInForce !== undefined ? { timeInForce: intent.timeInForce } : {}),
});

const tradeKey = (prefix: string, symbol: string, atMs: number) => `${prefix}_${symbol.replace(/[^A-Za-z0-9]/g, '')}_${Math.floor(atMs)}`;

/**
 * The one path of a trader's own orders (ticket, API, webhook): sized at the executable price,
 * through every RiskPolicy gate in the broker, with the ticket's stop and take-profit placed
 * reduce-only once the entry fills. Callers keep no sizing logic of their own.
 */
export class ManualOrders {
  private readonly pending = new Map<string, { tradeId: string; stop?: number; target?: number }>();
  private readonly log: Logger;
  private readonly off: () => void;

  constructor(private readonly o: ManualOrdersOptions) {
    this.log = o.logger ?? silentLogger;
    this.off = o.stack.broker.on((e) => this.onBrokerEvent(e));
  }

  dispose(): void {
    this.off();
  }

  /**
   * Throws KILL_SWITCH_ACTIVE for an opening order while the switch is on. Callers check it before
   * any network work (a fresh book), so the refusal never waits on the exchange.
   */
  refuseIfKilled(intent: Pick<ManualOrderIntent, 'reduceOnly'>): void {
    const { killSwitch } = this.o.stack;
    if (intent.reduceOnly || !killSwitch.isOn()) return;
    const s = killSwitch.state();
    const reason = s.reason ?? s.sources.join(', ');
    throw new PerpscopeError(ErrorCode.KillSwitchActive, `Kill switch is on${reason ? ` (${reason})` : ''}: new orders are blocked`, { details: { reason } });
  }

  async place(intent: ManualOrderIntent, ctx: ManualOrderContext): Promise<StoredOrder> {
    this.refuseIfKilled(intent);
    const tradeId = tradeKey('manual', intent.symbol, this.o.clock.nowMs());
    const order = intent.reduceOnly ? await this.placeExit(intent, ctx, tradeId) : await this.placeEntry(intent, ctx, tradeId);
    const plan = { tradeId, ...(intent.stopLossPrice !== undefined ? { stop: intent.stopLossPrice } : {}), ...(intent.takeProfitPrice !== undefined ? { target: intent.takeProfitPrice } : {}) };
    if (!intent.reduceOnly && (plan.stop !== undefined || plan.target !== undefined)) {
      if (order.state === OrderState.Filled) await this.protect(order, plan);
      else if (order.state === OrderState.Ack || order.state === OrderState.Partial) this.pending.set(order.clientOrderId, plan);
    }
    return order;
  }

  async close(symbol: string): Promise<StoredOrder> {
    const order = await this.o.stack.broker.closePosition(symbol, { tradeId: tradeKey('close', symbol, this.o.clock.nowMs()), reason: 'manual' });
    if (!order) throw new PerpscopeError(ErrorCode.InvalidInput, `No open position on ${symbol}`, { details: { symbol } });
    return order;
  }

  private async placeEntry(intent: ManualOrderIntent, ctx: ManualOrderContext, tradeId: string): Promise<StoredOrder> {
    const probe = await this.quote({ symbol: intent.symbol, side: intent.side, type: intent.type, ...(intent.price !== undefined ? { price: intent.price } : {}), ...(intent.amountBase !== undefined ? { amountBase: intent.amountBase } : {}) });
    const price = probe ?? ctx.referencePrice;
    if (price === null || !(price > 0)) {
      throw new PerpscopeError(ErrorCode.InvalidInput, `No price for ${intent.symbol} yet; try again once it is ranked`, { details: { symbol: intent.symbol } });
    }
    const amountBase = intent.amountBase ?? this.amountForNotional(intent, price);
    const gates = this.o.stack.risk.config.gates;
    const risk: RiskOrderRequest = {
      symbol: intent.symbol,
      side: intent.side === 'buy' ? 'long' : 'short',
      // A manual order is the user's own call: the signal-quality gates (min score and
      // probability) are met by definition; every other gate applies.
      score: gates.minScore,
      probability: gates.minProbability,
      manipScore: ctx.manipScore,
      quoteVolume24hUsd: ctx.quoteVolume24hUsd,
      // The broker replaces this with the executable price from its own book.
      entryPrice: price,
      atr: ((ctx.atrPct ?? 0) / 100) * price,
      stopPrice: intent.stopLossPrice ?? null,
      // Sized as the ticket asked, within the manual-order limit, not by the auto-trader's sizing.
      manualNotionalUsd: intent.amountBase === undefined && intent.notionalUsd !== undefined ? intent.notionalUsd : amountBase * price,
    };
    return this.o.stack.broker.placeOrder({
      symbol: intent.symbol,
      side: intent.side,
      type: intent.type,
      amountBase,
      ...(intent.price !== undefined ? { price: intent.price } : {}),
      risk,
      purpose: 'entry',
      ...(intent.leverage !== undefined ? { leverage: intent.leverage } : {}),
      ...orderTiming(intent),
      tradeId,
      leg: 'entry',
    });
  }

  /** A reduce-only ticket: capped at the open position, so it can only reduce it. */
  private async placeExit(intent: ManualOrderIntent, ctx: ManualOrderContext, tradeId: string): Promise<StoredOrder> {
    const positions = await this.o.stack.broker.fetchPositions();
    const position = positions.find((p) => p.symbol === intent.symbol && (p.side === 'long') === (intent.side === 'sell'));
    if (!position) {
      throw new PerpscopeError(ErrorCode.RiskRejected, `Reduce-only ${intent.side} on ${intent.symbol} refused: no ${intent.side === 'sell' ? 'long' : 'short'} position to reduce`, {
        details: { reason: 'no_position', symbol: intent.symbol },
      });
    }
    const price = (await this.quote({ symbol: intent.symbol, side: intent.side, type: intent.type, ...(intent.price !== undefined ? { price: intent.price } : {}) })) ?? ctx.referencePrice ?? position.markPrice ?? position.entryPrice;
    const wanted = intent.amountBase ?? this.amountForNotional(intent, price);
    return this.o.stack.broker.placeOrder({
      symbol: intent.symbol,
      side: intent.side,
      type: intent.type,
      amountBase: Math.min(wanted, position.sizeBase),
      ...(intent.price !== undefined ? { price: intent.price } : {}),
      reduceOnly: true,
      ...orderTiming(intent),
      purpose: 'exit',
      tradeId,
      leg: 'manual',
    });
  }

  private async quote(order: QuoteRequest): Promise<number | null> {
    return (await this.o.stack.broker.quote(order))?.price ?? null;
  }

  private amountForNotional(intent: ManualOrderIntent, price: number): number {
    const notional = intent.notionalUsd;
    if (notional === undefined || !(Number.isFinite(notional) && notional > 0)) {
      throw new InvalidInputError('order', [{ path: 'notionalUsd', received: String(notional), expected: 'a notional > 0 USD, or amountBase' }]);
    }
    return notional / price;
  }

  /** The ticket's stop and take-profit, placed reduce-only for the filled amount. */
  private async protect(order: StoredOrder, plan: { tradeId: string; stop?: number; target?: number }): Promise<void> {
    const exitSide = order.side === 'buy' ? 'sell' : 'buy';
    const legs: [PlaceOrderRequest['type'], number | undefined, string][] = [
      ['stop_market', plan.stop, 'sl'],
      ['take_profit_market', plan.target, 'tp'],
    ];
    for (const [type, triggerPrice, leg] of legs) {
      if (triggerPrice === undefined) continue;
      const purpose = type === 'stop_market' ? 'stop_loss' : 'take_profit';
      await this.o.stack.broker.placeOrder({ symbol: order.symbol, side: exitSide, type, amountBase: order.filledBase, triggerPrice, reduceOnly: true, purpose, tradeId: plan.tradeId, leg });
    }
  }

  private onBrokerEvent(e: BrokerEvent): void {
    if (e.type !== 'order') return;
    const plan = this.pending.get(e.order.clientOrderId);
    if (!plan || e.order.state !== OrderState.Filled) return;
    this.pending.delete(e.order.clientOrderId);
    this.protect(e.order, plan).catch((err: unknown) => this.log.warn({ symbol: e.order.symbol, err: describeError(err) }, 'protective orders refused'));
  }
}
