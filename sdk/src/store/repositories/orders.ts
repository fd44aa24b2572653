import type Database from 'better-sqlite3';
import { ErrorCode } from '@perpscope/shared';
import { InternalError, StoreError } from '../../core/errors.js';
import { fromJsonObject, toJson } from '../json.js';
import type { Ledger, OrderSide } from '../types.js';
import { AMENDED_REASON, canAmend, canTransition, OPEN_ORDER_STATES, type OrderState } from './orderStates.js';

export type OrderType = 'market' | 'limit' | 'stop_market' | 'stop_limit' | 'take_profit_market' | 'take_profit_limit';
export type OrderPurpose = 'entry' | 'pyramid' | 'exit' | 'stop_loss' | 'take_profit' | 'panic';

/** What we intend to send, committed before the request leaves the process. */
export interface OrderIntent {
  /** Deterministic; every retry reuses it, and the exchange deduplicates on it. */
  clientOrderId: string;
  ledger: Ledger;
  exchange: string;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  purpose: OrderPurpose;
  /** Groups entry, protective and exit orders of one trade (orders belong to trades by id). */
  tradeId: string | null;
  amountBase: number;
  price: number | null;
  triggerPrice: number | null;
  reduceOnly: boolean;
  /** Exchange-specific request parameters, replayed as is on a retry. */
  params?: Record<string, unknown>;
  createdAtMs: number;
}

export interface StoredOrder extends OrderIntent {
  state: OrderState;
  exchangeOrderId: string | null;
  filledBase: number;
  avgFillPrice: number | null;
  /** Client-id lookups made while UNKNOWN; persisted so backoff continues across restarts. */
  lookupAttempts: number;
  lastError: string | null;
  params: Record<string, unknown>;
  updatedAtMs: number;
}

/** What an amend changes on a working order (its intent fields; nothing else). */
export interface OrderAmendFields {
  amountBase?: number;
  price?: number;
  triggerPrice?: number;
}

/** Fields that may change along with (or without) a state change. */
export interface OrderProgress {
  exchangeOrderId?: string;
  filledBase?: number;
  avgFillPrice?: number;
  lastError?: string | null;
}

export interface TransitionOptions extends OrderProgress {
  atMs: number;
  /** Why, in a word or two (`timeout`, `lookup_found`, `duplicate_id_adopted`). */
  reason?: string;
  details?: Record<string, unknown>;
}

export interface OrderTransition {
  id: number;
  clientOrderId: string;
  fromState: OrderState | null;
  toState: OrderState;
  atMs: number;
  reason: string | null;
  details: Record<string, unknown>;
}

export interface OrderFilter {
  exchange?: string;
  symbol?: string;
}

interface RawOrder {
  client_order_id: string;
  ledger: Ledger;
  exchange: string;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  purpose: OrderPurpose;
  trade_id: string | null;
  amount_base: number;
  price: number | null;
  trigger_price: number | null;
  reduce_only: number;
  state: OrderState;
  exchange_order_id: string | null;
  filled_base: number;
  avg_fill_price: number | null;
  lookup_attempts: number;
  last_error: string | null;
  params_json: string;
  created_at_ms: number;
  updated_at_ms: number;
}

interface RawTransition {
  id: number;
  client_order_id: string;
  from_state: OrderState | null;
  to_state: OrderState;
  at_ms: number;
  reason: string | null;
  details_json: string;
}

/**
 * A ledger row as an order, frozen with its params on every path: the repository's cache hands
 * out the same objects to every reader, so none may change them.
 */
function toOrder(r: RawOrder): StoredOrder {
  return Object.freeze({
    clientOrderId: r.client_order_id,
    ledger: r.ledger,
    exchange: r.exchange,
    symbol: r.symbol,
    side: r.side,
    type: r.type,
    purpose: r.purpose,
    tradeId: r.trade_id,
    amountBase: r.amount_base,
    price: r.price,
    triggerPrice: r.trigger_price,
    reduceOnly: r.reduce_only === 1,
    state: r.state,
    exchangeOrderId: r.exchange_order_id,
    filledBase: r.filled_base,
    avgFillPrice: r.avg_fill_price,
    lookupAttempts: r.lookup_attempts,
    lastError: r.last_error,
    params: Object.freeze(fromJsonObject(r.params_json)),
    createdAtMs: r.created_at_ms,
    updatedAtMs: r.updated_at_ms,
  });
}

const OPEN_STATES_SQL = OPEN_ORDER_STATES.map((s) => `'${s}'`).join(', ');

/**
 * The order ledger. Paper and live orders live in separate ledgers; every read names one.
 * Each state change is recorded in `order_transitions` (append-only) in the same transaction.
 */
export class OrderRepository {
  private readonly insertStmt: Database.Statement;
  private readonly getStmt: Database.Statement<[string], RawOrder>;
  private readonly byExchangeIdStmt: Database.Statement<[Ledger, string, string], RawOrder>;
  private readonly updateStmt: Database.Statement;
  private readonly addTransitionStmt: Database.Statement;
  private readonly transitionsStmt: Database.Statement<[string], RawTransition>;
  private readonly openStmt: Database.Statement<[Ledger], RawOrder>;
  private readonly openBySymbolStmt: Database.Statement<[Ledger, string, string], RawOrder>;
  private readonly byStateStmt: Database.Statement<[Ledger, OrderState], RawOrder>;
  private readonly byTradeStmt: Database.Statement<[Ledger, string], RawOrder>;
  private readonly recentStmt: Database.Statement<[Ledger, string, number], RawOrder>;
  private readonly attemptStmt: Database.Statement;
  private readonly amendStmt: Database.Statement;
  private readonly amendTx: (clientOrderId: string, fields: OrderAmendFields, options: { atMs: number; details?: Record<string, unknown> }) => StoredOrder;
  private readonly dataVersionStmt: Database.Statement<[], number>;
  /**
   * Open orders per filter, and orders per trade, as last read outside a transaction. Cleared by
   * every write through this repository and whenever another connection commits (`PRAGMA
   * data_version`); reads inside a transaction bypass it, so a rolled-back write never leaves a
   * stale entry.
   */
  private readonly openCache = new Map<string, readonly StoredOrder[]>();
  /** Orders by client id, under the same rules as `openCache`. */
  private readonly byIdCache = new Map<string, StoredOrder>();
  private cachedDataVersion = -1;
  private readonly recordTx: (intent: OrderIntent) => { created: boolean; order: StoredOrder };
  private readonly transitionTx: (clientOrderId: string, to: OrderState, options: TransitionOptions) => StoredOrder;

  constructor(private readonly db: Database.Database) {
    this.dataVersionStmt = db.prepare<[], number>('PRAGMA data_version').pluck();
    this.insertStmt = db.prepare(
      `INSERT INTO orders (client_order_id, ledger, exchange, symbol, side, type, purpose, trade_id, amount_base, price, trigger_price,
         reduce_only, state, params_json, created_at_ms, updated_at_ms)
       VALUES (@clientOrderId, @ledger, @exchange, @symbol, @side, @type, @purpose, @tradeId, @amountBase, @price, @triggerPrice,
         @reduceOnly, 'NEW', @params, @createdAtMs, @createdAtMs)
       ON CONFLICT (client_order_id) DO NOTHING`,
    );
    this.getStmt = db.prepare('SELECT * FROM orders WHERE client_order_id = ?');
    this.byExchangeIdStmt = db.prepare('SELECT * FROM orders WHERE ledger = ? AND exchange = ? AND exchange_order_id = ?');
    this.updateStmt = db.prepare(
      `UPDATE orders SET state = @state, exchange_order_id = @exchangeOrderId, filled_base = @filledBase, avg_fill_price = @avgFillPrice,
         last_error = @lastError, updated_at_ms = @atMs WHERE client_order_id = @clientOrderId`,
    );
    this.addTransitionStmt = db.prepare(
      'INSERT INTO order_transitions (client_order_id, from_state, to_state, at_ms, reason, details_json) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.transitionsStmt = db.prepare('SELECT * FROM order_transitions WHERE client_order_id = ? ORDER BY id');
    this.openStmt = db.prepare(`SELECT * FROM orders WHERE ledger = ? AND state IN (${OPEN_STATES_SQL}) ORDER BY created_at_ms, client_order_id`);
    // Filtered in SQL: the paper broker asks per symbol at every bar and path point, and decoding
    // every open order of the ledger to keep one symbol's was most of a backtest's time.
    this.openBySymbolStmt = db.prepare(
      `SELECT * FROM orders WHERE ledger = ? AND exchange = ? AND symbol = ? AND state IN (${OPEN_STATES_SQL}) ORDER BY created_at_ms, client_order_id`,
    );
    this.byStateStmt = db.prepare('SELECT * FROM orders WHERE ledger = ? AND state = ? ORDER BY created_at_ms, client_order_id');
    this.byTradeStmt = db.prepare('SELECT * FROM orders WHERE ledger = ? AND trade_id = ? ORDER BY created_at_ms, client_order_id');
    this.recentStmt = db.prepare('SELECT * FROM orders WHERE ledger = ? AND exchange = ? ORDER BY created_at_ms DESC, client_order_id DESC LIMIT ?');
    this.attemptStmt = db.prepare('UPDATE orders SET lookup_attempts = lookup_attempts + 1, updated_at_ms = ? WHERE client_order_id = ?');
    this.amendStmt = db.prepare(
      'UPDATE orders SET amount_base = @amountBase, price = @price, trigger_price = @triggerPrice, updated_at_ms = @atMs WHERE client_order_id = @clientOrderId',
    );

    this.amendTx = db.transaction((clientOrderId: string, fields: OrderAmendFields, options: { atMs: number; details?: Record<string, unknown> }) => {
      const current = this.require(clientOrderId);
      if (!canAmend(current.state)) {
        throw new StoreError(ErrorCode.StoreError, `Order ${clientOrderId} cannot be amended in state ${current.state}`, { details: { clientOrderId, state: current.state } });
      }
      const next = { amountBase: fields.amountBase ?? current.amountBase, price: fields.price ?? current.price, triggerPrice: fields.triggerPrice ?? current.triggerPrice };
      this.amendStmt.run({ clientOrderId, ...next, atMs: options.atMs });
      const details = { from: { amountBase: current.amountBase, price: current.price, triggerPrice: current.triggerPrice }, to: next, ...options.details };
      this.addTransitionStmt.run(clientOrderId, current.state, current.state, options.atMs, AMENDED_REASON, toJson(details));
      return this.require(clientOrderId);
    });

    this.recordTx = db.transaction((intent: OrderIntent) => {
      const created =
        this.insertStmt.run({
          ...intent,
          reduceOnly: intent.reduceOnly ? 1 : 0,
          params: toJson(intent.params ?? {}),
        }).changes === 1;
      if (created) this.addTransitionStmt.run(intent.clientOrderId, null, 'NEW', intent.createdAtMs, 'intent', '{}');
      return { created, order: this.require(intent.clientOrderId) };
    });

    this.transitionTx = db.transaction((clientOrderId: string, to: OrderState, options: TransitionOptions) => {
      const current = this.require(clientOrderId);
      const stateChanges = current.state !== to;
      if (stateChanges && !canTransition(current.state, to)) {
        throw new StoreError(ErrorCode.StoreError, `Order ${clientOrderId} cannot move from ${current.state} to ${to}`, {
          details: { clientOrderId, from: current.state, to },
        });
      }
      this.updateStmt.run({
        clientOrderId,
        state: to,
        exchangeOrderId: options.exchangeOrderId ?? current.exchangeOrderId,
        filledBase: options.filledBase ?? current.filledBase,
        avgFillPrice: options.avgFillPrice ?? current.avgFillPrice,
        lastError: options.lastError === undefined ? current.lastError : options.lastError,
        atMs: options.atMs,
      });
      if (stateChanges) {
        this.addTransitionStmt.run(clientOrderId, current.state, to, options.atMs, options.reason ?? null, toJson(options.details ?? {}));
      }
      return this.require(clientOrderId);
    });
  }

  /**
   * Commits the intent in state NEW. Idempotent on the client order id: recording an id that
   * exists returns the stored order unchanged with `created: false`.
   */
  recordIntent(intent: OrderIntent): { created: boolean; order: StoredOrder } {
    this.forget(intent);
    return this.recordTx(intent);
  }

  /**
   * Moves an order to `to`, updating progress fields, and records the transition. Moving to the
   * current state only updates progress (for example more fills while PARTIAL) and records nothing.
   * An illegal move (out of a final state, for example) throws a StoreError and changes nothing.
   */
  transition(clientOrderId: string, to: OrderState, options: TransitionOptions): StoredOrder {
    this.forgetOrder(clientOrderId);
    return this.transitionTx(clientOrderId, to, options);
  }

  /**
   * Records an amend of a working order (ACK or PARTIAL): the new size and prices, and a
   * same-state transition with reason `amended` and the old and new values in its details (see
   * `canAmend`). Any other state throws a StoreError and changes nothing.
   */
  amend(clientOrderId: string, fields: OrderAmendFields, options: { atMs: number; details?: Record<string, unknown> }): StoredOrder {
    this.forgetOrder(clientOrderId);
    return this.amendTx(clientOrderId, fields, options);
  }

  /** Counts one client-id lookup; returns the new count. */
  noteLookupAttempt(clientOrderId: string, atMs: number): number {
    this.forgetOrder(clientOrderId);
    this.attemptStmt.run(atMs, clientOrderId);
    return this.require(clientOrderId).lookupAttempts;
  }

  get(clientOrderId: string): StoredOrder | undefined {
    const mode = this.cacheMode();
    if (mode !== CacheMode.Off) {
      const hit = this.byIdCache.get(clientOrderId);
      if (hit) return hit;
    }
    const r = this.getStmt.get(clientOrderId);
    if (!r) return undefined;
    const order = toOrder(r);
    if (mode === CacheMode.Full) this.byIdCache.set(clientOrderId, order);
    return order;
  }

  getByExchangeId(ledger: Ledger, exchange: string, exchangeOrderId: string): StoredOrder | undefined {
    const r = this.byExchangeIdStmt.get(ledger, exchange, exchangeOrderId);
    return r && toOrder(r);
  }

  /** Orders that may still be live on the exchange (NEW, SENT, ACK, UNKNOWN, PARTIAL), oldest first. */
  /**
   * Open orders, oldest first. Served from a cache between writes: a backtest's broker asks for
   * one symbol's open orders at every bar and path point, and decoding them each time was most of
   * its run time. The orders are frozen (see `toOrder`), because the cache hands out the same objects.
   */
  listOpen(ledger: Ledger, filter: OrderFilter = {}): StoredOrder[] {
    const load = (): StoredOrder[] =>
      filter.exchange !== undefined && filter.symbol !== undefined
        ? this.openBySymbolStmt.all(ledger, filter.exchange, filter.symbol).map(toOrder)
        : this.openStmt.all(ledger).map(toOrder).filter((o) => matches(o, filter));
    return this.cachedList(openKey(ledger, filter), load);
  }

  listByState(ledger: Ledger, state: OrderState, filter: OrderFilter = {}): StoredOrder[] {
    return this.byStateStmt.all(ledger, state).map(toOrder).filter((o) => matches(o, filter));
  }

  /** A trade's orders in every state, oldest first; cached like `listOpen` (protection asks at every price). */
  listByTrade(ledger: Ledger, tradeId: string): StoredOrder[] {
    const load = (): StoredOrder[] => this.byTradeStmt.all(ledger, tradeId).map(toOrder);
    return this.cachedList(tradeKey(ledger, tradeId), load);
  }

  /** The list cached under `key` (a copy), else `load`'s, kept when the cache mode allows. */
  private cachedList(key: string, load: () => StoredOrder[]): StoredOrder[] {
    const mode = this.cacheMode();
    if (mode === CacheMode.Off) return load();
    const hit = this.openCache.get(key);
    if (hit) return hit.slice();
    const loaded = load();
    if (mode === CacheMode.Read) return loaded;
    this.openCache.set(key, loaded);
    return loaded.slice();
  }

  /** The newest `limit` orders of one venue in every state, newest first: the order history. */
  listRecent(ledger: Ledger, exchange: string, limit: number): StoredOrder[] {
    return this.recentStmt.all(ledger, exchange, limit).map(toOrder);
  }

  /** Every recorded state change of an order, oldest first, starting with the intent (null -> NEW). */
  transitions(clientOrderId: string): OrderTransition[] {
    return this.transitionsStmt.all(clientOrderId).map((r) => ({
      id: r.id,
      clientOrderId: r.client_order_id,
      fromState: r.from_state,
      toState: r.to_state,
      atMs: r.at_ms,
      reason: r.reason,
      details: fromJsonObject(r.details_json),
    }));
  }

  private clearCaches(): void {
    this.openCache.clear();
    this.byIdCache.clear();
  }

  /**
   * Drops what a write to `clientOrderId` can change: the entry of the order itself, the open
   * orders of its symbol and of every wider filter, and its trade's orders. Entries of other
   * symbols and trades stay: with many symbols holding orders, clearing everything at each write
   * made every symbol re-read its orders at every bar. An order the ledger does not hold (the
   * write will fail) clears everything, as does one whose row cannot be read.
   */
  private forgetOrder(clientOrderId: string): void {
    const order = this.byIdCache.get(clientOrderId) ?? (this.db.inTransaction ? undefined : this.get(clientOrderId));
    if (order) this.forget(order);
    else this.clearCaches();
  }

  /** Drops the entries an order of `o`'s ledger, venue, symbol and trade appears in (see `forgetOrder`). */
  private forget(o: Pick<StoredOrder, 'clientOrderId' | 'ledger' | 'exchange' | 'symbol' | 'tradeId'>): void {
    this.byIdCache.delete(o.clientOrderId);
    for (const key of [
      openKey(o.ledger, {}),
      openKey(o.ledger, { exchange: o.exchange }),
      openKey(o.ledger, { symbol: o.symbol }),
      openKey(o.ledger, { exchange: o.exchange, symbol: o.symbol }),
    ]) {
      this.openCache.delete(key);
    }
    if (o.tradeId !== null) this.openCache.delete(tradeKey(o.ledger, o.tradeId));
  }

  /**
   * How reads may use the caches now: not at all inside a transaction on a file database; inside
   * one on a private in-memory database, entries kept before it are served but nothing read is
   * kept (it may be uncommitted; every write drops what it changes first, so a kept entry is
   * what the transaction sees too); fully otherwise, after dropping everything when another
   * connection has committed since the caches were filled.
   */
  private cacheMode(): CacheMode {
    if (this.db.inTransaction) return this.db.memory ? CacheMode.Read : CacheMode.Off;
    // No other connection can reach a private in-memory database, so nobody else commits to it.
    if (this.db.memory) return CacheMode.Full;
    const dataVersion = this.dataVersionStmt.get()!;
    if (dataVersion !== this.cachedDataVersion) {
      this.clearCaches();
      this.cachedDataVersion = dataVersion;
    }
    return CacheMode.Full;
  }

  private require(clientOrderId: string): StoredOrder {
    const r = this.getStmt.get(clientOrderId);
    if (!r) throw new InternalError(ErrorCode.Internal, `Order ${clientOrderId} is not in the ledger`, { details: { clientOrderId } });
    return toOrder(r);
  }
}

/** How reads use the order caches (see `OrderRepository.cacheMode`). */
const CacheMode = { Off: 0, Read: 1, Full: 2 } as const;
type CacheMode = (typeof CacheMode)[keyof typeof CacheMode];

function openKey(ledger: Ledger, filter: OrderFilter): string {
  return `${ledger}\u0000${filter.exchange ?? '*'}\u0000${filter.symbol ?? '*'}`;
}

function tradeKey(ledger: Ledger, tradeId: string): string {
  return `trade\u0000${ledger}\u0000${tradeId}`;
}

function matches(o: StoredOrder, filter: OrderFilter): boolean {
  return (filter.exchange === undefined || o.exchange === filter.exchange) && (filter.symbol === undefined || o.symbol === filter.symbol);
}
