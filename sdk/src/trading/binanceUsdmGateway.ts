import type { Exchange, Order, Trade as CcxtTrade } from 'ccxt';
import { ccxtErrorClasses } from '../core/ccxtModules.js';
import { ErrorCode } from '@perpscope/shared';
import { mapCcxtError } from '../core/ccxtErrors.js';
import { ExchangeRejectedError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import { contractsToBase } from '../market/contractUnits.js';
import type { StoredOrder } from '../store/index.js';
import { CcxtGatewayBase, ccxtOrderView, DEFAULT_READ_RETRY, orderViewStatus, type AdoptedIntent, type OpenExchangeOrder, type ReadRetry } from './ccxtGatewayBase.js';
import type { ExchangeFill, ExchangeOrderView, OrderAmendment } from './gateway.js';

type Raw = Record<string, unknown>;

/** Raw USD-M endpoints ccxt exposes: open orders of every symbol and one page of user trades. */
interface BinanceImplicit {
  fapiPrivateGetOpenOrders(params: Raw): Promise<Raw[]>;
  fapiPrivateGetOpenAlgoOrders(params: Raw): Promise<Raw[]>;
  fapiPrivateGetUserTrades(params: Raw): Promise<Raw[]>;
}

/** Rows per `userTrades` page asked for (Binance's maximum; its default is 500). */
export const USER_TRADES_PAGE_LIMIT = 1_000;
/** The widest span `userTrades` takes between startTime and endTime (a startTime alone is capped to it too). */
export const USER_TRADES_MAX_WINDOW_MS = 7 * 24 * 60 * 60 * 1_000;
/** Pages read before a history walk gives up (a bound, far above any real backlog). */
const MAX_HISTORY_PAGES = 1_000;
/** Binance's error code for a `newClientOrderId` / `clientAlgoId` already used by an open order. */
const DUPLICATE_CLIENT_ID = '-4116';

/**
 * The OrderGateway over ccxt's real `binanceusdm` class. Quantities are base units on Binance
 * (contract size 1), so the ledger's amounts go out as they are, on the market's step.
 *
 * - Plain orders go to `/fapi/v1/order` with the client id as `newClientOrderId`; IOC, FOK and
 *   post-only (GTX) come from the order's `params.timeInForce`.
 * - Stops and take-profits are conditional (algo) orders: ccxt sends `stopLossPrice` /
 *   `takeProfitPrice` as STOP_MARKET / TAKE_PROFIT_MARKET to `/fapi/v1/algoOrder` with the client
 *   id as `clientAlgoId`, reduce-only, triggering on the mark price (`workingType=MARK_PRICE`).
 *   Once triggered, the market order it sent
 *   (`actualOrderId`) carries the fills.
 * - Orders are found by client id (`origClientOrderId`, or `clientAlgoId` with `trigger`).
 * - Binance refuses a client id only while an order with it is open (-4116), which ccxt files
 *   under InvalidOrder; it is filed as DuplicateOrderId here, so the ledger adopts the existing
 *   order instead of rejecting its own. A client id reused after its order closed is accepted by
 *   Binance: the ledger never sends an id twice without a lookup first.
 * - A LIMIT order is amended in place (`PUT /fapi/v1/order`, price and quantity both sent, both
 *   ids kept); Binance modifies nothing else, so a conditional order is refused as NotSupported
 *   and the ledger cancels and replaces it.
 * - `userTrades` needs a symbol: the account's fills are read per symbol this gateway placed,
 *   looked up or saw open (orders or positions).
 */
export class BinanceUsdmGateway extends CcxtGatewayBase {
  /** Symbols whose fills reconciliation reads (Binance lists trades per symbol only). */
  private readonly symbols = new Set<string>();

  constructor(ex: Exchange, exchangeId: string, clock: Clock, retry: ReadRetry = DEFAULT_READ_RETRY, resync?: () => Promise<void>) {
    super(ex, exchangeId, clock, retry, resync);
    fileDuplicateClientIds(ex);
  }

  private get raw(): BinanceImplicit {
    return this.ex as unknown as BinanceImplicit;
  }

  create(order: StoredOrder): Promise<{ exchangeOrderId: string | null }> {
    this.symbols.add(order.symbol);
    return this.createUnified(order, { workingType: 'MARK_PRICE' });
  }

  async lookup(order: StoredOrder): Promise<ExchangeOrderView | null> {
    this.symbols.add(order.symbol);
    const found = await this.orNull('lookupOrder', order.symbol, () => this.signed(() => this.byClientId(order)));
    if (!found) return null;
    return this.isTrigger(order) ? this.algoView(order.symbol, found) : orderView(this.contractSize(order.symbol), found);
  }

  async cancel(order: StoredOrder): Promise<void> {
    const ctx = { exchange: this.exchangeId, operation: 'cancelOrder', symbol: order.symbol };
    try {
      const params = { clientOrderId: order.clientOrderId, ...(this.isTrigger(order) ? { trigger: true } : {}) };
      await this.signed(() => this.ex.cancelOrder(this.isTrigger(order) ? '' : (order.exchangeOrderId ?? ''), order.symbol, params));
    } catch (err) {
      throw mapCcxtError(err, ctx);
    }
  }

  async amend(order: StoredOrder, change: OrderAmendment): Promise<ExchangeOrderView> {
    if (order.type !== 'limit' || change.stopPrice !== undefined) {
      throw new ExchangeRejectedError(ErrorCode.NotSupported, `Binance USD-M modifies LIMIT orders only (price and quantity): ${order.type} order ${order.clientOrderId} cannot be amended in place`, {
        details: { exchange: this.exchangeId, clientOrderId: order.clientOrderId, type: order.type },
      });
    }
    this.symbols.add(order.symbol);
    const edited = await this.editUnified(order, change, { origClientOrderId: order.clientOrderId }, { sendAmount: true, sendPrice: true });
    return orderView(this.contractSize(order.symbol), edited);
  }

  async fills(order: StoredOrder): Promise<ExchangeFill[]> {
    let orderId = order.exchangeOrderId;
    if (this.isTrigger(order)) {
      const algo = await this.read({ exchange: this.exchangeId, operation: 'lookupAlgoOrder', symbol: order.symbol }, () => this.orNull('lookupAlgoOrder', order.symbol, () => this.byClientId(order)));
      orderId = algo ? actualOrderId(algo) : null;
    }
    if (!orderId) return [];
    const id = orderId;
    const trades = await this.userTrades(order.symbol, { orderId: id });
    return trades.filter((t) => String(t.order ?? '') === id).map((t) => this.toFill(t));
  }

  async recentFills(sinceMs: number | undefined, symbol?: string): Promise<ExchangeFill[]> {
    const symbols = symbol ? [symbol] : await this.activeSymbols();
    const fills: ExchangeFill[] = [];
    for (const s of symbols) {
      const trades = await this.userTrades(s, sinceMs === undefined ? {} : { sinceMs });
      fills.push(...trades.filter((t) => sinceMs === undefined || (t.timestamp ?? 0) >= sinceMs).map((t) => this.toFill(t)));
    }
    return fills.sort((a, b) => a.atMs - b.atMs);
  }

  async orderByExchangeId(symbol: string, orderId: string): Promise<Order | null> {
    return this.read({ exchange: this.exchangeId, operation: 'lookupOrder', symbol }, () => this.orNull('lookupOrder', symbol, () => this.ex.fetchOrder(orderId, symbol)));
  }

  /**
   * Open orders and open conditional orders of every symbol (one request each: Binance returns
   * them all unpaged). ccxt's fetchOpenOrders refuses to run without a symbol, so the raw
   * endpoints are read and parsed with ccxt's parser.
   */
  async openOrders(): Promise<OpenExchangeOrder[]> {
    const ctx = { exchange: this.exchangeId, operation: 'fetchOpenOrders' };
    const plain = this.ex.parseOrders(await this.read(ctx, () => this.raw.fapiPrivateGetOpenOrders({})));
    const algos = await this.read({ ...ctx, operation: 'fetchOpenAlgoOrders' }, () => this.raw.fapiPrivateGetOpenAlgoOrders({}));
    const out: OpenExchangeOrder[] = plain.map((o) => ({ clientOrderId: o.clientOrderId, intent: this.intentOf(o) }));
    for (const rec of algos) out.push({ clientOrderId: typeof rec.clientAlgoId === 'string' ? rec.clientAlgoId : undefined, intent: this.algoIntent(rec) });
    for (const o of out) if (o.intent) this.symbols.add(o.intent.symbol);
    return out;
  }

  /** The order (or conditional order) carrying the ledger order's client id. */
  private byClientId(order: StoredOrder): Promise<Order> {
    return this.ex.fetchOrder('', order.symbol, { clientOrderId: order.clientOrderId, ...(this.isTrigger(order) ? { trigger: true } : {}) });
  }

  /**
   * A conditional order in the ledger's terms (see {@link algoStateStatus}); once TRIGGERED or
   * FINISHED, the market order it sent decides (filled, still working, or cancelled with what it
   * filled).
   */
  private async algoView(symbol: string, algo: Order): Promise<ExchangeOrderView> {
    const info = (algo.info ?? {}) as Raw;
    const state = String(info.algoStatus ?? '');
    const exchangeOrderId = info.algoId !== undefined && info.algoId !== null ? String(info.algoId) : algo.id ? String(algo.id) : null;
    if (state === 'TRIGGERED' || state === 'FINISHED') {
      const actual = actualOrderId(algo);
      const sent = actual ? await this.orderByExchangeId(symbol, actual) : null;
      if (!sent) return { exchangeOrderId, status: state === 'TRIGGERED' ? 'open' : 'canceled', filledBase: 0, avgFillPrice: null };
      return { ...orderView(this.contractSize(symbol), sent), exchangeOrderId };
    }
    return { exchangeOrderId, status: algoStateStatus(state), filledBase: 0, avgFillPrice: null };
  }

  private algoIntent(rec: Raw): AdoptedIntent | null {
    const symbol = this.ex.safeSymbol(String(rec.symbol ?? ''), undefined, undefined, 'swap');
    const qty = Number(rec.quantity);
    if (!symbol || !this.ex.markets?.[symbol] || !(qty > 0)) return null;
    const type = String(rec.orderType ?? '');
    return {
      symbol,
      side: rec.side === 'SELL' ? 'sell' : 'buy',
      type: type.startsWith('TAKE_PROFIT') ? 'take_profit_market' : 'stop_market',
      amountBase: contractsToBase(this.contractSize(symbol), qty),
      price: null,
      triggerPrice: Number(rec.triggerPrice),
      reduceOnly: true,
    };
  }

  /** Symbols whose fills matter: every one this gateway has touched, and every open position's. */
  private async activeSymbols(): Promise<string[]> {
    const positions = await this.read({ exchange: this.exchangeId, operation: 'fetchPositions' }, () => this.ex.fetchPositions());
    for (const p of positions) if (p.symbol && p.contracts) this.symbols.add(p.symbol);
    return [...this.symbols].sort();
  }

  /**
   * The account's trades on `symbol`, every page, oldest first. One order's trades are one page
   * (Binance takes `orderId` with nothing but the symbol; 1,000 fills of one order is far past our
   * sizes). Otherwise the walk goes by `fromId` (which Binance refuses together with a time, and
   * which no time window limits): from the first trade when there is no start, else from the
   * first trade at or after `sinceMs`, found by asking [sinceMs, now] in windows of at most 7 days
   * with an explicit endTime (Binance refuses a wider span and caps a startTime alone to 7 days),
   * stepping over empty weeks until one holds a trade.
   */
  private async userTrades(symbol: string, filter: { orderId?: string; sinceMs?: number }): Promise<CcxtTrade[]> {
    const market = this.ex.market(symbol);
    const base: Raw = { symbol: market.id, limit: USER_TRADES_PAGE_LIMIT };
    const ctx = { exchange: this.exchangeId, operation: 'fetchMyTrades', symbol };
    const get = (params: Raw) => this.read(ctx, () => this.raw.fapiPrivateGetUserTrades(params));
    if (filter.orderId) return this.ex.parseTrades(await get({ ...base, orderId: filter.orderId }), market);
    let page = filter.sinceMs === undefined ? await get({ ...base, fromId: 1 }) : await this.firstTradesSince(filter.sinceMs, base, get);
    const rows: Raw[] = [...page];
    // A short page from a time window is not the end (later trades lie past the window's end); a short page by id is.
    let more = page.length > 0 && (filter.sinceMs !== undefined || page.length >= USER_TRADES_PAGE_LIMIT);
    for (let pageNo = 0; more && pageNo < MAX_HISTORY_PAGES; pageNo++) {
      const lastId = Number(page[page.length - 1]?.id);
      if (!Number.isFinite(lastId)) break;
      page = await get({ ...base, fromId: lastId + 1 });
      rows.push(...page);
      more = page.length >= USER_TRADES_PAGE_LIMIT;
    }
    return this.ex.parseTrades(rows, market);
  }

  /**
   * The first page of trades at or after `sinceMs`: the first 7-day window from there up to the
   * exchange's now that holds any (empty when none does).
   */
  private async firstTradesSince(sinceMs: number, base: Raw, get: (params: Raw) => Promise<Raw[]>): Promise<Raw[]> {
    // The exchange's now (ccxt's clock, corrected by the measured skew): fills are stamped on it.
    const nowMs = this.ex.milliseconds();
    for (let startMs = sinceMs, n = 0; startMs <= nowMs && n < MAX_HISTORY_PAGES; startMs += USER_TRADES_MAX_WINDOW_MS, n++) {
      // A minute past that now at most: a fill stamped inside a skew the deadband left uncorrected is not missed.
      const endMs = Math.min(startMs + USER_TRADES_MAX_WINDOW_MS - 1, nowMs + 60_000);
      const page = await get({ ...base, startTime: startMs, endTime: endMs });
      if (page.length > 0) return page;
    }
    return [];
  }
}

/**
 * A conditional order's own state in the ledger's terms: NEW rests and TRIGGERING (fired, its
 * order on the way to matching) is still working; CANCELED and EXPIRED (cancelled by the system)
 * are cancelled; REJECTED is rejected. A state this code does not know is taken as open, never as
 * final: a later read settles it, while a wrong final state would drop a live stop from the ledger.
 * TRIGGERED and FINISHED are decided by the order the conditional order sent (see `algoView`).
 */
export function algoStateStatus(state: string): ExchangeOrderView['status'] {
  switch (state) {
    case 'CANCELED':
    case 'EXPIRED':
      return 'canceled';
    case 'REJECTED':
      return 'rejected';
    default:
      return 'open';
  }
}

/** An order's view from ccxt's parse; Binance's raw status (`info.status`) goes through the one mapping. */
function orderView(contractSize: number, o: Order): ExchangeOrderView {
  return ccxtOrderView(contractSize, o, orderViewStatus((o.info as Raw | undefined)?.status, o.status));
}

/** The id of the market order a triggered conditional order sent; null before it fired. */
function actualOrderId(algo: Order): string | null {
  const raw = (algo.info as Raw | undefined)?.actualOrderId;
  return raw === undefined || raw === null || raw === '' ? null : String(raw);
}

/**
 * Files Binance's -4116 (client id in use by an open order) as ccxt's DuplicateOrderId on this
 * instance, in the USD-M table ccxt reads for `fapi` hosts and in the shared one (a loopback sim
 * URL matches no host): ccxt files it under InvalidOrder, which would reject the ledger's own
 * order instead of adopting it.
 */
function fileDuplicateClientIds(ex: Exchange): void {
  const tables = ex.exceptions as { exact?: Record<string, unknown>; linear?: { exact?: Record<string, unknown> } };
  for (const exact of [tables.exact, tables.linear?.exact]) if (exact) exact[DUPLICATE_CLIENT_ID] = ccxtErrorClasses.DuplicateOrderId;
}
