import type { Exchange, Order, Trade as CcxtTrade } from 'ccxt';
import { ErrorCode } from '@perpscope/shared';
import { mapCcxtError, unwrapItemError } from '../core/ccxtErrors.js';
import type { Clock } from '../core/clock.js';
import { PerpscopeError } from '../core/errors.js';
import { baseToContracts, contractSizeOf, contractsToBase } from '../market/contractUnits.js';
import type { OrderType, StoredOrder } from '../store/index.js';
import type { ExchangeFill, ExchangeOrderView, OrderAmendment, OrderGateway } from './gateway.js';

/** Retry policy for reads (writes are never retried here: the ledger decides). */
export interface ReadRetry {
  attempts: number;
  baseMs: number;
  maxMs: number;
  random: () => number;
}

export const DEFAULT_READ_RETRY: ReadRetry = { attempts: 4, baseMs: 200, maxMs: 5_000, random: Math.random };

/**
 * Runs a read, retrying retryable errors (network, 429, 5xx, timeouts) with exponential backoff
 * and jitter. Non-retryable errors (auth, bad request) surface at once. A timestamp rejection is
 * retried only after `resync` corrected the clock (without one, retrying cannot help).
 */
export async function retryRead<T>(
  clock: Clock,
  retry: ReadRetry,
  context: { exchange: string; operation: string; symbol?: string },
  fn: () => Promise<T>,
  resync?: () => Promise<void>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const e = mapCcxtError(err, context);
      if (isTimestampRejection(e)) {
        if (!resync || attempt >= retry.attempts) throw e;
        await resync();
        continue;
      }
      if (!e.retryable || attempt >= retry.attempts) throw e;
      const base = Math.min(retry.maxMs, retry.baseMs * 2 ** (attempt - 1));
      await clock.sleep(Math.round(base * (0.5 + retry.random())));
    }
  }
}

/** True for errors that must halt trading (bad or revoked keys). */
export function isAuthFailure(err: unknown): boolean {
  return err instanceof PerpscopeError && (err.code === ErrorCode.AuthenticationFailed || err.code === ErrorCode.PermissionDenied || err.code === ErrorCode.AccountSuspended);
}

/** True when the exchange refused a signed request for its timestamp (ccxt's InvalidNonce). */
export function isTimestampRejection(err: unknown): boolean {
  return err instanceof PerpscopeError && err.details?.ccxtClass === 'InvalidNonce';
}

/** True when the exchange is down or in maintenance (5xx pages, ccxt's OnMaintenance/ExchangeNotAvailable) or our breaker is open. */
export function isExchangeUnavailable(err: unknown): boolean {
  return err instanceof PerpscopeError && (err.code === ErrorCode.ExchangeUnavailable || err.code === ErrorCode.CircuitOpen);
}

/**
 * ccxt's `TICK_SIZE` precision mode (ccxt.TICK_SIZE; not a named export of its ESM entry):
 * `precision.amount` is then a step, not a count of decimals.
 */
export const CCXT_TICK_SIZE = 4;

/**
 * The one place an exchange order's state becomes the ledger's. The raw state decides where
 * ccxt's status misleads: BloFin's `partially_canceled` (a cancel after a partial fill) is passed
 * through unmapped by ccxt, and its `order_failed` is mapped to canceled although the exchange
 * refused it. Binance's raw order states (NEW, FILLED, CANCELED, EXPIRED, REJECTED) map through
 * ccxt's; its conditional (algo) order states do not come here (BinanceUsdmGateway maps them).
 */
export function orderViewStatus(rawState: unknown, ccxtStatus: string | undefined): ExchangeOrderView['status'] {
  if (rawState === 'partially_canceled') return 'canceled';
  if (rawState === 'order_failed') return 'rejected';
  if (ccxtStatus === 'closed') return 'filled';
  if (ccxtStatus === 'canceled' || ccxtStatus === 'expired') return 'canceled';
  if (ccxtStatus === 'rejected') return 'rejected';
  return 'open';
}

/**
 * An order's view from ccxt's parse, in the ledger's base units; `status` is the venue's own
 * mapping of its raw state (each venue names its states differently).
 */
export function ccxtOrderView(contractSize: number, o: Order, status: ExchangeOrderView['status']): ExchangeOrderView {
  const filled = o.filled ?? 0;
  return {
    exchangeOrderId: o.id ? String(o.id) : null,
    status,
    filledBase: contractsToBase(contractSize, filled),
    avgFillPrice: filled > 0 ? (o.average ?? null) : null,
    amountBase: typeof o.amount === 'number' ? contractsToBase(contractSize, o.amount) : null,
    price: typeof o.price === 'number' && o.price > 0 ? o.price : null,
    triggerPrice: typeof o.triggerPrice === 'number' && o.triggerPrice > 0 ? o.triggerPrice : null,
  };
}

/** Stops and take-profits: orders that rest on the exchange until a trigger price is reached. */
export const TRIGGER_TYPES: ReadonlySet<OrderType> = new Set<OrderType>(['stop_market', 'take_profit_market']);

/** What the ledger records for an exchange order it did not know (see the Reconciler's adoption). */
export interface AdoptedIntent {
  symbol: string;
  side: 'buy' | 'sell';
  type: OrderType;
  amountBase: number;
  price: number | null;
  triggerPrice: number | null;
  reduceOnly: boolean;
}

/** One open order on the exchange, by the client id it carries, with what the ledger would record for it. */
export interface OpenExchangeOrder {
  clientOrderId: string | undefined;
  /** Null when the record cannot become an intent (no symbol or size). */
  intent: AdoptedIntent | null;
}

/**
 * The exchange-neutral half of a ccxt order gateway: signed calls with one clock re-sync, reads
 * with backoff, conversion between the ledger's base units and the venue's contracts, and fills
 * in the ledger's terms. Each venue's subclass maps its own conventions: how an order is found by
 * client id, how stops and take-profits live on the exchange, and how history is paged.
 */
export abstract class CcxtGatewayBase implements OrderGateway {
  constructor(
    readonly ex: Exchange,
    readonly exchangeId: string,
    protected readonly clock: Clock,
    protected readonly retry: ReadRetry = DEFAULT_READ_RETRY,
    /** Re-measures and corrects clock skew after a timestamp rejection. */
    protected readonly resync?: () => Promise<void>,
  ) {}

  abstract create(order: StoredOrder): Promise<{ exchangeOrderId: string | null }>;
  abstract lookup(order: StoredOrder): Promise<ExchangeOrderView | null>;
  abstract cancel(order: StoredOrder): Promise<void>;
  abstract fills(order: StoredOrder): Promise<ExchangeFill[]>;
  /** The account's executions since `sinceMs` (all of them when absent; all symbols when `symbol` is), every page, oldest first. */
  abstract recentFills(sinceMs: number | undefined, symbol?: string): Promise<ExchangeFill[]>;
  /** The exchange's order by its own id (to learn the client id behind an unknown fill); null when unknown. */
  abstract orderByExchangeId(symbol: string, orderId: string): Promise<Order | null>;
  /** Every open order and open stop/take-profit of the account, every page. */
  abstract openOrders(): Promise<OpenExchangeOrder[]>;

  /**
   * Runs one signed call; a timestamp rejection re-measures the skew and runs it once more.
   * Safe for creates too: the exchange checks the timestamp before anything else, so a request it
   * rejected for its timestamp never reached the matching engine and no order exists under that
   * client id. The retry carries the same client id, so even if that assumption failed the
   * exchange would refuse the copy as a duplicate, which the ledger adopts.
   */
  protected async signed<T>(call: () => Promise<T>): Promise<T> {
    const fn = (): Promise<T> => this.unwrapped(call);
    try {
      return await fn();
    } catch (err) {
      const e = mapCcxtError(err, { exchange: this.exchangeId, operation: 'signed' });
      if (!this.resync || !isTimestampRejection(e)) throw err;
      await this.resync();
      return fn();
    }
  }

  protected read<T>(context: { exchange: string; operation: string; symbol?: string }, fn: () => Promise<T>): Promise<T> {
    return retryRead(this.clock, this.retry, context, () => this.unwrapped(fn), this.resync);
  }

  /** Runs a ccxt call, turning a per-order envelope's bare ExchangeError into its item's error. */
  private async unwrapped<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw unwrapItemError(err, (this.ex as unknown as { exceptions?: { exact?: Record<string, unknown>; broad?: Record<string, unknown> } }).exceptions);
    }
  }

  /** A read whose OrderNotFound means "the exchange does not know it": null instead of an error. */
  protected async orNull<T>(operation: string, symbol: string, fn: () => Promise<T | null>): Promise<T | null> {
    try {
      return await fn();
    } catch (err) {
      const e = mapCcxtError(err, { exchange: this.exchangeId, operation, symbol });
      if (e.code === ErrorCode.OrderNotFound) return null;
      throw e;
    }
  }

  protected isTrigger(order: Pick<StoredOrder, 'type'>): boolean {
    return TRIGGER_TYPES.has(order.type);
  }

  /**
   * Places `order` through ccxt's unified createOrder, for venues whose ccxt class maps
   * `stopLossPrice`/`takeProfitPrice` itself: a trigger goes as a reduce-only market order with
   * the venue's `markTrigger` params (protection moves stops on the mark, so the stop fires on the
   * mark too, not on a last-trade wick); anything else with its reduce-only flag and, for a limit,
   * its time in force.
   */
  protected async createUnified(order: StoredOrder, markTrigger: Record<string, unknown>): Promise<{ exchangeOrderId: string | null }> {
    const ctx = { exchange: this.exchangeId, operation: 'createOrder', symbol: order.symbol };
    try {
      const amount = this.orderContracts(order.symbol, order.amountBase);
      let placed: Order;
      if (this.isTrigger(order)) {
        const key = order.type === 'stop_market' ? 'stopLossPrice' : 'takeProfitPrice';
        const params = { [key]: order.triggerPrice, reduceOnly: true, clientOrderId: order.clientOrderId, ...markTrigger };
        placed = await this.signed(() => this.ex.createOrder(order.symbol, 'market', order.side, amount, undefined, params));
      } else {
        placed = await this.signed(() =>
          this.ex.createOrder(order.symbol, order.type, order.side, amount, order.price ?? undefined, {
            clientOrderId: order.clientOrderId,
            ...(order.reduceOnly ? { reduceOnly: true } : {}),
            ...(order.type === 'limit' ? unifiedTimeInForce(order.params.timeInForce) : {}),
          }),
        );
      }
      return { exchangeOrderId: placed.id ? String(placed.id) : null };
    } catch (err) {
      throw mapCcxtError(err, ctx);
    }
  }

  /**
   * Amends through ccxt's unified editOrder: the new (or current) size in the venue's contracts
   * and the new (or current) limit price, with the venue's own parameters (how the order is named,
   * a trigger). Errors come back mapped.
   */
  protected async editUnified(order: StoredOrder, change: OrderAmendment, params: Record<string, unknown>, opts: { sendAmount: boolean; sendPrice: boolean }): Promise<Order> {
    const ctx = { exchange: this.exchangeId, operation: 'editOrder', symbol: order.symbol };
    const amount = opts.sendAmount || change.amountBase !== undefined ? this.orderContracts(order.symbol, change.amountBase ?? order.amountBase) : undefined;
    const price = opts.sendPrice || change.price !== undefined ? (change.price ?? order.price ?? undefined) : undefined;
    const type = order.type === 'limit' ? 'limit' : 'market';
    try {
      return await this.signed(() => this.ex.editOrder(order.exchangeOrderId ?? '', order.symbol, type, order.side, amount, price, params));
    } catch (err) {
      throw mapCcxtError(err, ctx);
    }
  }

  /** Base units per contract of `symbol` (1 when the venue lists none). */
  /** The ledger's client id of an order the exchange reports (a stream update, an open-orders row). */
  clientOrderIdOf(o: Order): string | undefined {
    return o.clientOrderId;
  }

  contractSize(symbol: string): number {
    return contractSizeOf(this.ex.market(symbol));
  }

  /**
   * An order's base amount as the contracts the venue counts, rounded down to the market's lot
   * (never up, so the venue never gets more than was sized or held).
   */
  orderContracts(symbol: string, amountBase: number): number {
    const m = this.ex.market(symbol);
    const lot = m.precision?.amount;
    // A lot only means a step in ccxt's tick-size precision mode; other modes count decimals.
    return baseToContracts(m, amountBase, this.ex.precisionMode === CCXT_TICK_SIZE && typeof lot === 'number' && lot > 0 ? lot : undefined);
  }

  /** What the ledger records for an exchange order it adopts (a plain order; triggers are the venue's own). */
  intentOf(o: Order): AdoptedIntent | null {
    if (!o.symbol || !o.amount) return null;
    return {
      symbol: o.symbol,
      side: o.side === 'sell' ? 'sell' : 'buy',
      type: o.type === 'market' ? 'market' : 'limit',
      amountBase: contractsToBase(this.contractSize(o.symbol), o.amount),
      price: o.price ?? null,
      triggerPrice: null,
      reduceOnly: o.reduceOnly === true,
    };
  }

  toFill(t: CcxtTrade): ExchangeFill {
    const symbol = t.symbol ?? '';
    return {
      fillId: String(t.id),
      exchangeOrderId: t.order ? String(t.order) : null,
      symbol,
      side: t.side === 'sell' ? 'sell' : 'buy',
      price: t.price ?? 0,
      amountBase: contractsToBase(symbol ? this.contractSize(symbol) : 1, t.amount ?? 0),
      feeCost: Math.abs(t.fee?.cost ?? 0),
      feeCurrency: t.fee?.currency ?? null,
      liquidity: t.takerOrMaker === 'maker' ? 'maker' : t.takerOrMaker === 'taker' ? 'taker' : null,
      atMs: t.timestamp ?? this.clock.nowMs(),
    };
  }
}

/** ccxt's unified parameters for a limit order's time in force (`PO`/`GTX` post-only, IOC, FOK); nothing for GTC or none. */
export function unifiedTimeInForce(value: unknown): Record<string, unknown> {
  const tif = typeof value === 'string' ? value.toUpperCase() : '';
  if (tif === 'PO' || tif === 'GTX' || tif === 'POSTONLY') return { postOnly: true };
  return tif === 'IOC' || tif === 'FOK' ? { timeInForce: tif } : {};
}
