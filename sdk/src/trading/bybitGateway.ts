import type { Exchange, Order, Trade as CcxtTrade } from 'ccxt';
import { ccxtErrorClasses } from '../core/ccxtModules.js';
import { ErrorCode } from '@perpscope/shared';
import { mapCcxtError } from '../core/ccxtErrors.js';
import { ExchangeRejectedError, OrderError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import { contractsToBase } from '../market/contractUnits.js';
import type { StoredOrder } from '../store/index.js';
import { CcxtGatewayBase, ccxtOrderView, DEFAULT_READ_RETRY, type AdoptedIntent, type OpenExchangeOrder, type ReadRetry } from './ccxtGatewayBase.js';
import type { ExchangeFill, ExchangeOrderView, OrderAmendment } from './gateway.js';

type Raw = Record<string, unknown>;
interface Page {
  result?: { list?: Raw[]; nextPageCursor?: string };
}

/** Raw v5 endpoints ccxt exposes: order lists, executions and cancel, each answering `{ result: { list, nextPageCursor } }`. */
interface BybitImplicit {
  privateGetV5OrderRealtime(params: Raw): Promise<Page>;
  privateGetV5OrderHistory(params: Raw): Promise<Page>;
  privateGetV5ExecutionList(params: Raw): Promise<Page>;
  privatePostV5OrderCancel(params: Raw): Promise<unknown>;
}

/** Rows per `order/realtime` page (Bybit's maximum) and per `execution/list` page (likewise). */
export const ORDER_PAGE_LIMIT = 50;
export const EXECUTION_PAGE_LIMIT = 100;
/** The widest span `execution/list` takes between startTime and endTime. */
export const EXECUTION_MAX_WINDOW_MS = 7 * 24 * 60 * 60 * 1_000;
/** Pages read before a walk gives up (a bound, far above any real backlog). */
const MAX_PAGES = 1_000;
/** Bybit's code for an `orderLinkId` already used by an order of the account. */
const DUPLICATE_LINK_ID = '110072';
/** Bybit's code for a set-leverage asking for the leverage the symbol already carries. */
const LEVERAGE_NOT_MODIFIED = '110043';

/**
 * The OrderGateway over ccxt's real `bybit` class (v5, `category=linear`, unified account).
 * Quantities are base coin on Bybit's linear contracts (contract size 1).
 *
 * - Plain orders go to `/v5/order/create` with the client id as `orderLinkId`; IOC, FOK and
 *   post-only come from the order's `params.timeInForce`; reduce-only closes send `reduceOnly`.
 * - Stops and take-profits are conditional orders on the same endpoint: ccxt sends
 *   `stopLossPrice`/`takeProfitPrice` as a reduce-only Market order with `triggerPrice` and the
 *   `triggerDirection` their side implies, here watching the mark (`triggerBy=MarkPrice`). A
 *   conditional order keeps its order id once triggered, so its fills carry that id.
 * - Orders are found by `orderLinkId` in `order/realtime`, then in `order/history`.
 * - Orders are amended in place by `orderLinkId` (`/v5/order/amend`): a limit order's qty and
 *   price, a conditional order's qty and trigger price (still watching the mark). Only what
 *   changes is sent; Bybit answers ids only, so the view returned is read back.
 * - Bybit refuses an `orderLinkId` the account has used before (110072), which ccxt files under
 *   InvalidOrder; it is filed as DuplicateOrderId here, so the ledger adopts the existing order
 *   instead of rejecting its own.
 * - Bybit refuses to set the leverage a symbol already carries (110043); this instance's
 *   setLeverage takes that answer as done, since the symbol carries what was asked.
 */
export class BybitGateway extends CcxtGatewayBase {
  constructor(ex: Exchange, exchangeId: string, clock: Clock, retry: ReadRetry = DEFAULT_READ_RETRY, resync?: () => Promise<void>) {
    super(ex, exchangeId, clock, retry, resync);
    fileDuplicateLinkIds(ex);
    acceptUnchangedLeverage(ex);
  }

  private get raw(): BybitImplicit {
    return this.ex as unknown as BybitImplicit;
  }

  create(order: StoredOrder): Promise<{ exchangeOrderId: string | null }> {
    return this.createUnified(order, { triggerBy: 'MarkPrice' });
  }

  async lookup(order: StoredOrder): Promise<ExchangeOrderView | null> {
    const found = await this.read({ exchange: this.exchangeId, operation: 'lookupOrder', symbol: order.symbol }, () => this.findOrder(order.symbol, { orderLinkId: order.clientOrderId }));
    return found ? orderView(this.contractSize(order.symbol), found) : null;
  }

  /** Cancels by `orderLinkId` (plain and conditional orders alike); a finished order is refused with 110001. */
  async cancel(order: StoredOrder): Promise<void> {
    const ctx = { exchange: this.exchangeId, operation: 'cancelOrder', symbol: order.symbol };
    try {
      const market = this.ex.market(order.symbol);
      await this.signed(() => this.raw.privatePostV5OrderCancel({ category: 'linear', symbol: market.id, orderLinkId: order.clientOrderId }));
    } catch (err) {
      throw mapCcxtError(err, ctx);
    }
  }

  async amend(order: StoredOrder, change: OrderAmendment): Promise<ExchangeOrderView> {
    const trigger = this.isTrigger(order);
    if ((trigger && change.price !== undefined) || (!trigger && change.stopPrice !== undefined) || order.type === 'market') {
      throw new ExchangeRejectedError(ErrorCode.NotSupported, `Bybit cannot amend ${trigger ? 'the limit price of a market conditional' : order.type === 'market' ? 'a market' : 'the trigger of a plain'} order (${order.clientOrderId})`, {
        details: { exchange: this.exchangeId, clientOrderId: order.clientOrderId, type: order.type },
      });
    }
    const params = { orderLinkId: order.clientOrderId, ...(change.stopPrice !== undefined ? { triggerPrice: change.stopPrice, triggerBy: 'MarkPrice' } : {}) };
    await this.editUnified(order, change, params, { sendAmount: false, sendPrice: false });
    const view = await this.lookup(order);
    if (!view) throw new OrderError(ErrorCode.OrderNotFound, `Bybit accepted the amend of ${order.clientOrderId} but no longer lists the order`, { details: { exchange: this.exchangeId, clientOrderId: order.clientOrderId } });
    return view;
  }

  async fills(order: StoredOrder): Promise<ExchangeFill[]> {
    let orderId = order.exchangeOrderId;
    if (!orderId) {
      const found = await this.read({ exchange: this.exchangeId, operation: 'lookupOrder', symbol: order.symbol }, () => this.findOrder(order.symbol, { orderLinkId: order.clientOrderId }));
      orderId = found?.id ? String(found.id) : null;
    }
    if (!orderId) return [];
    const id = orderId;
    const market = this.ex.market(order.symbol);
    const rows = await this.pages('fetchMyTrades', order.symbol, (cursor) => this.raw.privateGetV5ExecutionList({ category: 'linear', symbol: market.id, orderId: id, limit: EXECUTION_PAGE_LIMIT, ...cursor }));
    return this.ex
      .parseTrades(rows, market)
      .filter((t) => String(t.order ?? '') === id)
      .map((t) => this.toFill(t));
  }

  /**
   * The account's linear fills since `sinceMs` (the last 7 days when absent, Bybit's default
   * window), oldest first: windows of at most 7 days up to the exchange's now, each read page by page.
   */
  async recentFills(sinceMs: number | undefined, symbol?: string): Promise<ExchangeFill[]> {
    const filter: Raw = symbol ? { symbol: this.ex.market(symbol).id } : {};
    const rows: Raw[] = [];
    if (sinceMs === undefined) {
      rows.push(...(await this.pages('fetchMyTrades', symbol, (cursor) => this.raw.privateGetV5ExecutionList({ category: 'linear', ...filter, limit: EXECUTION_PAGE_LIMIT, ...cursor }))));
    } else {
      // The exchange's now (ccxt's clock, corrected by the measured skew), plus a minute for a skew left uncorrected.
      const endMs = this.ex.milliseconds() + 60_000;
      for (let startMs = sinceMs, n = 0; startMs <= endMs && n < MAX_PAGES; startMs += EXECUTION_MAX_WINDOW_MS, n++) {
        const window = { startTime: startMs, endTime: Math.min(startMs + EXECUTION_MAX_WINDOW_MS - 1, endMs) };
        rows.push(...(await this.pages('fetchMyTrades', symbol, (cursor) => this.raw.privateGetV5ExecutionList({ category: 'linear', ...filter, ...window, limit: EXECUTION_PAGE_LIMIT, ...cursor }))));
      }
    }
    const trades: CcxtTrade[] = this.ex.parseTrades(rows);
    return trades
      .filter((t) => sinceMs === undefined || (t.timestamp ?? 0) >= sinceMs)
      .map((t) => this.toFill(t))
      .sort((a, b) => a.atMs - b.atMs);
  }

  async orderByExchangeId(symbol: string, orderId: string): Promise<Order | null> {
    return this.read({ exchange: this.exchangeId, operation: 'lookupOrder', symbol }, () => this.findOrder(symbol, { orderId }));
  }

  /** Open orders and untriggered conditional orders of every linear settle coin, every page. */
  async openOrders(): Promise<OpenExchangeOrder[]> {
    const settles = [...new Set(Object.values(this.ex.markets ?? {}).filter((m) => m?.linear && m.settle).map((m) => m!.settleId ?? m!.settle))].sort();
    const out: OpenExchangeOrder[] = [];
    for (const settleCoin of settles) {
      const rows = await this.pages('fetchOpenOrders', undefined, (cursor) => this.raw.privateGetV5OrderRealtime({ category: 'linear', settleCoin, limit: ORDER_PAGE_LIMIT, ...cursor }));
      for (const rec of rows) {
        const linkId = typeof rec.orderLinkId === 'string' && rec.orderLinkId !== '' ? rec.orderLinkId : undefined;
        const conditional = typeof rec.stopOrderType === 'string' && rec.stopOrderType !== '' && Number(rec.triggerPrice) > 0;
        out.push({ clientOrderId: linkId, intent: conditional ? this.conditionalIntent(rec) : this.intentOf(this.ex.parseOrder(rec)) });
      }
    }
    return out;
  }

  /** The order matching `by` (`orderLinkId` or `orderId`): the realtime list first, then history; null when neither has it. */
  private async findOrder(symbol: string, by: { orderLinkId?: string; orderId?: string }): Promise<Order | null> {
    const market = this.ex.market(symbol);
    const request = { category: 'linear', symbol: market.id, ...by };
    for (const list of [(r: Raw) => this.raw.privateGetV5OrderRealtime(r), (r: Raw) => this.raw.privateGetV5OrderHistory(r)]) {
      const page = await list(request);
      const rec = page.result?.list?.[0];
      if (rec) return this.ex.parseOrder(rec, market);
    }
    return null;
  }

  /** Every row of a cursor-paged list, in the exchange's order. */
  private async pages(operation: string, symbol: string | undefined, get: (cursor: Raw) => Promise<Page>): Promise<Raw[]> {
    const rows: Raw[] = [];
    let cursor: string | undefined;
    for (let n = 0; n < MAX_PAGES; n++) {
      const page = await this.read({ exchange: this.exchangeId, operation, ...(symbol ? { symbol } : {}) }, () => get(cursor ? { cursor } : {}));
      rows.push(...(page.result?.list ?? []));
      cursor = page.result?.nextPageCursor || undefined;
      if (!cursor) break;
    }
    return rows;
  }

  /**
   * A conditional order in the ledger's terms: a sell that fires on a fall (triggerDirection 2)
   * is a stop, on a rise a take-profit (mirrored for buys).
   */
  private conditionalIntent(rec: Raw): AdoptedIntent | null {
    const symbol = this.ex.safeSymbol(String(rec.symbol ?? ''), undefined, undefined, 'swap');
    const qty = Number(rec.qty);
    if (!symbol || !this.ex.markets?.[symbol] || !(qty > 0)) return null;
    const side = rec.side === 'Sell' ? 'sell' : 'buy';
    const fallsTo = String(rec.triggerDirection) === '2';
    return {
      symbol,
      side,
      type: fallsTo === (side === 'sell') ? 'stop_market' : 'take_profit_market',
      amountBase: contractsToBase(this.contractSize(symbol), qty),
      price: null,
      triggerPrice: Number(rec.triggerPrice),
      reduceOnly: rec.reduceOnly === true || rec.reduceOnly === 'true',
    };
  }
}

/**
 * Bybit's raw order status in the ledger's terms. Untriggered, Triggered, New, PartiallyFilled
 * (and Created, Active) are working; Filled is filled; Cancelled, Deactivated and
 * PartiallyFilledCanceled are cancelled (with whatever filled); Rejected is rejected. A status
 * this code does not know is taken as open, never as final: a later read settles it.
 */
export function bybitOrderStatus(raw: unknown): ExchangeOrderView['status'] {
  switch (raw) {
    case 'Filled':
      return 'filled';
    case 'Cancelled':
    case 'Deactivated':
    case 'PartiallyFilledCanceled':
      return 'canceled';
    case 'Rejected':
      return 'rejected';
    default:
      return 'open';
  }
}

function orderView(contractSize: number, o: Order): ExchangeOrderView {
  return ccxtOrderView(contractSize, o, bybitOrderStatus((o.info as Raw | undefined)?.orderStatus));
}

/** Files Bybit's 110072 (orderLinkId already used) as ccxt's DuplicateOrderId on this instance. */
function fileDuplicateLinkIds(ex: Exchange): void {
  const exact = (ex.exceptions as { exact?: Record<string, unknown> }).exact;
  if (exact) exact[DUPLICATE_LINK_ID] = ccxtErrorClasses.DuplicateOrderId;
}

/**
 * Makes this instance's setLeverage answer a 110043 ("Set leverage not modified") as done: the
 * symbol already carries the leverage asked for, which is what the caller wanted.
 */
function acceptUnchangedLeverage(ex: Exchange): void {
  const original = ex.setLeverage.bind(ex);
  ex.setLeverage = async (leverage: number, symbol?: string, params: Raw = {}) => {
    try {
      return await original(leverage, symbol, params);
    } catch (err) {
      if (err instanceof ccxtErrorClasses.BadRequest && err.message.includes(`"retCode":${LEVERAGE_NOT_MODIFIED}`)) return { retCode: 0, retMsg: 'leverage not modified' };
      throw err;
    }
  };
}
