import { ErrorCode } from '@perpscope/shared';
import type { Clock } from '../core/clock.js';
import { AuthError, InvalidInputError, OrderError, PerpscopeError, describeError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { OrderState, canTransition, type Fill, type Ledger, type OrderType, type StoredOrder, type StoredPosition, type Store } from '../store/index.js';
import { canAmend } from '../store/repositories/orderStates.js';
import { deriveClientOrderId, DEFAULT_CLIENT_ID_PREFIX } from './clientOrderId.js';
import type { ExchangeFill, ExchangeOrderView, OrderAmendment, OrderGateway } from './gateway.js';
import { applyFillToPosition, unrealizedPnl } from './positionMath.js';
import type { AmendOrderRequest, BrokerEvent, BrokerOrderType, BrokerPosition, PlaceOrderRequest } from './types.js';

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
  record(req: PlaceOrderRequest, extraParams: Record<string, unknown> = {}): { order: StoredOrder; created: boolean } {
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
        ...extraParams,
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
   * Amends a working order (ACK or PARTIAL; an order whose state is unknown is resolved first).
   * The caller has risk-checked the order it becomes. With a gateway that amends in place: one
   * amend call, the stored size and prices updated with an `amended` transition. Without one (or
   * for an order the venue cannot amend): cancel, then a replacement leg under the next attempt of
   * the same trade and leg, for what is left to fill; the replacement is returned. An amend that
   * loses the race against a fill leaves the order FILLED and throws OrderError `order_not_open`.
   */
  async amend(clientOrderId: string, change: AmendOrderRequest): Promise<StoredOrder> {
    const gateway = this.requireGateway();
    let order = this.require(clientOrderId);
    if (order.state === OrderState.Unknown || order.state === OrderState.Sent || order.state === OrderState.Lost) order = await this.resolve(clientOrderId);
    if (!canAmend(order.state)) throw notWorking(order);
    validateAmend(order, change);
    const wanted: OrderAmendment = {
      ...(change.price !== undefined ? { price: change.price } : {}),
      ...(change.amountBase !== undefined ? { amountBase: change.amountBase } : {}),
      ...(change.triggerPrice !== undefined ? { stopPrice: change.triggerPrice } : {}),
    };
    if (gateway.amend) {
      try {
        return await this.afterAmend(order, change, await gateway.amend(order, wanted));
      } catch (err) {
        const e = asPerpscope(err);
        if (e instanceof AuthError) throw e;
        if (e.code !== ErrorCode.NotSupported) {
          // Refused, or the outcome is unknown (a timeout after the venue took it): the order as the venue holds it decides.
          this.log.info({ clientOrderId, err: describeError(e) }, 'amend failed: looking the order up');
          const view = await gateway.lookup(this.require(clientOrderId)).catch(() => null);
          if (view && view.status === 'open' && amendTook(view, change)) return this.afterAmend(this.require(clientOrderId), change, view);
          if (view) {
            const now = await this.applyView(clientOrderId, view, 'amend_refused', true);
            if (!canAmend(now.state)) throw notWorking(now, e);
          }
          throw e;
        }
        this.log.info({ clientOrderId, err: e.message }, 'the venue cannot amend this order in place: cancelling and replacing it');
      }
    }
    return this.replace(order, change);
  }

  /**
   * Records an amend the venue (or the paper broker) made: the stored size and prices, a
   * same-state `amended` transition with the old and new values. Returns the order as stored.
   */
  recordAmend(clientOrderId: string, change: AmendOrderRequest, details: Record<string, unknown> = {}): StoredOrder {
    const amended = this.store.orders.amend(
      clientOrderId,
      { ...(change.price !== undefined ? { price: change.price } : {}), ...(change.amountBase !== undefined ? { amountBase: change.amountBase } : {}), ...(change.triggerPrice !== undefined ? { triggerPrice: change.triggerPrice } : {}) },
      { atMs: this.clock.nowMs(), details },
    );
    this.emitOrder(amended);
    return amended;
  }

  /** The venue's answer to an amend: recorded when the order still works (it may have filled at once), refused when the amend ended it. */
  private async afterAmend(order: StoredOrder, change: AmendOrderRequest, view: ExchangeOrderView): Promise<StoredOrder> {
    if (view.status === 'canceled' || view.status === 'rejected') {
      const ended = await this.applyView(order.clientOrderId, view, 'amend_ended', true);
      throw notWorking(ended);
    }
    // A stream refresh may have run meanwhile and found the order filled on its new terms; the
    // amend took, and the order is final: nothing left to record on it.
    if (canAmend(this.require(order.clientOrderId).state)) this.recordAmend(order.clientOrderId, change, { via: 'in_place' });
    return this.applyView(order.clientOrderId, view, 'amended', true);
  }

  /**
   * Cancel-and-replace, for a venue without amend. Everything that can refuse the replacement is
   * checked before anything is sent. A reduce-only stop or take-profit is replaced the way
   * protection moves a stop: the new order first, then the old one cancelled, so the position is
   * never without it (two reduce-only orders for a moment cannot open anything). Any other order
   * is cancelled first, so two never work at once, and the replacement carries what is left to
   * fill at the new terms. A refused replacement throws (`replacement_refused`), with the original
   * still working in the first case and cancelled in the second.
   */
  private async replace(order: StoredOrder, change: AmendOrderRequest): Promise<StoredOrder> {
    const type = order.type as BrokerOrderType;
    if (!REPLACEABLE_TYPES.has(type) || order.tradeId === null) {
      throw new OrderError(ErrorCode.InvalidOrder, `Order ${order.clientOrderId} cannot be amended on this venue, which amends by cancel-and-replace: ${order.tradeId === null ? 'it belongs to no trade (adopted), so no replacement leg can be named' : `${order.type} orders are not placed by this ledger`}`, {
        details: { reason: 'not_replaceable', clientOrderId: order.clientOrderId },
      });
    }
    const tradeId = order.tradeId;
    const leg = typeof order.params.leg === 'string' ? order.params.leg : order.purpose;
    const attempts = this.store.orders.listByTrade(this.ledger, tradeId).filter((o) => o.params.leg === leg).map((o) => (typeof o.params.attempt === 'number' ? o.params.attempt : 0));
    const tif = order.params.timeInForce;
    const replacement = (amountBase: number): PlaceOrderRequest => ({
      symbol: order.symbol,
      side: order.side,
      type,
      amountBase,
      ...((change.price ?? order.price) !== null ? { price: (change.price ?? order.price) as number } : {}),
      ...((change.triggerPrice ?? order.triggerPrice) !== null ? { triggerPrice: (change.triggerPrice ?? order.triggerPrice) as number } : {}),
      reduceOnly: order.reduceOnly,
      purpose: order.purpose,
      tradeId,
      leg,
      attempt: Math.max(0, ...attempts) + 1,
      ...(typeof order.params.leverage === 'number' ? { leverage: order.params.leverage } : {}),
      ...(order.params.marginMode === 'isolated' || order.params.marginMode === 'cross' ? { marginMode: order.params.marginMode } : {}),
      ...(tif === 'PO' ? { postOnly: true } : tif === 'IOC' || tif === 'FOK' || tif === 'GTC' ? { timeInForce: tif } : {}),
    });
    const place = async (req: PlaceOrderRequest): Promise<StoredOrder> => {
      // `replaces` marks the leg as an amend's: protection, which numbers its own stop moves, skips such an id.
      const { order: next } = this.record(req, { replaces: order.clientOrderId });
      this.store.events.append({ atMs: this.clock.nowMs(), type: 'order_replaced', ledger: this.ledger, symbol: order.symbol, payload: { replaced: order.clientOrderId, by: next.clientOrderId, price: change.price ?? null, amountBase: change.amountBase ?? null, triggerPrice: change.triggerPrice ?? null } });
      return this.submit(next.clientOrderId);
    };
    const refused = (next: StoredOrder, originalWorks: boolean): OrderError =>
      new OrderError(ErrorCode.InvalidOrder, `Amend of ${order.clientOrderId}: the replacement ${next.clientOrderId} was ${next.state}${next.lastError ? ` (${next.lastError})` : ''}; the original is ${originalWorks ? 'still working' : 'cancelled'}`, {
        details: { reason: 'replacement_refused', clientOrderId: order.clientOrderId, replacement: next.clientOrderId, state: next.state, originalWorking: originalWorks },
      });
    const working = (o: StoredOrder): boolean => o.state === OrderState.Ack || o.state === OrderState.Partial || o.state === OrderState.Filled;
    if (order.reduceOnly && TRIGGER_ORDER_TYPES.has(order.type)) {
      const next = await place(replacement(change.amountBase ?? order.amountBase));
      if (next.state === OrderState.Unknown) {
        // Whether the replacement reached the venue is not known yet: the original stays, so the
        // position keeps a stop either way (a second reduce-only stop for a while reduces nothing
        // more); the trader cancels it, or protection does with the plan, once the ledger knows.
        this.log.warn({ clientOrderId: order.clientOrderId, replacement: next.clientOrderId }, 'amend: the replacement is unknown; the original stays working');
        return next;
      }
      if (!working(next)) throw refused(next, true);
      const old = await this.cancel(order.clientOrderId);
      // The old one fired first: the position it closed leaves the reduce-only replacement with nothing to reduce (protection cancels it with the plan).
      if (old.state !== OrderState.Cancelled) this.log.warn({ clientOrderId: order.clientOrderId, state: old.state, replacement: next.clientOrderId }, 'amend: the original ended before its cancel');
      return next;
    }
    const cancelled = await this.cancel(order.clientOrderId);
    if (cancelled.state !== OrderState.Cancelled) throw notWorking(cancelled);
    const left = (change.amountBase ?? order.amountBase) - cancelled.filledBase;
    // It filled past the new size before the cancel landed: nothing is left to place.
    if (!(left > FILL_EPS)) return cancelled;
    const next = await place(replacement(left));
    if (!working(next) && next.state !== OrderState.Unknown) throw refused(next, false);
    return next;
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
    let order = this.require(clientOrderId);
    // The venue works the order on other terms than stored: an amend whose answer was lost (it
    // timed out and the lookup came too early) or one made on the exchange's own screens. The
    // venue's terms are the truth; a fill is then judged against the size it really has.
    const drift = view.status === 'open' && canAmend(order.state) ? termsDrift(order, view) : null;
    if (drift) order = this.recordAmend(clientOrderId, drift, { via: 'venue', reason });
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

const REPLACEABLE_TYPES: ReadonlySet<string> = new Set<BrokerOrderType>(['market', 'limit', 'stop_market', 'take_profit_market']);
const TRIGGER_ORDER_TYPES: ReadonlySet<string> = new Set(['stop_market', 'take_profit_market', 'stop_limit', 'take_profit_limit']);

/**
 * Checks an amend against the order it changes; every bad field is named at once: something must
 * change, prices and sizes are positive, a limit price only on a limit order, a trigger price only
 * on a stop or take-profit, and the new size above what already filled.
 */
export function validateAmend(order: StoredOrder, change: AmendOrderRequest): void {
  const issues: { path: string; received: string; expected: string }[] = [];
  if (change.price === undefined && change.amountBase === undefined && change.triggerPrice === undefined) {
    issues.push({ path: 'price|amountBase|triggerPrice', received: 'none', expected: 'at least one field to change' });
  }
  const positive = (path: 'price' | 'amountBase' | 'triggerPrice'): void => {
    const v = change[path];
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) issues.push({ path, received: String(v), expected: 'a number > 0' });
  };
  positive('price');
  positive('amountBase');
  positive('triggerPrice');
  if (change.price !== undefined && order.type !== 'limit') issues.push({ path: 'price', received: `${change.price} (${order.type} order)`, expected: 'a limit price on a limit order only' });
  if (change.triggerPrice !== undefined && !TRIGGER_ORDER_TYPES.has(order.type)) issues.push({ path: 'triggerPrice', received: `${change.triggerPrice} (${order.type} order)`, expected: 'a trigger price on a stop or take-profit only' });
  if (change.amountBase !== undefined && Number.isFinite(change.amountBase) && change.amountBase <= order.filledBase + FILL_EPS) {
    issues.push({ path: 'amountBase', received: String(change.amountBase), expected: `more than the ${order.filledBase} already filled` });
  }
  if (issues.length > 0) throw new InvalidInputError(`amend of ${order.clientOrderId}`, issues);
}

/**
 * The order an amend would make, as a placement request (for the risk gate): the stored order with
 * the change and the caller's risk context, for what is still to fill. What already filled is in
 * the position the gate counts; counting it again would size a price-only amend down.
 */
export function amendedRequest(order: StoredOrder, change: AmendOrderRequest): PlaceOrderRequest {
  const price = change.price ?? order.price;
  const triggerPrice = change.triggerPrice ?? order.triggerPrice;
  return {
    symbol: order.symbol,
    side: order.side,
    type: order.type as BrokerOrderType,
    amountBase: (change.amountBase ?? order.amountBase) - order.filledBase,
    ...(price !== null ? { price } : {}),
    ...(triggerPrice !== null ? { triggerPrice } : {}),
    reduceOnly: order.reduceOnly,
    purpose: order.purpose,
    tradeId: order.tradeId ?? order.clientOrderId,
    leg: typeof order.params.leg === 'string' ? order.params.leg : order.purpose,
    ...(change.risk ? { risk: change.risk } : {}),
    ...(typeof order.params.leverage === 'number' ? { leverage: order.params.leverage } : {}),
    ...(order.params.marginMode === 'isolated' || order.params.marginMode === 'cross' ? { marginMode: order.params.marginMode } : {}),
  };
}

/** The refusal of an amend on an order that no longer works (filled, cancelled, refused, or not yet on the venue). */
function notWorking(order: StoredOrder, cause?: unknown): OrderError {
  return new OrderError(ErrorCode.InvalidOrder, `Amend of ${order.clientOrderId} refused: the order is ${order.state}, not working (ACK or PARTIAL)`, {
    details: { reason: 'order_not_open', clientOrderId: order.clientOrderId, state: order.state },
    ...(cause !== undefined ? { cause } : {}),
  });
}

/** The venue's terms where they differ from the stored order's (size, limit price, trigger), or null. */
function termsDrift(order: StoredOrder, view: ExchangeOrderView): AmendOrderRequest | null {
  const differs = (a: number | null | undefined, b: number | null): a is number => typeof a === 'number' && a > 0 && (b === null || Math.abs(a - b) > Math.abs(b) * 1e-9);
  const change: AmendOrderRequest = {
    ...(differs(view.amountBase, order.amountBase) && view.amountBase > order.filledBase ? { amountBase: view.amountBase } : {}),
    ...(order.type === 'limit' && differs(view.price, order.price) ? { price: view.price } : {}),
    ...(TRIGGER_ORDER_TYPES.has(order.type) && differs(view.triggerPrice, order.triggerPrice) ? { triggerPrice: view.triggerPrice } : {}),
  };
  return Object.keys(change).length > 0 ? change : null;
}

/** True when the venue's view of the order carries every value the amend asked for. */
function amendTook(view: ExchangeOrderView, change: AmendOrderRequest): boolean {
  const same = (a: number | null | undefined, b: number | undefined): boolean => b === undefined || (typeof a === 'number' && Math.abs(a - b) <= Math.abs(b) * 1e-9);
  return same(view.price, change.price) && same(view.amountBase, change.amountBase) && same(view.triggerPrice, change.triggerPrice);
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
