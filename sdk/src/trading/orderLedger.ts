import { ErrorCode } from '@perpscope/shared';
import type { Clock } from '../core/clock.js';
import { AuthError, PerpscopeError, describeError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { OrderState, canTransition, type Fill, type Ledger, type OrderType, type StoredOrder, type StoredPosition, type Store } from '../store/index.js';
import { deriveClientOrderId, DEFAULT_CLIENT_ID_PREFIX } from './clientOrderId.js';
import type { ExchangeFill, ExchangeOrderView, OrderGateway } from './gateway.js';
import { applyFillToPosition, unrealizedPnl } from './positionMath.js';
import type { BrokerEvent, BrokerPosition, PlaceOrderRequest } from './types.js';

const FINAL: readonly OrderState[] = [OrderState.Filled, OrderState.Cancelled, OrderState.Rejected];
const FILL_EPS = 1e-9;

export interface OrderLedgerOptions {
  store: Store;
  ledger: Ledger;
  exchange: string;
  clock: Clock;
  /** Absent for the paper broker, which fills locally and never sends. */
  gateway?: OrderGateway;
  logger?: Logger;
  prefix?: string;
  /** Client-id lookups before an UNKNOWN order becomes LOST (default 4). */
  maxLookups?: number;
  /** First lookup backoff; doubles per attempt with jitter (default 250 ms). */
  lookupBaseMs?: number;
  lookupMaxMs?: number;
  random?: () => number;
  onEvent?: (event: BrokerEvent) => void;
}

/**
 * The crash-safe order ledger. Every order is committed as an intent (state NEW) with a
 * deterministic client order id before anything is sent; every state change is persisted with its
 * reason. A timeout never leads to a blind resend: the order becomes UNKNOWN and is looked up by
 * client id with backoff, then LOST after `maxLookups`. A duplicate-id rejection adopts the order
 * that already exists. Fills are stored once per exchange fill id and the position is the sum of
 * the unique fills.
 */
export class OrderLedger {
  readonly store: Store;
  readonly ledger: Ledger;
  readonly exchange: string;
  private readonly clock: Clock;
  private readonly gateway: OrderGateway | undefined;
  private readonly log: Logger;
  private readonly prefix: string;
  private readonly maxLookups: number;
  private readonly lookupBaseMs: number;
  private readonly lookupMaxMs: number;
  private readonly random: () => number;
  private readonly onEvent: (event: BrokerEvent) => void;

  constructor(o: OrderLedgerOptions) {
    this.store = o.store;
    this.ledger = o.ledger;
    this.exchange = o.exchange;
    this.clock = o.clock;
    this.gateway = o.gateway;
    this.log = o.logger ?? silentLogger;
    this.prefix = o.prefix ?? DEFAULT_CLIENT_ID_PREFIX;
    this.maxLookups = o.maxLookups ?? 4;
    this.lookupBaseMs = o.lookupBaseMs ?? 250;
    this.lookupMaxMs = o.lookupMaxMs ?? 8_000;
    this.random = o.random ?? Math.random;
    this.onEvent = o.onEvent ?? (() => {});
  }

  clientOrderIdFor(req: Pick<PlaceOrderRequest, 'tradeId' | 'leg' | 'attempt'>): string {
    return deriveClientOrderId({ ledger: this.ledger, tradeId: req.tradeId, leg: req.leg, attempt: req.attempt ?? 0 }, this.prefix);
  }

  /** Commits the intent (idempotent on the derived client id). */
  record(req: PlaceOrderRequest): { order: StoredOrder; created: boolean } {
    const type: OrderType = req.type;
    const result = this.store.orders.recordIntent({
      clientOrderId: this.clientOrderIdFor(req),
      ledger: this.ledger,
      exchange: this.exchange,
      symbol: req.symbol,
      side: req.side,
      type,
      purpose: req.purpose ?? (req.reduceOnly ? 'exit' : 'entry'),
      tradeId: req.tradeId,
      amountBase: req.amountBase,
      price: req.price ?? null,
      triggerPrice: req.triggerPrice ?? null,
      reduceOnly: req.reduceOnly ?? false,
      params: {
        leg: req.leg,
        attempt: req.attempt ?? 0,
        leverage: req.leverage ?? null,
        marginMode: req.marginMode ?? null,
        // The gateways read it back from here; PO is ccxt's unified post-only value, which each gateway maps to its venue's (Binance's GTX, Bybit's PostOnly, BloFin's post_only).
        ...(req.postOnly ? { timeInForce: 'PO' } : req.timeInForce !== undefined ? { timeInForce: req.timeInForce } : {}),
      },
      createdAtMs: this.clock.nowMs(),
    });
    if (result.created) this.emitOrder(result.order);
    return result;
  }

  get(clientOrderId: string): StoredOrder | undefined {
    return this.store.orders.get(clientOrderId);
  }

  /**
   * Sends a NEW intent once. Orders past NEW are never sent again from here: they are resolved by
   * lookup. Definitive rejections end REJECTED (InsufficientFunds and invalid orders are skipped
   * with the reason in `lastError`); an AuthError is rethrown after recording, to halt trading.
   */
  async submit(clientOrderId: string): Promise<StoredOrder> {
    const gateway = this.requireGateway();
    let order = this.require(clientOrderId);
    if (order.state !== OrderState.New) return order;
    order = this.move(order, OrderState.Sent, { reason: 'sending' });
    try {
      const ack = await gateway.create(order);
      order = this.move(order, OrderState.Ack, { reason: 'acknowledged', ...(ack.exchangeOrderId ? { exchangeOrderId: ack.exchangeOrderId } : {}) });
      return await this.refresh(order.clientOrderId);
    } catch (err) {
      return this.onSendError(order, err);
    }
  }

  private async onSendError(order: StoredOrder, err: unknown): Promise<StoredOrder> {
    const e = asPerpscope(err);
    if (isDuplicateId(e)) {
      this.log.warn({ clientOrderId: order.clientOrderId }, 'duplicate client order id: adopting the existing order');
      const moved = this.move(order, OrderState.Unknown, { reason: 'duplicate_id', lastError: e.message });
      return this.resolve(moved.clientOrderId, 'duplicate_id_adopted');
    }
    if (e instanceof AuthError) {
      this.move(order, OrderState.Rejected, { reason: 'authentication', lastError: e.message });
      this.alert('error', 'authentication', `Trading halted: the exchange refused the API key (${e.message}). Check the key in \`perpscope keys\`.`, { clientOrderId: order.clientOrderId });
      throw e;
    }
    if (!e.retryable) {
      const reason = e.code === ErrorCode.InsufficientFunds ? 'insufficient_funds' : 'rejected';
      const rejected = this.move(order, OrderState.Rejected, { reason, lastError: e.message });
      this.alert('warn', reason, `Order ${order.clientOrderId} on ${order.symbol} skipped: ${e.message}`, { clientOrderId: order.clientOrderId, code: e.code });
      return rejected;
    }
    this.log.warn({ clientOrderId: order.clientOrderId, err: describeError(e) }, 'send outcome unknown: resolving by client id, never resending');
    this.move(order, OrderState.Unknown, { reason: e.code === ErrorCode.RequestTimeout ? 'timeout' : 'send_error', lastError: e.message });
    return this.resolve(order.clientOrderId, 'lookup_found');
  }

  /**
   * Resumes an intent whose send outcome was never recorded (state NEW or SENT after a crash):
   * looks it up by client id first; only when the exchange does not know it, and the intent is
   * younger than `maxAgeMs`, is it sent, under the same client id (the exchange refuses a second
   * copy, which is then adopted). An older intent is abandoned as REJECTED `stale_intent`.
   */
  async resumeIntent(clientOrderId: string, maxAgeMs: number): Promise<StoredOrder> {
    const gateway = this.requireGateway();
    let order = this.require(clientOrderId);
    if (order.state !== OrderState.New && order.state !== OrderState.Sent) return order;
    this.store.orders.noteLookupAttempt(clientOrderId, this.clock.nowMs());
    const view = await gateway.lookup(order);
    if (view) return this.applyView(clientOrderId, view, 'restart_lookup_found', true);
    if (this.clock.nowMs() - order.createdAtMs > maxAgeMs) {
      return this.move(order, OrderState.Rejected, { reason: 'stale_intent', lastError: `not sent within ${maxAgeMs} ms; abandoned at restart` });
    }
    if (order.state === OrderState.New) order = this.move(order, OrderState.Sent, { reason: 'sending_after_restart' });
    try {
      const ack = await gateway.create(order);
      order = this.move(order, OrderState.Ack, { reason: 'acknowledged', ...(ack.exchangeOrderId ? { exchangeOrderId: ack.exchangeOrderId } : {}) });
      return await this.refresh(order.clientOrderId);
    } catch (err) {
      return this.onSendError(order, err);
    }
  }

  /**
   * Resolves an order whose exchange state is unknown by client-id lookups with exponential
   * backoff and jitter. Not found after `maxLookups` (counted in the store, so a restart continues
   * the count) makes it LOST; nothing is ever resent from here.
   */
  async resolve(clientOrderId: string, foundReason = 'lookup_found'): Promise<StoredOrder> {
    const gateway = this.requireGateway();
    let order = this.require(clientOrderId);
    while (!FINAL.includes(order.state)) {
      const attempt = this.store.orders.noteLookupAttempt(clientOrderId, this.clock.nowMs());
      let view: ExchangeOrderView | null = null;
      try {
        view = await gateway.lookup(order);
      } catch (err) {
        const e = asPerpscope(err);
        if (e instanceof AuthError) throw e;
        this.log.warn({ clientOrderId, attempt, err: describeError(e) }, 'order lookup failed');
      }
      if (view) return this.applyView(clientOrderId, view, foundReason, true);
      if (attempt >= this.maxLookups) {
        order = this.require(clientOrderId);
        if (order.state === OrderState.Lost) return order;
        const lost = this.move(order, OrderState.Lost, { reason: 'not_found_after_lookups', details: { attempts: attempt } });
        this.alert('error', 'order_lost', `Order ${clientOrderId} on ${order.symbol} was not found after ${attempt} lookups`, { clientOrderId });
        return lost;
      }
      await this.clock.sleep(this.backoffMs(attempt));
      order = this.require(clientOrderId);
    }
    return order;
  }

  /** Reads the order's exchange state and fills and applies them (reads only). */
  async refresh(clientOrderId: string): Promise<StoredOrder> {
    const gateway = this.requireGateway();
    const order = this.require(clientOrderId);
    const view = await gateway.lookup(order);
    if (!view) return order;
    return this.applyView(clientOrderId, view, 'refresh', true);
  }

  /**
   * Cancels. A cancel refused because the order is no longer open is followed by a lookup, so a
   * cancel that lost the race against a fill ends FILLED, never CANCELLED.
   */
  async cancel(clientOrderId: string): Promise<StoredOrder> {
    const gateway = this.requireGateway();
    let order = this.require(clientOrderId);
    if (FINAL.includes(order.state)) return order;
    if (order.state === OrderState.Unknown || order.state === OrderState.Sent || order.state === OrderState.Lost) {
      order = await this.resolve(clientOrderId);
      if (FINAL.includes(order.state) || order.state === OrderState.Lost) return order;
    }
    if (order.state === OrderState.New) return this.move(order, OrderState.Cancelled, { reason: 'cancelled_before_send' });
    try {
      await gateway.cancel(order);
    } catch (err) {
      const e = asPerpscope(err);
      if (e instanceof AuthError) throw e;
      this.log.info({ clientOrderId, err: describeError(e) }, 'cancel refused: looking the order up');
    }
    const view = await gateway.lookup(this.require(clientOrderId));
    if (!view) return this.require(clientOrderId);
    return this.applyView(clientOrderId, view, 'cancel', true);
  }

  /**
   * Applies an exchange view: state from the exchange, fills pulled when anything filled. A view
   * that would move an order backwards (PARTIAL to ACK) only updates progress.
   */
  async applyView(clientOrderId: string, view: ExchangeOrderView, reason: string, pullFills: boolean): Promise<StoredOrder> {
    if (pullFills && view.filledBase > 0 && this.gateway) {
      const order = this.require(clientOrderId);
      const exchangeOrderId = view.exchangeOrderId ?? order.exchangeOrderId;
      const withId = exchangeOrderId && !order.exchangeOrderId ? this.move(order, order.state, { reason, exchangeOrderId }) : order;
      try {
        this.applyFills((await this.gateway.fills(withId)).map((f) => this.toFill(f, withId)));
      } catch (err) {
        this.log.warn({ clientOrderId, err: describeError(err) }, 'fills read failed; the reconciler will pull them');
      }
    }
    return this.applyViewSync(clientOrderId, view, reason);
  }

  /** The synchronous half of applyView, for views that arrive with their fills (websocket, paper). */
  applyViewSync(clientOrderId: string, view: ExchangeOrderView, reason: string): StoredOrder {
    const order = this.require(clientOrderId);
    const target = targetState(view);
    const filledBase = Math.max(order.filledBase, view.filledBase);
    const progress = {
      ...(view.exchangeOrderId ? { exchangeOrderId: view.exchangeOrderId } : {}),
      filledBase,
      ...(view.avgFillPrice !== null && view.avgFillPrice > 0 ? { avgFillPrice: view.avgFillPrice } : {}),
    };
    if (FINAL.includes(order.state)) return order;
    const to = canTransition(order.state, target) ? target : order.state;
    return this.move(order, to, { reason, ...progress });
  }

  /**
   * Stores fills (each exchange fill id once) and applies only the new ones to the position and
   * to their order's filled amount, in one transaction. Returns the fills that were new.
   */
  applyFills(fills: readonly Fill[]): Fill[] {
    const fresh = this.store.transaction(() => {
      const added: Fill[] = [];
      for (const fill of fills) {
        if (!this.store.fills.insert(fill)) continue;
        added.push(fill);
        const order = fill.clientOrderId ? this.store.orders.get(fill.clientOrderId) : undefined;
        const current = this.store.positions.get(this.ledger, this.exchange, fill.symbol);
        const params = order?.params ?? {};
        const { position } = applyFillToPosition(current, fill, {
          ledger: this.ledger,
          exchange: this.exchange,
          leverage: typeof params.leverage === 'number' ? params.leverage : 1,
          marginMode: params.marginMode === 'isolated' ? 'isolated' : 'cross',
          tradeId: order?.tradeId ?? null,
        });
        if (position) this.store.positions.upsert(position);
        else this.store.positions.remove(this.ledger, this.exchange, fill.symbol);
        if (order) this.progressFromFills(order, fill.atMs);
      }
      return added;
    });
    for (const fill of fresh) {
      this.onEvent({ type: 'fill', fill });
      const position = this.store.positions.get(this.ledger, this.exchange, fill.symbol);
      this.onEvent({ type: 'position', symbol: fill.symbol, position: position ? toBrokerPosition(position) : null });
      if (fill.clientOrderId) this.emitOrder(this.require(fill.clientOrderId));
    }
    return fresh;
  }

  /** Maps an exchange fill onto the ledger's Fill row. */
  toFill(f: ExchangeFill, order: StoredOrder | null): Fill {
    return {
      ledger: this.ledger,
      exchange: this.exchange,
      fillId: f.fillId,
      clientOrderId: order?.clientOrderId ?? null,
      exchangeOrderId: f.exchangeOrderId,
      symbol: f.symbol,
      side: f.side,
      price: f.price,
      amountBase: f.amountBase,
      feeCost: f.feeCost,
      feeCurrency: f.feeCurrency,
      liquidity: f.liquidity,
      atMs: f.atMs,
    };
  }

  /** Persists a state change (or progress only, when `to` is the current state) and emits it. */
  move(order: StoredOrder, to: OrderState, o: { reason: string; exchangeOrderId?: string; filledBase?: number; avgFillPrice?: number; lastError?: string | null; details?: Record<string, unknown> }): StoredOrder {
    const next = this.store.orders.transition(order.clientOrderId, to, { atMs: this.clock.nowMs(), ...o });
    if (next.state !== order.state || next.filledBase !== order.filledBase) this.emitOrder(next);
    return next;
  }

  private progressFromFills(order: StoredOrder, atMs: number): void {
    const fills = this.store.fills.forOrder(order.clientOrderId);
    const filled = fills.reduce((s, f) => s + f.amountBase, 0);
    const avg = filled > 0 ? fills.reduce((s, f) => s + f.amountBase * f.price, 0) / filled : null;
    const current = this.require(order.clientOrderId);
    const done = filled >= current.amountBase * (1 - FILL_EPS);
    // A final order keeps its state (a late fill of a CANCELLED order only adds progress).
    let to: OrderState = FINAL.includes(current.state) ? current.state : done ? OrderState.Filled : OrderState.Partial;
    if (!canTransition(current.state, to)) to = current.state;
    this.store.orders.transition(order.clientOrderId, to, {
      atMs,
      reason: 'fill',
      filledBase: Math.max(filled, current.filledBase),
      ...(avg !== null ? { avgFillPrice: avg } : {}),
    });
  }

  private backoffMs(attempt: number): number {
    const base = Math.min(this.lookupMaxMs, this.lookupBaseMs * 2 ** (attempt - 1));
    return Math.round(base * (0.5 + this.random()));
  }

  private emitOrder(order: StoredOrder): void {
    this.onEvent({ type: 'order', order });
  }

  private alert(level: 'info' | 'warn' | 'error', reason: string, message: string, details: Record<string, unknown>): void {
    this.store.events.append({ atMs: this.clock.nowMs(), type: 'alert', ledger: this.ledger, payload: { level, reason, message, ...details } });
    this.onEvent({ type: 'alert', level, reason, message, details });
  }

  private require(clientOrderId: string): StoredOrder {
    const order = this.store.orders.get(clientOrderId);
    if (!order) throw new PerpscopeError(ErrorCode.OrderNotFound, `Order ${clientOrderId} is not in the ${this.ledger} ledger`, { details: { clientOrderId } });
    return order;
  }

  private requireGateway(): OrderGateway {
    if (!this.gateway) throw new PerpscopeError(ErrorCode.Internal, 'This ledger has no exchange gateway (paper ledgers fill locally)');
    return this.gateway;
  }
}

function targetState(view: ExchangeOrderView): OrderState {
  switch (view.status) {
    case 'filled':
      return OrderState.Filled;
    case 'canceled':
      return OrderState.Cancelled;
    case 'rejected':
      return OrderState.Rejected;
    default:
      return view.filledBase > 0 ? OrderState.Partial : OrderState.Ack;
  }
}

function asPerpscope(err: unknown): PerpscopeError {
  return err instanceof PerpscopeError ? err : new PerpscopeError(ErrorCode.Internal, err instanceof Error ? err.message : String(err), { cause: err, retryable: true });
}

/** BloFin reports a reused client id as InvalidOrder code 102002 ("Duplicate customized order ID"). */
function isDuplicateId(e: PerpscopeError): boolean {
  return e.code === ErrorCode.DuplicateOrderId || /Duplicate customized order ID|"102002"|\b102002\b/i.test(e.message);
}

/** A position event from the ledger alone (no mark price at hand). */
export function toBrokerPosition(p: StoredPosition, markPrice: number | null = null): BrokerPosition {
  return {
    symbol: p.symbol,
    side: p.side,
    sizeBase: p.sizeBase,
    entryPrice: p.entryPrice,
    markPrice,
    unrealizedPnlUsd: markPrice === null ? 0 : unrealizedPnl(p, markPrice),
    realizedPnlUsd: p.realizedPnlUsd,
    liquidationPrice: p.liquidationPrice,
    leverage: p.leverage,
    marginMode: p.marginMode,
    tradeId: p.tradeId,
  };
}
