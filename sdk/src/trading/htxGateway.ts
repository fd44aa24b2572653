import { createHash } from 'node:crypto';
import type { Exchange, Order, Trade as CcxtTrade } from 'ccxt';
import { ccxtErrorClasses } from '../core/ccxtModules.js';
import { mapCcxtError } from '../core/ccxtErrors.js';
import type { Clock } from '../core/clock.js';
import { contractsToBase } from '../market/contractUnits.js';
import type { StoredOrder } from '../store/index.js';
import { CcxtGatewayBase, ccxtOrderView, DEFAULT_READ_RETRY, unifiedTimeInForce, type AdoptedIntent, type OpenExchangeOrder, type ReadRetry } from './ccxtGatewayBase.js';
import type { ExchangeFill, ExchangeOrderView } from './gateway.js';

type Raw = Record<string, unknown>;

/** Raw v5 endpoint ccxt exposes for the account's fills (ccxt's fetchMyTrades needs a symbol). */
interface HtxImplicit {
  contractPrivateGetV5TradeOrderDetails(params: Raw): Promise<{ data?: Raw[] }>;
}

/** Fills per `order/details` page (HTX's maximum `limit`). */
export const FILLS_PAGE_LIMIT = 500;
/** Pages read before a walk gives up (a bound, far above any real backlog). */
const MAX_PAGES = 1_000;

/**
 * HTX's v5 codes ccxt's own table leaves unmapped (its handler throws only for codes it knows, so
 * an unmapped refusal would pass as an order without an id), filed here on the instance.
 */
const HTX_CODES: Readonly<Record<string, unknown>> = {
  '1030': ccxtErrorClasses.BadRequest,
  '1032': ccxtErrorClasses.RateLimitExceeded,
  '1037': ccxtErrorClasses.BadRequest,
  '1050': ccxtErrorClasses.DuplicateOrderId,
};

/**
 * HTX's `client_order_id` for one of our client order ids: HTX takes a positive integer only, and
 * ccxt reads it as a JS number, so the id is the first 52 bits of sha256(our id), plus one. It is
 * deterministic (a restart finds the same order again) but one-way: an exchange order cannot name
 * the client id it was placed under. The gateway maps the ids of the orders it has placed or looked
 * up back to ours (see `HtxGateway.openOrders`); orphans, which the ledger never held, are not
 * adopted on HTX (they are reported as foreign orders and left alone).
 */
export function htxClientOrderId(clientOrderId: string): number {
  return Number.parseInt(createHash('sha256').update(clientOrderId).digest('hex').slice(0, 13), 16) + 1;
}

/**
 * The OrderGateway over ccxt's real `htx` class (USDT-margined swaps, the v5 trade API, cross
 * margin). Sizes are HTX contracts (`contractSize` base each, whole contracts only).
 *
 * - Plain orders go to `/v5/trade/order` with {@link htxClientOrderId} as `client_order_id`; IOC,
 *   FOK and post-only come from the order's `params.timeInForce`; reduce-only closes send
 *   `reduce_only`.
 * - Stops and take-profits are algo orders (`/v5/algo/order`, type sl or tp) on the mark
 *   (`*_trigger_price_type: mark`), keyed by `algo_client_order_id`. Once triggered, an algo order
 *   names the order it sent (`order_id`), whose fills are the stop's.
 * - Orders are found by client id: plain orders in `/v5/trade/order`, stops and take-profits in
 *   `/v5/algo/order`.
 */
export class HtxGateway extends CcxtGatewayBase {
  /**
   * HTX client id (decimal) -> our client id, for every order this gateway placed, looked up or
   * cancelled. The reconciler looks up each open ledger order before it reads the open orders, so
   * after a restart the ledger's own orders are named again; one short entry per order.
   */
  private readonly ours = new Map<string, string>();

  constructor(ex: Exchange, exchangeId: string, clock: Clock, retry: ReadRetry = DEFAULT_READ_RETRY, resync?: () => Promise<void>) {
    super(ex, exchangeId, clock, retry, resync);
    const exact = (ex.exceptions as { exact?: Record<string, unknown> }).exact;
    if (exact) for (const [code, ctor] of Object.entries(HTX_CODES)) exact[code] ??= ctor;
    // create() reads a refusal's code from the last answer when ccxt returned an order without an id.
    (ex as unknown as { enableLastJsonResponse: boolean }).enableLastJsonResponse = true;
  }

  private get raw(): HtxImplicit {
    return this.ex as unknown as HtxImplicit;
  }

  async create(order: StoredOrder): Promise<{ exchangeOrderId: string | null }> {
    const ctx = { exchange: this.exchangeId, operation: 'createOrder', symbol: order.symbol };
    const clientOrderId = this.remember(order);
    try {
      const amount = this.orderContracts(order.symbol, order.amountBase);
      let placed: Order;
      if (this.isTrigger(order)) {
        const leg = order.type === 'stop_market' ? 'sl' : 'tp';
        const key = leg === 'sl' ? 'stopLossPrice' : 'takeProfitPrice';
        placed = await this.signed(() => this.ex.createOrder(order.symbol, 'market', order.side, amount, undefined, { [key]: order.triggerPrice, clientOrderId, [`${leg}_trigger_price_type`]: 'mark' }));
      } else {
        placed = await this.signed(() =>
          this.ex.createOrder(order.symbol, order.type, order.side, amount, order.price ?? undefined, {
            clientOrderId,
            ...(order.reduceOnly ? { reduceOnly: true } : {}),
            ...(order.type === 'limit' ? unifiedTimeInForce(order.params.timeInForce) : {}),
          }),
        );
      }
      if (!placed.id) throw this.refusal(placed);
      return { exchangeOrderId: String(placed.id) };
    } catch (err) {
      throw mapCcxtError(err, ctx);
    }
  }

  /**
   * The ccxt error for an answer that placed nothing. ccxt's htx throws only for codes in its own
   * table (and ours, see HTX_CODES); for any other v5 code createOrder returns an order without an
   * id, which the ledger would otherwise take as acknowledged. The code and message come from the
   * order's `info` or, when ccxt parsed nothing into it, from the envelope it just read; a code the
   * table knows gets its class, any other is an ExchangeError (a refusal, never a placed order).
   */
  private refusal(placed: Order): Error {
    const info = (placed.info ?? {}) as Raw;
    const last = (this.ex as unknown as { last_json_response?: unknown }).last_json_response;
    const envelope = last && typeof last === 'object' && !Array.isArray(last) ? (last as Raw) : {};
    const source = info.code !== undefined || info.message !== undefined ? info : envelope;
    const code = source.code ?? source.err_code;
    const message = source.message ?? source.err_msg;
    const feedback = `${this.ex.id} ${JSON.stringify({ code: code ?? null, message: message ?? 'the answer names no order id' })}`;
    const exact = (this.ex.exceptions as { exact?: Record<string, unknown> }).exact ?? {};
    const known = code !== undefined && code !== null && String(code) !== '200' ? exact[String(code)] : undefined;
    const Ctor = (typeof known === 'function' ? known : ccxtErrorClasses.ExchangeError) as new (message: string) => Error;
    return new Ctor(feedback);
  }

  async lookup(order: StoredOrder): Promise<ExchangeOrderView | null> {
    const found = await this.read({ exchange: this.exchangeId, operation: 'lookupOrder', symbol: order.symbol }, () => this.find(order));
    if (!found) return null;
    if (!this.isTrigger(order)) return orderView(this.contractSize(order.symbol), found);
    return this.triggerView(order.symbol, found);
  }

  async cancel(order: StoredOrder): Promise<void> {
    const ctx = { exchange: this.exchangeId, operation: 'cancelOrder', symbol: order.symbol };
    const clientOrderId = this.remember(order);
    try {
      await this.signed(() => this.ex.cancelOrder(undefined as unknown as string, order.symbol, { clientOrderId, ...(this.isTrigger(order) ? { stopLossTakeProfit: true } : {}) }));
    } catch (err) {
      throw mapCcxtError(err, ctx);
    }
  }

  async fills(order: StoredOrder): Promise<ExchangeFill[]> {
    let orderId = this.isTrigger(order) ? null : order.exchangeOrderId;
    if (!orderId) {
      const found = await this.read({ exchange: this.exchangeId, operation: 'lookupOrder', symbol: order.symbol }, () => this.find(order));
      orderId = found ? (this.isTrigger(order) ? firedOrderId(found) : found.id ? String(found.id) : null) : null;
    }
    if (!orderId) return [];
    const id = orderId;
    const market = this.ex.market(order.symbol);
    const rows = await this.pages(order.symbol, { contract_code: market.id, order_id: id });
    return this.ex
      .parseTrades(rows, market)
      .filter((t) => String(t.order ?? '') === id)
      .map((t) => this.toFill(t));
  }

  /** The account's fills since `sinceMs` (every one the venue keeps when absent), oldest first. */
  async recentFills(sinceMs: number | undefined, symbol?: string): Promise<ExchangeFill[]> {
    const filter: Raw = { ...(symbol ? { contract_code: this.ex.market(symbol).id } : {}), ...(sinceMs !== undefined ? { start_time: sinceMs } : {}) };
    const rows = await this.pages(symbol, filter);
    const trades: CcxtTrade[] = this.ex.parseTrades(rows);
    return trades
      .filter((t) => sinceMs === undefined || (t.timestamp ?? 0) >= sinceMs)
      .map((t) => this.toFill(t))
      .sort((a, b) => a.atMs - b.atMs);
  }

  async orderByExchangeId(symbol: string, orderId: string): Promise<Order | null> {
    return this.read({ exchange: this.exchangeId, operation: 'lookupOrder', symbol }, () => this.orNull('lookupOrder', symbol, () => this.ex.fetchOrder(orderId, symbol)));
  }

  /**
   * Open orders and untriggered stops and take-profits. HTX's integer client ids cannot name ours
   * (see {@link htxClientOrderId}): a row carries our client id when this gateway placed or looked
   * up its order (the ledger's own, which the reconciler then leaves to its lookups), else HTX's
   * integer id (or none), which the reconciler reports as a foreign order and never adopts.
   */
  async openOrders(): Promise<OpenExchangeOrder[]> {
    const read = <T>(fn: () => Promise<T>): Promise<T> => this.read({ exchange: this.exchangeId, operation: 'fetchOpenOrders' }, fn);
    const plain = await read(() => this.ex.fetchOpenOrders(undefined, undefined, 500));
    const algos = await read(() => this.ex.fetchOpenOrders(undefined, undefined, 500, { stopLossTakeProfit: true }));
    return [...plain.map((o) => ({ clientOrderId: this.clientOrderIdOf(o), intent: this.intentOf(o) })), ...algos.map((o) => ({ clientOrderId: this.clientOrderIdOf(o), intent: this.protectionIntent(o) }))];
  }

  /** `order`'s HTX client id, noted so that an open-orders row under it names the order again. */
  private remember(order: StoredOrder): number {
    const id = htxClientOrderId(order.clientOrderId);
    this.ours.set(String(id), order.clientOrderId);
    return id;
  }

  /** Our client id for an order row (REST or stream) this gateway knows; else HTX's own client id, if any. */
  override clientOrderIdOf(o: Order): string | undefined {
    const info = (o.info ?? {}) as Raw;
    const raw = o.clientOrderId ?? info.client_order_id ?? info.algo_client_order_id;
    if (raw === undefined || raw === null || raw === '') return undefined;
    const htx = String(raw);
    return this.ours.get(htx) ?? htx;
  }

  /** The order (plain, or stop/take-profit) placed under `order`'s client id; null when HTX has none. */
  private async find(order: StoredOrder): Promise<Order | null> {
    const clientOrderId = this.remember(order);
    const params = this.isTrigger(order) ? { clientOrderId, [order.type === 'stop_market' ? 'stopLoss' : 'takeProfit']: true } : { clientOrderId };
    return this.orNull('lookupOrder', order.symbol, () => this.ex.fetchOrder(undefined as unknown as string, order.symbol, params));
  }

  /**
   * A stop or take-profit in the ledger's terms: open while active, cancelled or rejected as
   * such, and once triggered the state and fills of the order it sent.
   */
  private async triggerView(symbol: string, algo: Order): Promise<ExchangeOrderView> {
    const info = algo.info as Raw;
    const state = String(info.state ?? '');
    const base = { exchangeOrderId: algo.id ? String(algo.id) : null, filledBase: 0, avgFillPrice: null };
    if (state === 'active') return { ...base, status: 'open' };
    if (state === 'canceled') return { ...base, status: 'canceled' };
    if (state === 'rejected') return { ...base, status: 'rejected' };
    const sent = firedOrderId(algo);
    if (!sent) return { ...base, status: 'open' };
    const fired = await this.orNull('lookupOrder', symbol, () => this.ex.fetchOrder(sent, symbol));
    if (!fired) return { ...base, status: 'open' };
    return { ...orderView(this.contractSize(symbol), fired), exchangeOrderId: base.exchangeOrderId };
  }

  /** An algo take-profit or stop-loss as an intent: a stop when it carries a stop-loss trigger. */
  private protectionIntent(o: Order): AdoptedIntent | null {
    if (!o.symbol || !o.amount) return null;
    const stop = o.stopLossPrice !== undefined && o.stopLossPrice !== null;
    return {
      symbol: o.symbol,
      side: o.side === 'sell' ? 'sell' : 'buy',
      type: stop ? 'stop_market' : 'take_profit_market',
      amountBase: contractsToBase(this.contractSize(o.symbol), o.amount),
      price: null,
      triggerPrice: Number(stop ? o.stopLossPrice : o.takeProfitPrice),
      reduceOnly: true,
    };
  }

  /** Every fill the filter names, newest first, page by page (see {@link walkFillPages}). */
  private async pages(symbol: string | undefined, filter: Raw): Promise<Raw[]> {
    return walkFillPages((endMs) =>
      this.read({ exchange: this.exchangeId, operation: 'fetchMyTrades', ...(symbol ? { symbol } : {}) }, async () => {
        const page = await this.raw.contractPrivateGetV5TradeOrderDetails({ ...filter, limit: FILLS_PAGE_LIMIT, ...(endMs !== undefined ? { end_time: endMs } : {}) });
        return page.data ?? [];
      }),
    );
  }
}

/**
 * Walks HTX's `order/details` pages, newest first: each page ends (inclusive) at the oldest time
 * of the one before, and rows seen already are dropped by id. A full page that ends where the last
 * one did (every row at one `created_time`) would be asked for again as it is, so the walk steps
 * the end back by 1 ms: HTX pages by time alone, so fills beyond a page's worth at one
 * millisecond cannot be reached at all. Stops at a short page, at `maxPages`, or at a second full
 * page in a row with nothing new (a venue that ignores `end_time`).
 */
export async function walkFillPages(fetchPage: (endMs: number | undefined) => Promise<Raw[]>, limit = FILLS_PAGE_LIMIT, maxPages = MAX_PAGES): Promise<Raw[]> {
  const rows: Raw[] = [];
  const seen = new Set<string>();
  let end: number | undefined;
  let stalled = false;
  for (let n = 0; n < maxPages; n++) {
    const list = await fetchPage(end);
    let fresh = 0;
    for (const r of list) {
      const key = String(r.id ?? `${String(r.trade_id)}-${String(r.order_id)}`);
      if (seen.has(key)) continue;
      seen.add(key);
      rows.push(r);
      fresh++;
    }
    if (list.length < limit || (fresh === 0 && stalled)) break;
    stalled = fresh === 0;
    const oldest = Math.min(...list.map((r) => Number(r.created_time)));
    end = end !== undefined && oldest >= end ? end - 1 : oldest;
  }
  return rows;
}

/** The order a triggered algo order sent (HTX's `order_id` on the algo record); null before it fires. */
function firedOrderId(algo: Order): string | null {
  const id = (algo.info as Raw | undefined)?.order_id;
  return typeof id === 'string' && id !== '' ? id : null;
}

/**
 * HTX's v5 order state in the ledger's terms: new and partially_filled are working, filled is
 * filled, canceled and partially_canceled are cancelled (with whatever filled). A state this code
 * does not know is taken as open, never as final: a later read settles it.
 */
export function htxOrderStatus(raw: unknown): ExchangeOrderView['status'] {
  switch (raw) {
    case 'filled':
      return 'filled';
    case 'canceled':
    case 'partially_canceled':
      return 'canceled';
    case 'rejected':
      return 'rejected';
    default:
      return 'open';
  }
}

function orderView(contractSize: number, o: Order): ExchangeOrderView {
  return ccxtOrderView(contractSize, o, htxOrderStatus((o.info as Raw | undefined)?.state));
}
