import { contractsToBase } from '../../../market/contractUnits.js';
import type { MarginMode, SimFill, SimPosition } from '../../account.js';
import type { SimContext } from '../../context.js';
import type { FaultState } from '../../faults.js';
import type { Rejection, SimOrder } from '../../orders.js';
import type { SimTrigger } from '../../tpsl.js';
import type { PrivateApi } from '../../restPrivate.js';
import type { SimMarket } from '../../types.js';
import { decimal } from '../../wire.js';
import type { DialectReply } from '../types.js';
import { intParam } from './publicRoutes.js';
import { HT, htPrice, htV5, htxVolume, marketOf } from './wire.js';

/** The sim account's maintenance margin rate (see SimAccount). */
const MAINTENANCE_RATE = 0.004;

/** A request's parameters: the query of a GET, the JSON body of a POST (values as strings). */
export type Params = Map<string, string>;

/** HTX's `client_order_id`: a positive integer of at most 19 digits. */
const CLIENT_ID = /^[1-9]\d{0,18}$/;
/** `type` of `/v5/trade/order` and the core order type it sends. */
const ORDER_TYPES: Readonly<Record<string, 'limit' | 'market' | 'post_only' | 'ioc' | 'fok'>> = { limit: 'limit', market: 'market', post_only: 'post_only', ioc: 'ioc', fok: 'fok' };
const LOOKUPS = new Set(['GET /v5/trade/order', 'GET /v5/trade/order/opens', 'GET /v5/algo/order', 'GET /v5/algo/order/opens']);
const PLACEMENTS = new Set(['POST /v5/trade/order', 'POST /v5/algo/order']);
/** Algo order types: a trigger order, a take-profit or a stop-loss. */
const ALGO_TYPES = new Set(['trigger', 'tp', 'sl']);
const TRIGGER_PRICE_TYPES = new Set(['last', 'mark', 'index']);
/** The key under which an array body (batch endpoints) reaches a handler, as JSON. */
export const ITEMS = '__items';
/** Rows per fills or open-orders page (HTX's default and maximum `limit`). */
const PAGE_DEFAULT = 100;
const PAGE_MAX = 500;

/**
 * HTX's signed USDT-margined swap endpoints (the `/v5` trade API ccxt's `htx` calls) over the
 * sim's one test account, the account, matching and fills every dialect shares. One-way position
 * mode (`position_side` both); volumes count HTX contracts (one lot of the core each). Served:
 * account balance, leverage, plain orders (limit, market, post_only, ioc, fok; reduce-only;
 * integer `client_order_id`, unique for the account's life), cancel, order lookup, open orders,
 * fills and open positions; algo orders (`/v5/algo/*`): trigger orders and position take-profits
 * and stop-losses, which send a market (or limit) order when the last price (or the mark) reaches
 * them, by `algo_id` or integer `algo_client_order_id`. Errors use the v5 envelope
 * `{ code, message, data: null }`.
 */
export class HtxPrivateApi {
  /** client_order_id -> core order id. */
  private readonly byClientId = new Map<string, string>();
  private readonly clientIdOf = new Map<string, string>();
  /** What this codec remembers of its algo orders: HTX type, client id, price type. */
  private readonly algos = new Map<string, { type: string; clientId: string; priceType: string }>();
  private readonly byAlgoClientId = new Map<string, string>();

  constructor(
    private readonly ctx: SimContext,
    private readonly faults: FaultState,
    private readonly core: PrivateApi,
  ) {}

  /** Answers one verified request; null when the route is not a private one; 'hang' = processed, never answered. */
  handle(method: string, path: string, p: Params): DialectReply | 'hang' | null {
    const route = `${method} ${path}`;
    const hidden = LOOKUPS.has(route) && this.faults.takeHiddenLookup();
    const hangAfter = PLACEMENTS.has(route) && this.faults.takeAcceptThenTimeout();
    this.core.orders.fillRatio = this.faults.fillRatio;
    const reply = this.route(route, p, hidden);
    return reply !== null && hangAfter ? 'hang' : reply;
  }

  private route(route: string, p: Params, hidden: boolean): DialectReply | null {
    switch (route) {
      case 'GET /v5/account/balance':
        return this.balance();
      case 'POST /v5/position/lever':
        return this.withCode(p, (m) => this.lever(p, m));
      case 'GET /v5/trade/position/opens':
        return this.positions(p);
      case 'POST /v5/trade/order':
        return this.withCode(p, (m) => this.place(p, m));
      case 'POST /v5/trade/cancel_order':
        return this.withCode(p, (m) => this.cancel(p, m));
      case 'GET /v5/trade/order':
        return this.withCode(p, (m) => this.order(p, m, hidden));
      case 'GET /v5/trade/order/opens':
        return this.openOrders(p, hidden);
      case 'GET /v5/trade/order/details':
        return this.fills(p);
      case 'POST /v5/algo/order':
        return this.withCode(p, (m) => this.placeAlgo(p, m));
      case 'GET /v5/algo/order':
        return this.algoOrder(p, hidden);
      case 'GET /v5/algo/order/opens':
        return this.algoOpens(p, hidden);
      case 'POST /v5/algo/cancel_orders':
        return this.cancelAlgos(p);
      default:
        return null;
    }
  }

  /** The USDT-margined account: equity, margins and what is free for new orders. */
  private balance(): DialectReply {
    const a = this.core.account;
    const equity = a.equity();
    const positionIM = a.positionMargin();
    const orderIM = this.core.orders.frozenMargin();
    const mm = a.maintenanceMargin();
    const available = Math.max(0, equity - positionIM - orderIM);
    const upl = equity - a.balanceUsdt;
    const now = this.ctx.nowMs();
    const figures = {
      equity: decimal(equity, 8),
      profit_unreal: decimal(upl, 8),
      initial_margin: decimal(positionIM + orderIM, 8),
      maintenance_margin: decimal(mm, 8),
      maintenance_margin_rate: equity > 0 ? decimal(mm / equity, 8) : '0',
      initial_margin_rate: equity > 0 ? decimal((positionIM + orderIM) / equity, 8) : '0',
      available_margin: decimal(available, 8),
    };
    return htV5({
      state: 'normal',
      ...figures,
      voucher_value: '0',
      details: [{ currency: 'USDT', ...figures, available: decimal(available, 8), voucher: '0', voucher_value: '0', withdraw_available: decimal(available, 8), created_time: now, updated_time: now, isolated_equity: '0', isolated_profit_unreal: '0' }],
      created_time: now,
      updated_time: now,
    });
  }

  /** One leverage per contract and margin mode, 1..the market's maximum. */
  private lever(p: Params, m: SimMarket): DialectReply {
    const mode = marginMode(p);
    if (typeof mode !== 'string') return mode;
    const raw = p.get('lever_rate') ?? '';
    if (raw === '') return V5.missing('lever_rate');
    const lev = Number(raw);
    const max = m.maxLeverage ?? 50;
    if (!Number.isInteger(lev) || lev < 1 || lev > max) return V5.error(1037, `The leverage is invalid: got "${raw}", expected an integer 1..${max}.`);
    this.core.account.setLeverage(m.id, mode, lev);
    return htV5({ contract_code: m.id, margin_mode: mode, lever_rate: lev });
  }

  private positions(p: Params): DialectReply {
    const code = p.get('contract_code');
    const list = [...this.core.account.positions.values()].filter((pos) => pos.size !== 0 && (!code || pos.instId === code));
    return htV5(list.map((pos) => this.positionRecord(pos, this.ctx.byInstId(pos.instId)!)));
  }

  private positionRecord(pos: SimPosition, m: SimMarket): Record<string, unknown> {
    const a = this.core.account;
    const volume = htxVolume(Math.abs(pos.size), m);
    const sizeBase = Math.abs(contractsToBase(m, pos.size));
    const mark = a.markPrice(m);
    const margin = (sizeBase * pos.avgPrice) / pos.leverage;
    const upl = a.unrealizedPnl(pos, m);
    const at = this.ctx.tradingTime(m, this.ctx.nowMs());
    return {
      contract_code: m.id,
      position_side: 'both',
      direction: pos.size > 0 ? 'buy' : 'sell',
      margin_mode: pos.marginMode,
      open_avg_price: htPrice(pos.avgPrice, m),
      volume: String(volume),
      available: String(volume),
      lever_rate: pos.leverage,
      adl_risk_percent: 1,
      liquidation_price: a.positionRecord(pos).liquidationPrice ?? '',
      margin: decimal(margin, 8),
      initial_margin: decimal(margin, 8),
      maintenance_margin: decimal(sizeBase * mark * MAINTENANCE_RATE, 8),
      profit_unreal: decimal(upl, 8),
      profit_rate: margin > 0 ? decimal(upl / margin, 6) : '0',
      margin_rate: '0',
      mark_price: htPrice(mark, m),
      last_price: htPrice(this.ctx.source.lastPrice(m.symbol, at) ?? mark, m),
      margin_currency: m.settle,
      contract_type: 'swap',
      created_time: String(pos.createTimeMs),
      updated_time: String(pos.updateTimeMs),
    };
  }

  /**
   * `POST /v5/trade/order`: `side`, `type` (limit, market, post_only, ioc, fok; `time_in_force`
   * ioc/fok turns a limit into one), whole-contract `volume`, `price` for non-market types,
   * `reduce_only` 1 to only shrink the position, `margin_mode` cross or isolated.
   */
  private place(p: Params, m: SimMarket): DialectReply {
    const mode = marginMode(p);
    if (typeof mode !== 'string') return mode;
    const side = p.get('side') ?? '';
    if (side !== 'buy' && side !== 'sell') return V5.badValue('side', `Got "${side}", expected buy or sell.`);
    const rawType = p.get('type') ?? '';
    let type = ORDER_TYPES[rawType];
    if (type === undefined) return V5.error(1034, `Incorrect field of order price type: got "${rawType}", expected limit, market, post_only, ioc or fok.`);
    const tif = (p.get('time_in_force') ?? 'gtc').toLowerCase();
    if (!['gtc', 'ioc', 'fok'].includes(tif)) return V5.badValue('time_in_force', `Got "${tif}", expected gtc, ioc or fok.`);
    if (type === 'limit' && tif !== 'gtc') type = tif as 'ioc' | 'fok';
    const volRaw = p.get('volume') ?? '';
    const volume = Number(volRaw);
    if (!/^\d+$/.test(volRaw) || !(volume >= 1)) return V5.badValue('volume', `Got "${volRaw}", expected a whole number of contracts >= 1.`);
    let price: number | undefined;
    if (type !== 'market') {
      const raw = p.get('price') ?? '';
      price = Number(raw);
      if (raw === '' || !(price > 0)) return V5.badValue('price', `Got "${raw}", expected a positive price for a ${type} order.`);
      const ticks = price / m.tickSize;
      if (Math.abs(ticks - Math.round(ticks)) > 1e-6) return V5.badValue('price', `Got "${raw}", expected a multiple of the tick ${m.tickSize}.`);
    }
    const clientId = p.get('client_order_id') ?? '';
    if (clientId !== '') {
      if (!CLIENT_ID.test(clientId)) return V5.error(1067, `The client_order_id field is invalid: got "${clientId}", expected a positive integer.`);
      if (this.byClientId.has(clientId)) return V5.error(1050, "Customer's order number is repeated. Please re-enter.");
    }
    const reduceOnly = p.get('reduce_only') === '1' || p.get('reduce_only') === 'true';
    const pos = this.core.account.positions.get(m.id);
    if (reduceOnly && (!pos || pos.size === 0 || pos.size > 0 === (side === 'buy') || volume * m.lotSize > Math.abs(pos.size) + 1e-9)) return V5.error(1048, 'Insufficient close amount available.');
    const r = this.core.orders.place({ instId: m.id, side, orderType: type, size: volume * m.lotSize, price, reduceOnly, marginMode: mode });
    if (!('orderId' in r)) return coreRejection(r);
    const cid = clientId !== '' ? clientId : r.orderId;
    this.byClientId.set(cid, r.orderId);
    this.clientIdOf.set(r.orderId, cid);
    return htV5({ order_id: r.orderId, client_order_id: cid });
  }

  /** Cancels an open order by `order_id` or `client_order_id`; a finished or unknown one is 1061. */
  private cancel(p: Params, m: SimMarket): DialectReply {
    const o = this.find(p, m);
    if (typeof o === 'object' && o !== null && 'status' in o) return o;
    if (!o || !isOpen(o)) return V5.error(1061, 'The order does not exist.');
    const r = this.core.orders.cancel(o.instId, o.orderId, undefined);
    if (!('orderId' in r)) return V5.error(1061, 'The order does not exist.');
    return htV5({ order_id: o.orderId, client_order_id: this.clientIdOf.get(o.orderId) ?? o.orderId });
  }

  /** One order of the contract, any state, by `order_id` or `client_order_id`. */
  private order(p: Params, m: SimMarket, hidden: boolean): DialectReply {
    const o = this.find(p, m);
    if (typeof o === 'object' && o !== null && 'status' in o) return o;
    if (!o || hidden) return V5.error(1017, "Order doesn't exist.");
    return htV5(this.orderRecord(o, m));
  }

  /** Open orders, newest first, `limit` (default 100, max 500) per page. */
  private openOrders(p: Params, hidden: boolean): DialectReply {
    const code = p.get('contract_code');
    if (code && !marketOf(this.ctx, code)) return V5.error(1013, 'This contract symbol doesnt exist.');
    const limit = intParam(toQuery(p), 'limit', PAGE_DEFAULT, 1, PAGE_MAX);
    if (typeof limit !== 'number') return limit;
    if (hidden) return htV5([]);
    const rows = [...this.core.orders.orders.values()]
      .filter((o) => isOpen(o) && o.orderCategory === 'normal' && (!code || o.instId === code.toUpperCase()))
      .sort((a, b) => b.createTimeMs - a.createTimeMs || Number(b.orderId) - Number(a.orderId))
      .slice(0, limit);
    return htV5(rows.map((o) => this.orderRecord(o, this.ctx.byInstId(o.instId)!)));
  }

  /**
   * The account's fills, newest first, at most `limit` (default 100, max 500): of one contract or
   * all, of one order when `order_id` is given, from `start_time` (ms) on.
   */
  private fills(p: Params): DialectReply {
    const code = p.get('contract_code');
    const m = code ? marketOf(this.ctx, code) : undefined;
    if (code && !m) return V5.error(1013, 'This contract symbol doesnt exist.');
    const limit = intParam(toQuery(p), 'limit', PAGE_DEFAULT, 1, PAGE_MAX);
    if (typeof limit !== 'number') return limit;
    const orderId = p.get('order_id') ?? '';
    const start = Number(p.get('start_time') ?? '') || 0;
    const end = Number(p.get('end_time') ?? '') || Number.POSITIVE_INFINITY;
    const rows = this.core.account.fills
      .filter((f) => (!m || f.instId === m.id) && (orderId === '' || f.orderId === orderId) && f.tsMs >= start && f.tsMs <= end)
      .reverse()
      .slice(0, limit);
    return htV5(rows.map((f) => this.fillRecord(f, this.ctx.byInstId(f.instId)!)));
  }

  /** An order as the v5 API renders it (the REST lookups and the private `orders` stream). */
  orderRecord(o: SimOrder, m: SimMarket): Record<string, unknown> {
    const filledBase = contractsToBase(m, o.filledSize);
    return {
      id: o.orderId,
      order_id: o.orderId,
      client_order_id: this.clientIdOf.get(o.orderId) ?? o.orderId,
      contract_code: m.id,
      side: o.side,
      position_side: 'both',
      type: o.orderType === 'ioc' || o.orderType === 'fok' ? 'limit' : o.orderType,
      time_in_force: o.orderType === 'ioc' || o.orderType === 'fok' ? o.orderType : 'gtc',
      price: o.orderType === 'market' ? '' : htPrice(o.price, m),
      volume: String(htxVolume(o.size, m)),
      state: orderState(o),
      margin_mode: o.marginMode,
      lever_rate: o.leverage,
      order_source: 'api',
      reduce_only: o.reduceOnly,
      tp_trigger_price: '',
      tp_order_price: '',
      tp_type: '0',
      sl_trigger_price: '',
      sl_order_price: '',
      sl_type: '0',
      trade_avg_price: o.filledSize > 0 ? decimal(o.avgPrice, 8) : '0',
      trade_volume: String(htxVolume(o.filledSize, m)),
      trade_turnover: decimal(filledBase * o.avgPrice, 8),
      fee_currency: o.fee > 0 ? m.settle : '',
      fee: decimal(o.fee, 8),
      contract_type: 'swap',
      created_time: String(o.createTimeMs),
      updated_time: String(o.updateTimeMs),
      cancel_reason: o.state === 'canceled' || o.state === 'partially_canceled' ? o.cancelSource : null,
      self_match_prevent: 'cancel_taker',
    };
  }

  /** A fill as the v5 API renders it (REST `order/details` and the private `trade` stream). */
  fillRecord(f: SimFill, m: SimMarket): Record<string, unknown> {
    const o = this.core.orders.orders.get(f.orderId);
    return {
      id: `${f.tradeId}-${f.orderId}`,
      contract_code: m.id,
      order_id: f.orderId,
      trade_id: f.tradeId,
      side: f.side,
      position_side: 'both',
      margin_mode: o?.marginMode ?? this.core.account.marginMode,
      type: o?.orderType === 'market' ? 'market' : 'limit',
      role: f.maker ? 'MAKER' : 'TAKER',
      trade_price: htPrice(f.price, m),
      trade_volume: String(htxVolume(f.size, m)),
      trade_turnover: decimal(contractsToBase(m, f.size) * f.price, 8),
      created_time: String(f.tsMs),
      updated_time: String(f.tsMs),
      order_source: 'api',
      fee_currency: m.settle,
      // Deducted fees are negative, as HTX's contract fills report them.
      trade_fee: decimal(-f.fee, 8),
      profit: decimal(f.pnl, 8),
      contract_type: 'swap',
    };
  }

  /**
   * `POST /v5/algo/order`: `type` trigger (with `trigger_price`, an optional limit `price` and
   * `reduce_only`), tp (`tp_trigger_price`, optional `tp_order_price`) or sl (`sl_trigger_price`,
   * optional `sl_order_price`); a take-profit or stop-loss only reduces the position. ccxt sends a
   * trigger order's `type` as its order type (market, limit): `trigger_price` marks it. A
   * take-profit or stop-loss that would fire at once is refused (1030), as HTX refuses it.
   */
  private placeAlgo(p: Params, m: SimMarket): DialectReply {
    const mode = marginMode(p);
    if (typeof mode !== 'string') return mode;
    const side = p.get('side') ?? '';
    if (side !== 'buy' && side !== 'sell') return V5.badValue('side', `Got "${side}", expected buy or sell.`);
    const rawType = p.get('type') ?? '';
    const type = ALGO_TYPES.has(rawType) ? rawType : p.has('trigger_price') ? 'trigger' : '';
    if (type === '') return V5.badValue('type', `Got "${rawType}", expected trigger, tp or sl.`);
    const volRaw = p.get('volume') ?? '';
    const volume = Number(volRaw);
    if (!/^\d+$/.test(volRaw) || !(volume >= 1)) return V5.badValue('volume', `Got "${volRaw}", expected a whole number of contracts >= 1.`);
    const prefix = type === 'trigger' ? '' : `${type}_`;
    const trigger = this.price(p, `${prefix}trigger_price`, m, true);
    if (typeof trigger !== 'number') return trigger;
    const limit = this.price(p, type === 'trigger' ? 'price' : `${prefix}order_price`, m, false);
    if (typeof limit !== 'number') return limit;
    const priceType = p.get(`${prefix}trigger_price_type`) ?? 'last';
    if (!TRIGGER_PRICE_TYPES.has(priceType)) return V5.badValue(`${prefix}trigger_price_type`, `Got "${priceType}", expected last, mark or index.`);
    const clientId = p.get('algo_client_order_id') ?? '';
    if (clientId !== '') {
      if (!CLIENT_ID.test(clientId)) return V5.error(1067, `The algo_client_order_id field is invalid: got "${clientId}", expected a positive integer.`);
      if (this.byAlgoClientId.has(clientId)) return V5.error(1050, "Customer's order number is repeated. Please re-enter.");
    }
    const at = this.ctx.tradingTime(m, this.ctx.nowMs());
    // The sim has no separate index feed: index triggers watch the mark.
    const onMark = priceType !== 'last';
    const current = onMark ? this.ctx.source.markPrice(m.symbol, at).markPrice : (this.ctx.source.lastPrice(m.symbol, at) ?? 0);
    if (type !== 'trigger') {
      // A sell closes a long: its take-profit sits above the price, its stop below (mirrored for a buy).
      const above = (type === 'tp') === (side === 'sell');
      if (above ? trigger <= current : trigger >= current) return V5.param(`${type}_trigger_price ${htPrice(trigger, m)} would trigger immediately: expected ${above ? 'above' : 'below'} the ${priceType} price ${htPrice(current, m)}.`);
    }
    const reduceOnly = type !== 'trigger' || p.get('reduce_only') === '1' || p.get('reduce_only') === 'true';
    const r = this.core.triggers.create('algo', {
      instId: m.id,
      side,
      size: String(volume * m.lotSize),
      reduceOnly: reduceOnly ? 'true' : 'false',
      marginMode: mode,
      triggerPrice: String(trigger),
      orderPrice: String(limit > 0 ? limit : -1),
      ...(onMark ? { triggerPriceType: 'mark' } : {}),
    });
    if (!('id' in r)) return coreRejection(r);
    const cid = clientId !== '' ? clientId : r.id;
    this.algos.set(r.id, { type, clientId: cid, priceType });
    this.byAlgoClientId.set(cid, r.id);
    return htV5([{ algo_id: r.id, algo_client_order_id: cid, contract_code: m.id, code: 200, message: 'Success' }]);
  }

  /** One algo order, any state, by `algo_id` or `algo_client_order_id`. */
  private algoOrder(p: Params, hidden: boolean): DialectReply {
    const id = p.get('algo_id') ?? '';
    const cid = p.get('algo_client_order_id') ?? '';
    if (id === '' && cid === '') return V5.param('algo_id or algo_client_order_id is required');
    const algoId = id !== '' ? id : this.byAlgoClientId.get(cid);
    const t = algoId ? this.core.triggers.triggers.get(algoId) : undefined;
    if (!t || !this.algos.has(t.id) || hidden) return V5.error(1017, "Order doesn't exist.");
    return htV5([this.algoRecord(t)]);
  }

  /** Untriggered algo orders, newest first, of one contract or all, of one `type` or all. */
  private algoOpens(p: Params, hidden: boolean): DialectReply {
    const code = p.get('contract_code');
    if (code && !marketOf(this.ctx, code)) return V5.error(1013, 'This contract symbol doesnt exist.');
    const type = p.get('type') ?? '';
    const limit = intParam(toQuery(p), 'limit', PAGE_DEFAULT, 1, PAGE_MAX);
    if (typeof limit !== 'number') return limit;
    if (hidden) return htV5([]);
    const rows = [...this.core.triggers.triggers.values()]
      .filter((t) => {
        const kind = this.algos.get(t.id)?.type;
        const ofType = type === '' || (type === 'tpsl' ? kind === 'tp' || kind === 'sl' : kind === type);
        return t.state === 'live' && kind !== undefined && ofType && (!code || t.instId === code.toUpperCase());
      })
      .sort((a, b) => b.createTimeMs - a.createTimeMs || Number(b.id) - Number(a.id))
      .slice(0, limit);
    return htV5(rows.map((t) => this.algoRecord(t)));
  }

  /** `POST /v5/algo/cancel_orders`: a JSON array of `{ contract_code, algo_id | algo_client_order_id }`, answered item by item. */
  private cancelAlgos(p: Params): DialectReply {
    let items: unknown;
    try {
      items = JSON.parse(p.get(ITEMS) ?? '[]');
    } catch {
      items = null;
    }
    if (!Array.isArray(items) || items.length === 0) return V5.param('the body must be a non-empty JSON array of orders to cancel');
    const results = items.map((raw: unknown) => {
      const item = (raw ?? {}) as Record<string, unknown>;
      const id = item.algo_id !== undefined ? String(item.algo_id) : '';
      const cid = item.algo_client_order_id !== undefined ? String(item.algo_client_order_id) : '';
      const algoId = id !== '' ? id : this.byAlgoClientId.get(cid);
      const t = algoId ? this.core.triggers.triggers.get(algoId) : undefined;
      const meta = t ? this.algos.get(t.id) : undefined;
      if (!t || !meta || t.state !== 'live' || (item.contract_code !== undefined && String(item.contract_code) !== t.instId)) {
        return { algo_id: algoId ?? id, algo_client_order_id: cid, code: 1061, message: 'The order does not exist.' };
      }
      this.core.triggers.cancel(t.id, undefined);
      return { algo_id: t.id, algo_client_order_id: meta.clientId, code: 200, message: 'Success' };
    });
    const failed = results.find((r) => r.code !== 200);
    // A batch of one that failed is the request's error; ccxt reads the code off the envelope.
    if (failed && results.length === 1) return V5.error(failed.code, failed.message);
    return htV5(results);
  }

  private algoRecord(t: SimTrigger): Record<string, unknown> {
    const m = this.ctx.byInstId(t.instId)!;
    const meta = this.algos.get(t.id)!;
    const fired = t.actualOrderId ? this.core.orders.orders.get(t.actualOrderId) : undefined;
    const trigger = htPrice(t.triggerPrice ?? 0, m);
    const limit = t.orderPrice !== null && t.orderPrice > 0 ? htPrice(t.orderPrice, m) : '0';
    const orderType = limit === '0' ? 'market' : 'limit';
    const legs =
      meta.type === 'tp'
        ? { tp_trigger_price: trigger, tp_order_price: limit, tp_type: orderType, tp_trigger_price_type: meta.priceType }
        : meta.type === 'sl'
          ? { sl_trigger_price: trigger, sl_order_price: limit, sl_type: orderType, sl_trigger_price_type: meta.priceType }
          : { trigger_price: trigger, price: limit === '0' ? '' : limit, trigger_price_type: meta.priceType, order_type: orderType };
    return {
      id: t.id,
      algo_id: t.id,
      algo_client_order_id: meta.clientId,
      contract_code: m.id,
      type: meta.type,
      side: t.side,
      position_side: 'both',
      margin_mode: t.marginMode,
      volume: String(htxVolume(t.size, m)),
      state: t.state === 'live' ? 'active' : t.state === 'canceled' ? 'canceled' : t.state === 'order_failed' ? 'rejected' : 'triggered',
      reduce_only: t.reduceOnly,
      order_id: t.actualOrderId,
      trade_volume: fired ? String(htxVolume(fired.filledSize, m)) : '0',
      trade_avg_price: fired && fired.filledSize > 0 ? decimal(fired.avgPrice, 8) : '0',
      order_source: 'api',
      created_time: String(t.createTimeMs),
      updated_time: String(fired?.updateTimeMs ?? t.updateTimeMs),
      ...legs,
    };
  }

  /** A price field: on the tick and positive; 0 when optional and absent. */
  private price(p: Params, name: string, m: SimMarket, required: boolean): number | DialectReply {
    const raw = p.get(name) ?? '';
    if (raw === '') return required ? V5.missing(name) : 0;
    const price = Number(raw);
    if (!(price > 0)) return V5.badValue(name, `Got "${raw}", expected a positive price.`);
    const ticks = price / m.tickSize;
    if (Math.abs(ticks - Math.round(ticks)) > 1e-6) return V5.badValue(name, `Got "${raw}", expected a multiple of the tick ${m.tickSize}.`);
    return price;
  }

  /** The order `order_id` (else `client_order_id`) names in market `m`; undefined when unknown. */
  private find(p: Params, m: SimMarket): SimOrder | DialectReply | undefined {
    const id = p.get('order_id') ?? '';
    const cid = p.get('client_order_id') ?? '';
    if (id === '' && cid === '') return V5.param('order_id or client_order_id is required');
    const orderId = id !== '' ? id : this.byClientId.get(cid);
    const o = orderId ? this.core.orders.orders.get(orderId) : undefined;
    return o && o.instId === m.id ? o : undefined;
  }

  private withCode(p: Params, fn: (m: SimMarket) => DialectReply): DialectReply {
    const code = p.get('contract_code');
    if (!code) return V5.missing('contract_code');
    const m = marketOf(this.ctx, code);
    return m ? fn(m) : V5.error(1013, 'This contract symbol doesnt exist.');
  }
}

/** The v5 trade API's errors: `{ code, message, data: null }` under HTTP 200. */
export const V5 = {
  error: (code: number, message: string): DialectReply => ({ status: 200, body: { code, message, data: null, success: false, ts: Date.now() } }),
  param: (detail: string): DialectReply => V5.error(1030, `Input error: ${detail}`),
  missing: (name: string): DialectReply => V5.error(1030, `Input error: ${name} cannot be empty.`),
  badValue: (name: string, detail: string): DialectReply => V5.error(1030, `Input error: ${name} is invalid. ${detail}`),
};

/** HTX's v5 `state` of a core order. */
function orderState(o: SimOrder): string {
  switch (o.state) {
    case 'live':
      return 'new';
    case 'partially_filled':
      return 'partially_filled';
    case 'filled':
      return 'filled';
    case 'partially_canceled':
      return 'partially_canceled';
    default:
      return 'canceled';
  }
}

function isOpen(o: SimOrder): boolean {
  return o.state === 'live' || o.state === 'partially_filled';
}

function marginMode(p: Params): MarginMode | DialectReply {
  const raw = p.get('margin_mode') ?? 'cross';
  return raw === 'cross' || raw === 'isolated' ? raw : V5.badValue('margin_mode', `Got "${raw}", expected cross or isolated.`);
}

function toQuery(p: Params): URLSearchParams {
  return new URLSearchParams([...p.entries()]);
}

/** A rejection of the shared order engine, in HTX's terms. */
function coreRejection(r: Rejection): DialectReply {
  switch (r.code) {
    case '103003':
      return V5.error(1047, 'Insufficient margin available.');
    case '102022':
      return V5.error(1048, 'Insufficient close amount available.');
    case '152014':
      return V5.error(1013, 'This contract symbol doesnt exist.');
    default:
      return V5.param(r.msg);
  }
}

/** A signed request's parameters as strings: the query of a GET, the top-level JSON fields of a POST. */
export function requestParams(method: string, query: URLSearchParams, body: string): Params | DialectReply {
  const p: Params = new Map();
  for (const [k, v] of query) if (!['AccessKeyId', 'SignatureMethod', 'SignatureVersion', 'Timestamp', 'Signature'].includes(k)) p.set(k, v);
  if (method !== 'POST' || body.trim() === '') return p;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return HT.param('the request body is not valid JSON');
  }
  if (Array.isArray(parsed)) {
    p.set(ITEMS, JSON.stringify(parsed));
    return p;
  }
  if (typeof parsed !== 'object' || parsed === null) return HT.param('the request body must be a JSON object or array');
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) if (v !== null && v !== undefined) p.set(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
  return p;
}
