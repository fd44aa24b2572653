import type { Exchange, Order, Trade as CcxtTrade } from 'ccxt';
import { ErrorCode } from '@perpscope/shared';
import { failedItem, mapCcxtError } from '../core/ccxtErrors.js';
import { OrderError } from '../core/errors.js';
import { contractsToBase } from '../market/contractUnits.js';
import type { StoredOrder } from '../store/index.js';
import { CcxtGatewayBase, orderViewStatus, type AdoptedIntent, type OpenExchangeOrder } from './ccxtGatewayBase.js';
import type { ExchangeFill, ExchangeOrderView } from './gateway.js';

export {
  CCXT_TICK_SIZE,
  CcxtGatewayBase,
  DEFAULT_READ_RETRY,
  isAuthFailure,
  isExchangeUnavailable,
  isTimestampRejection,
  orderViewStatus,
  retryRead,
  type AdoptedIntent,
  type OpenExchangeOrder,
  type ReadRetry,
} from './ccxtGatewayBase.js';

type Raw = Record<string, unknown>;

/** Raw BloFin private endpoints ccxt exposes but does not unify (order lookup by client id). */
interface BlofinImplicit {
  privateGetTradeOrderDetail(params: Raw): Promise<Raw>;
  privateGetTradeFillsHistory(params: Raw): Promise<Raw>;
  privateGetTradeOrdersPending(params: Raw): Promise<Raw>;
  privateGetTradeOrderTpslDetail(params: Raw): Promise<Raw>;
  privatePostTradeCancelTpsl(params: Raw[]): Promise<Raw>;
  privateGetTradeOrdersTpslPending(params: Raw): Promise<Raw>;
}

/** Rows per history page asked for (BloFin's maximum; its default is 20). */
export const HISTORY_PAGE_LIMIT = 100;
/** Pages read before a history walk gives up (a bound, far above any real backlog). */
const MAX_HISTORY_PAGES = 1_000;

/**
 * ccxt's order type for a BloFin order: a limit's time in force is BloFin's `orderType`
 * (post_only, ioc, fok). ccxt's blofin ignores `timeInForce` on a limit and sends `postOnly` as a
 * `type` field BloFin does not read, so the type itself carries them.
 */
function ccxtOrderType(order: StoredOrder): string {
  if (order.type !== 'limit') return order.type;
  const tif = typeof order.params.timeInForce === 'string' ? order.params.timeInForce.toUpperCase() : '';
  if (tif === 'PO' || tif === 'GTX') return 'post_only';
  if (tif === 'IOC') return 'ioc';
  if (tif === 'FOK') return 'fok';
  return 'limit';
}

/**
 * The OrderGateway over ccxt's real `blofin` class. Amounts are converted between base units
 * (the ledger) and contracts (the exchange). Orders are looked up by client order id through
 * BloFin's order-detail endpoints; stops and take-profits are BloFin TP/SL orders (reduce-only,
 * living on the exchange).
 */
export class CcxtOrderGateway extends CcxtGatewayBase {
  /**
   * Every record of a newest-first BloFin history endpoint: asks for full pages and walks back
   * with the `after` cursor (the last record's `idKey`) until a short page, a record older than
   * `sinceMs` (by `timeKey`), or the page bound. Reconciliation that read only the newest page
   * would lose everything past it.
   */
  async allPages(operation: string, call: (params: Raw) => Promise<Raw>, params: Raw, idKey: string, opts: { sinceMs?: number; timeKey?: string } = {}): Promise<Raw[]> {
    const rows: Raw[] = [];
    let after: string | undefined;
    for (let pageNo = 0; pageNo < MAX_HISTORY_PAGES; pageNo++) {
      const cursor = after;
      const res = await this.read({ exchange: this.exchangeId, operation }, () => call({ ...params, limit: String(HISTORY_PAGE_LIMIT), ...(cursor ? { after: cursor } : {}) }));
      const page = Array.isArray(res.data) ? (res.data as Raw[]) : [];
      rows.push(...page);
      const last = page[page.length - 1];
      const next = last && last[idKey] !== undefined && last[idKey] !== null ? String(last[idKey]) : undefined;
      const reachedSince = opts.sinceMs !== undefined && opts.timeKey !== undefined && last !== undefined && Number(last[opts.timeKey]) < opts.sinceMs;
      if (page.length < HISTORY_PAGE_LIMIT || next === undefined || next === cursor || reachedSince) return rows;
      after = next;
    }
    return rows;
  }

  /** The account's executions (of one order when `orderId` is set), every page, newest first. */
  private async tradesOf(symbol: string | undefined, filter: { orderId?: string; sinceMs?: number }): Promise<CcxtTrade[]> {
    const params: Raw = {};
    if (symbol) params.instId = this.ex.market(symbol).id;
    if (filter.orderId) params.orderId = filter.orderId;
    const rows = await this.allPages('fetchMyTrades', (p) => this.raw.privateGetTradeFillsHistory(p), params, 'tradeId', filter.sinceMs === undefined ? {} : { sinceMs: filter.sinceMs, timeKey: 'ts' });
    const trades = this.ex.parseTrades(rows, symbol ? this.ex.market(symbol) : undefined);
    return filter.sinceMs === undefined ? trades : trades.filter((t) => (t.timestamp ?? 0) >= (filter.sinceMs ?? 0));
  }

  private get raw(): BlofinImplicit {
    return this.ex as unknown as BlofinImplicit;
  }

  async create(order: StoredOrder): Promise<{ exchangeOrderId: string | null }> {
    const ctx = { exchange: this.exchangeId, operation: 'createOrder', symbol: order.symbol };
    try {
      const contracts = this.orderContracts(order.symbol, order.amountBase);
      const marginMode = order.params.marginMode === 'isolated' ? 'isolated' : 'cross';
      let placed: Order;
      if (this.isTrigger(order)) {
        const key = order.type === 'stop_market' ? 'stopLossPrice' : 'takeProfitPrice';
        placed = await this.signed(() =>
          this.ex.createOrder(order.symbol, 'market', order.side, contracts, undefined, {
            [key]: order.triggerPrice,
            tpsl: true,
            reduceOnly: true,
            clientOrderId: order.clientOrderId,
            marginMode,
          }),
        );
      } else {
        placed = await this.signed(() =>
          this.ex.createOrder(order.symbol, ccxtOrderType(order), order.side, contracts, order.price ?? undefined, {
            clientOrderId: order.clientOrderId,
            marginMode,
            ...(order.reduceOnly ? { reduceOnly: true } : {}),
          }),
        );
      }
      return { exchangeOrderId: placed.id ? String(placed.id) : null };
    } catch (err) {
      throw mapCcxtError(err, ctx);
    }
  }

  async lookup(order: StoredOrder): Promise<ExchangeOrderView | null> {
    const ctx = { exchange: this.exchangeId, operation: 'lookupOrder', symbol: order.symbol };
    try {
      const instId = this.ex.market(order.symbol).id;
      if (this.isTrigger(order)) {
        const res = await this.signed(() => this.raw.privateGetTradeOrderTpslDetail({ instId, clientOrderId: order.clientOrderId }));
        const rec = firstRecord(res.data);
        return rec ? this.triggerView(order, rec) : null;
      }
      const res = await this.signed(() => this.raw.privateGetTradeOrderDetail({ instId, clientOrderId: order.clientOrderId }));
      const rec = firstRecord(res.data);
      if (!rec) return null;
      const parsed = this.ex.parseOrder(rec, this.ex.market(order.symbol));
      return {
        exchangeOrderId: parsed.id ? String(parsed.id) : null,
        status: orderViewStatus(rec.state, parsed.status),
        filledBase: contractsToBase(this.contractSize(order.symbol), parsed.filled ?? 0),
        avgFillPrice: parsed.average ?? null,
      };
    } catch (err) {
      const e = mapCcxtError(err, ctx);
      if (e.code === ErrorCode.OrderNotFound) return null;
      throw e;
    }
  }

  /** The exchange's order by its own id (to learn the client id behind an unknown fill); null when unknown. */
  async orderByExchangeId(symbol: string, orderId: string): Promise<Order | null> {
    return this.read({ exchange: this.exchangeId, operation: 'lookupOrder', symbol }, () =>
      this.orNull('lookupOrder', symbol, async () => {
        const res = await this.raw.privateGetTradeOrderDetail({ instId: this.ex.market(symbol).id, orderId });
        const rec = firstRecord(res.data);
        return rec ? this.ex.parseOrder(rec, this.ex.market(symbol)) : null;
      }),
    );
  }

  /** Pending orders and pending TP/SL orders, every page (BloFin serves 20 rows unless asked, so one call misses the rest). */
  async openOrders(): Promise<OpenExchangeOrder[]> {
    const pending = await this.allPages('fetchOpenOrders', (p) => this.raw.privateGetTradeOrdersPending(p), {}, 'orderId');
    const orders = this.ex.parseOrders(pending).map((o) => ({ clientOrderId: o.clientOrderId, intent: this.intentOf(o) }));
    const triggers = await this.allPages('fetchTpslPending', (p) => this.raw.privateGetTradeOrdersTpslPending(p), {}, 'tpslId');
    return [...orders, ...triggers.map((rec) => ({ clientOrderId: typeof rec.clientOrderId === 'string' ? rec.clientOrderId : undefined, intent: this.tpslIntent(rec) }))];
  }

  private tpslIntent(rec: Raw): AdoptedIntent | null {
    const symbol = this.ex.safeSymbol(String(rec.instId ?? ''));
    const size = Number(rec.size);
    if (!symbol || !(size > 0)) return null;
    const sl = rec.slTriggerPrice !== null && rec.slTriggerPrice !== undefined;
    return {
      symbol,
      side: rec.side === 'sell' ? 'sell' : 'buy',
      type: sl ? 'stop_market' : 'take_profit_market',
      amountBase: contractsToBase(this.contractSize(symbol), size),
      price: null,
      triggerPrice: Number(sl ? rec.slTriggerPrice : rec.tpTriggerPrice),
      reduceOnly: true,
    };
  }

  async cancel(order: StoredOrder): Promise<void> {
    const ctx = { exchange: this.exchangeId, operation: 'cancelOrder', symbol: order.symbol };
    let res: Raw[];
    try {
      if (this.isTrigger(order)) {
        const reply = await this.signed(() => this.raw.privatePostTradeCancelTpsl([{ instId: this.ex.market(order.symbol).id, clientOrderId: order.clientOrderId }]));
        res = Array.isArray(reply.data) ? (reply.data as Raw[]) : [];
      } else {
        await this.signed(() => this.ex.cancelOrder(order.exchangeOrderId ?? '', order.symbol, { clientOrderId: order.clientOrderId }));
        return;
      }
    } catch (err) {
      // A refused TP/SL cancel comes back as an "all operations failed" envelope: the item says why.
      const item = this.isTrigger(order) ? failedItem(err instanceof Error && err.cause ? err.cause : err) : null;
      if (item) throw new OrderError(ErrorCode.OrderNotFound, `${this.exchangeId} cancelOrder: ${item.msg}`, { details: { clientOrderId: order.clientOrderId, code: item.code }, cause: err });
      throw mapCcxtError(err, ctx);
    }
    const item = res[0];
    if (item && item.code !== undefined && String(item.code) !== '0') {
      throw new OrderError(ErrorCode.OrderNotFound, `${this.exchangeId} cancelOrder: ${String(item.msg)}`, { details: { clientOrderId: order.clientOrderId, code: item.code } });
    }
  }

  async fills(order: StoredOrder): Promise<ExchangeFill[]> {
    let orderId = order.exchangeOrderId;
    if (this.isTrigger(order)) {
      const view = await this.triggerRecord(order);
      orderId = view && typeof view.actualOrderId === 'string' && view.actualOrderId !== '' ? view.actualOrderId : null;
    }
    if (!orderId) return [];
    const id = orderId;
    const trades = await this.tradesOf(order.symbol, { orderId: id });
    return trades.filter((t) => String(t.order ?? '') === id).map((t) => this.toFill(t));
  }

  /** The account's executions since `sinceMs` (all of them when absent; all symbols when `symbol` is), every page, oldest first. */
  async recentFills(sinceMs: number | undefined, symbol?: string): Promise<ExchangeFill[]> {
    const trades = await this.tradesOf(symbol, sinceMs === undefined ? {} : { sinceMs });
    return trades.map((t) => this.toFill(t)).sort((a, b) => a.atMs - b.atMs);
  }

  private async triggerRecord(order: StoredOrder): Promise<Raw | null> {
    return this.read({ exchange: this.exchangeId, operation: 'lookupTpsl', symbol: order.symbol }, () =>
      this.orNull('lookupTpsl', order.symbol, async () => {
        const res = await this.raw.privateGetTradeOrderTpslDetail({ instId: this.ex.market(order.symbol).id, clientOrderId: order.clientOrderId });
        return firstRecord(res.data);
      }),
    );
  }

  /** A TP/SL record: `effective` means it fired; its fills belong to the order it created. */
  private async triggerView(order: StoredOrder, rec: Raw): Promise<ExchangeOrderView> {
    const state = String(rec.state ?? '');
    const exchangeOrderId = typeof rec.tpslId === 'string' ? rec.tpslId : null;
    if (state === 'live') return { exchangeOrderId, status: 'open', filledBase: 0, avgFillPrice: null };
    if (state === 'effective') {
      const actual = typeof rec.actualOrderId === 'string' && rec.actualOrderId !== '' ? rec.actualOrderId : null;
      if (!actual) return { exchangeOrderId, status: 'canceled', filledBase: 0, avgFillPrice: null };
      const fills = (await this.tradesOf(order.symbol, { orderId: actual })).filter((t) => String(t.order ?? '') === actual).map((t) => this.toFill(t));
      const filled = fills.reduce((s, f) => s + f.amountBase, 0);
      const avg = filled > 0 ? fills.reduce((s, f) => s + f.price * f.amountBase, 0) / filled : null;
      return { exchangeOrderId, status: filled > 0 ? 'filled' : 'canceled', filledBase: filled, avgFillPrice: avg };
    }
    return { exchangeOrderId, status: state === 'order_failed' ? 'rejected' : 'canceled', filledBase: 0, avgFillPrice: null };
  }
}

function firstRecord(data: unknown): Raw | null {
  if (Array.isArray(data)) return (data[0] as Raw | undefined) ?? null;
  if (data && typeof data === 'object') return data as Raw;
  return null;
}

const SYNCS = new WeakMap<Exchange, ExchangeClockSync>();
/** Measured offsets smaller than this are noise from the `Date` header's whole seconds (and load). */
export const CLOCK_DEADBAND_MS = 5_000;

/** How one venue's clock is read and how much of the measured offset is left uncorrected. */
export interface ClockPolicy {
  /** Offsets whose magnitude is under this are applied as zero. */
  readonly deadbandMs: number;
  /** Read the venue's time endpoint (ccxt `fetchTime`, ms resolution) rather than a `Date` header. */
  readonly timeEndpoint: boolean;
}

const HEADER_CLOCK: ClockPolicy = { deadbandMs: CLOCK_DEADBAND_MS, timeEndpoint: false };
/**
 * Bybit refuses a signed timestamp at or past its own clock + 1 s (10002, ccxt's InvalidNonce),
 * so a local clock 1-5 s fast must be corrected: its time endpoint answers in ms, and the
 * deadband is kept well inside that 1 s. Bybit does not refuse repeated timestamps, so applying
 * a small offset cannot collide with another process's nonces as it could on BloFin.
 */
const VENUE_CLOCKS: Readonly<Record<string, ClockPolicy>> = {
  bybit: { deadbandMs: 500, timeEndpoint: true },
};

/** The clock policy for a ccxt exchange id (the `Date` header with {@link CLOCK_DEADBAND_MS} unless the venue needs better). */
export function clockPolicy(exchangeId: string): ClockPolicy {
  return VENUE_CLOCKS[exchangeId] ?? HEADER_CLOCK;
}

/**
 * Measures the exchange's clock against ours and corrects the timestamps ccxt signs with.
 * BloFin has no time endpoint and ccxt's blofin has no `timeDifference` option (its `sign()`
 * stamps ACCESS-TIMESTAMP with `this.milliseconds()`), so the instance's `milliseconds` is
 * wrapped to add the measured offset. Each sample is the HTTP `Date` header of a public reply
 * (whole seconds, so +500 ms for the expected truncation) minus the request's local midpoint;
 * the median of the samples wins. A median under {@link CLOCK_DEADBAND_MS} is applied as zero: the
 * header cannot resolve it, and BloFin's 60 s window does not need it, while applying that noise
 * would give every process on this machine its own clock, and a process restarted on the same
 * key would sign again the milliseconds its predecessor used (nonces are timestamps; 152407).
 * Venues with a tighter window read their time endpoint instead, with a smaller deadband
 * ({@link clockPolicy}).
 */
export class ExchangeClockSync {
  /** Exchange time minus local time, in ms, as applied to signed timestamps (0 inside the deadband). */
  offsetMs = 0;
  /** The last measurement before the deadband, in ms. */
  measuredOffsetMs = 0;
  private readonly localMs: () => number;
  private readonly policy: ClockPolicy;

  private constructor(
    private readonly ex: Exchange,
    /** A cheap public request whose reply carries a `Date` header. */
    private readonly probe: () => Promise<unknown>,
    private readonly samples: number,
  ) {
    const local = ex.milliseconds.bind(ex);
    this.localMs = local;
    this.policy = clockPolicy(ex.id);
    ex.milliseconds = () => local() + this.offsetMs;
  }

  /** The instance's one sync (brokers sharing an exchange instance share it, so the offset is applied once). */
  static for(ex: Exchange, probe: () => Promise<unknown>, samples = 3): ExchangeClockSync {
    const known = SYNCS.get(ex);
    if (known) return known;
    const created = new ExchangeClockSync(ex, probe, samples);
    SYNCS.set(ex, created);
    return created;
  }

  /** Takes `samples` readings and applies their median; returns the offset (unchanged when no reply carried a date). */
  async measure(): Promise<number> {
    const readings: number[] = [];
    for (let i = 0; i < this.samples; i++) {
      const sentMs = this.localMs();
      const serverMs = this.policy.timeEndpoint ? await this.endpointTime() : await this.headerTime();
      const receivedMs = this.localMs();
      if (Number.isFinite(serverMs)) readings.push(serverMs - (sentMs + receivedMs) / 2);
    }
    if (readings.length === 0) return this.offsetMs;
    readings.sort((a, b) => a - b);
    this.measuredOffsetMs = Math.round(readings[Math.floor(readings.length / 2)] ?? 0);
    this.offsetMs = Math.abs(this.measuredOffsetMs) < this.policy.deadbandMs ? 0 : this.measuredOffsetMs;
    return this.offsetMs;
  }

  /** The venue's clock from its time endpoint, in ms (NaN when the answer carries none). */
  private async endpointTime(): Promise<number> {
    const t = await this.ex.fetchTime();
    return typeof t === 'number' ? t : NaN;
  }

  /** The venue's clock from the probe reply's `Date` header, mid-second (NaN when the reply has no date). */
  private async headerTime(): Promise<number> {
    await this.probe();
    const headers = (this.ex as unknown as { last_response_headers?: Record<string, string> }).last_response_headers ?? {};
    // The header truncates to whole seconds: +500 ms is the expected truncation.
    return Date.parse(headers.Date ?? headers.date ?? '') + 500;
  }
}
