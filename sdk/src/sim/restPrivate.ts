import type { IncomingHttpHeaders } from 'node:http';
import { SimAccount, type MarginMode } from './account.js';
import { parseAttachedTpsl } from './attachedTpsl.js';
import { NonceRegistry } from './nonces.js';
import { verifyRest, verifyWsLogin, type AuthFailure } from './auth.js';
import type { SimContext } from './context.js';
import type { FaultState } from './faults.js';
import { OrderEngine, type Rejection, type SimOrder } from './orders.js';
import { closedPositions, closeState, positionHistoryRecord } from './positionHistory.js';
import { fillRecord, orderRecord, triggerRecord } from './records.js';
import { billsReply, type SimTransfer } from './transfers.js';
import { TriggerEngine, type SimTrigger } from './tpsl.js';
import type { AccountSnapshot, SimApiKey } from './types.js';
import { fail, ok, perItem, reject, type Reply } from './wire.js';
import type { PrivateChannel } from './wsHub.js';
import type { SimPrivateEvent, SimPrivateListener } from './privateEvents.js';

type Body = Record<string, unknown>;
type Push = (channel: PrivateChannel, data: unknown, action?: string) => void;

const MATCH_INTERVAL_MS = 100;
/** BloFin's page size for order and fill history when `limit` is absent, and its maximum. */
const DEFAULT_PAGE_LIMIT = 20;
const MAX_PAGE_LIMIT = 100;
const PLACEMENTS = new Set(['/api/v1/trade/order', '/api/v1/trade/batch-orders', '/api/v1/trade/order-tpsl', '/api/v1/trade/order-algo', '/api/v1/trade/close-position']);
const LOOKUPS = new Set([
  '/api/v1/trade/order-detail',
  '/api/v1/trade/orders-pending',
  '/api/v1/trade/orders-history',
  '/api/v1/trade/orders-tpsl-pending',
  '/api/v1/trade/order-tpsl-detail',
  '/api/v1/trade/orders-tpsl-history',
  '/api/v1/trade/orders-algo-pending',
  '/api/v1/trade/orders-algo-history',
]);

/** BloFin's private REST API over the sim's test account, with signature checks and faults. */
export class PrivateApi {
  readonly account: SimAccount;
  readonly orders: OrderEngine;
  readonly triggers: TriggerEngine;
  private readonly nonces = new NonceRegistry();
  /** Funds transfers into and out of the futures account; the initial balance arrives as one. */
  private readonly transfers: SimTransfer[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<SimPrivateListener>();
  /** Fills already announced to the listeners (the account's fill list only grows). */
  private announcedFills = 0;

  constructor(
    private readonly ctx: SimContext,
    private readonly faults: FaultState,
    private readonly key: SimApiKey | null,
    initialBalanceUsdt: number,
    private readonly push: Push,
  ) {
    this.account = new SimAccount(ctx, initialBalanceUsdt);
    this.orders = new OrderEngine(
      ctx,
      this.account,
      (o) => {
        this.announceFills();
        this.emit({ kind: 'order', order: o });
        this.push('orders', [this.orderRecord(o)], 'update');
      },
      (instId) => this.pushPosition(instId),
    );
    this.triggers = new TriggerEngine(ctx, this.account, this.orders, (t) => {
      this.emit({ kind: 'trigger', trigger: t });
      this.push('orders-algo', [triggerRecord(t)], 'update');
    });
    if (initialBalanceUsdt > 0) {
      this.transfers.push({ transferId: '1', currency: 'USDT', fromAccount: 'funding', toAccount: 'futures', amount: initialBalanceUsdt, tsMs: ctx.nowMs(), clientId: '' });
    }
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), MATCH_INTERVAL_MS);
  }

  /** Follows the account's changes (the private websockets of every dialect); returns the unsubscribe. */
  onPrivateEvent(listener: SimPrivateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: SimPrivateEvent): void {
    // A listener's failure must not stop the matching engine that called it.
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A dialect's rendering bug loses that one push; the REST view stays the truth.
      }
    }
  }

  private announceFills(): void {
    const fills = this.account.fills;
    while (this.announcedFills < fills.length) this.emit({ kind: 'fill', fill: fills[this.announcedFills++]! });
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  verifyLogin(arg: Record<string, unknown>): AuthFailure | null {
    return verifyWsLogin(this.key, arg, Date.now());
  }

  /** Answers one private request; 'hang' means processed but never answered. */
  handle(method: string, requestPath: string, path: string, query: URLSearchParams, rawBody: string, headers: IncomingHttpHeaders): Reply | 'hang' {
    const denied = verifyRest(this.key, method, requestPath, method === 'GET' ? '' : rawBody, headers, Date.now());
    if (denied) return reject(denied.code, denied.msg);
    const rawNonce = headers['access-nonce'];
    const nonce = Array.isArray(rawNonce) ? (rawNonce[0] ?? '') : (rawNonce ?? '');
    if (this.faults.isForeignNonce(nonce) || !this.nonces.admit(nonce, this.faults.serverNowMs())) {
      return reject('152407', 'Repeated nonce, Reusing within 60 seconds is not allowed.');
    }
    let body: unknown = {};
    if (method !== 'GET' && rawBody !== '') {
      try {
        body = JSON.parse(rawBody);
      } catch {
        return reject('152004', 'JSON syntax error');
      }
    }
    const q: Body = Object.fromEntries(query.entries());
    const input = method === 'GET' ? q : body;
    const hangAfter = PLACEMENTS.has(path) && this.faults.takeAcceptThenTimeout();
    const hidden = LOOKUPS.has(path) && this.faults.takeHiddenLookup();
    this.orders.fillRatio = this.faults.fillRatio;
    const reply = this.route(`${method} ${path}`, input, hidden);
    return hangAfter ? 'hang' : reply;
  }

  private route(key: string, input: unknown, hidden: boolean): Reply {
    const b = (input ?? {}) as Body;
    const list = Array.isArray(input) ? (input as Body[]) : [];
    const now = this.ctx.nowMs();
    switch (key) {
      case 'GET /api/v1/account/balance':
        return ok(this.account.balanceRecord(this.orders.frozenMargin(), now));
      case 'GET /api/v1/asset/balances': {
        const eq = this.account.equity();
        return ok([{ currency: 'USDT', balance: String(eq), available: String(eq - this.account.positionMargin() - this.orders.frozenMargin()), frozen: '0', bonus: '0' }]);
      }
      case 'GET /api/v1/account/positions':
        return ok([...this.account.positions.values()].filter((p) => !b.instId || p.instId === b.instId).map((p) => this.account.positionRecord(p)));
      case 'GET /api/v1/account/positions-history':
        return this.positionsHistory(b);
      case 'GET /api/v1/asset/bills':
        return billsReply(this.transfers, b);
      case 'GET /api/v1/account/margin-mode':
        return ok({ marginMode: this.account.marginMode });
      case 'POST /api/v1/account/set-margin-mode': {
        const mode = b.marginMode;
        if (mode !== 'cross' && mode !== 'isolated') return reject('152002', `Parameter marginMode error: got "${String(mode)}", expected cross or isolated`);
        if (mode !== this.account.marginMode && (this.account.positions.size > 0 || this.openOrders().length > 0)) {
          return reject('110019', 'Setting failed. Cancel any open orders, and close positions first.');
        }
        this.account.marginMode = mode as MarginMode;
        return ok({ marginMode: mode });
      }
      case 'GET /api/v1/account/position-mode':
        return ok({ positionMode: 'net_mode' });
      case 'POST /api/v1/account/set-position-mode':
        return b.positionMode === 'net_mode' ? ok({ positionMode: 'net_mode' }) : reject('102089', 'Position mode mismatch: the sim supports net_mode only');
      case 'GET /api/v1/account/leverage-info':
      case 'GET /api/v1/account/batch-leverage-info': {
        const ids = String(b.instId ?? '').split(',').filter((x) => x !== '');
        if (ids.length === 0) return reject('152001', 'Parameter instId cannot be empty');
        const mode = marginModeParam(b.marginMode);
        if (typeof mode !== 'string') return mode;
        const rows = ids.map((id) => ({ instId: id, leverage: String(this.account.leverageOf(id, mode)), marginMode: mode, positionSide: 'net' }));
        return ok(key.includes('batch') ? rows : rows[0]);
      }
      case 'POST /api/v1/account/set-leverage': {
        const m = this.ctx.byInstId(String(b.instId ?? ''));
        if (!m) return reject('152014', `Instrument ID does not exist: ${String(b.instId)}`);
        const mode = marginModeParam(b.marginMode);
        if (typeof mode !== 'string') return mode;
        const lev = Number(b.leverage);
        if (!Number.isInteger(lev) || lev < 1 || lev > (m.maxLeverage ?? 50)) return reject('152002', `Parameter leverage error: got "${String(b.leverage)}", expected 1..${m.maxLeverage ?? 50}`);
        if (this.openOrders().some((o) => o.instId === m.id && o.marginMode === mode)) return reject('110006', 'You have pending cross orders. Please cancel them before adjusting your leverage.');
        this.account.setLeverage(m.id, mode, lev);
        return ok({ instId: m.id, leverage: String(lev), marginMode: mode, positionSide: 'net' });
      }
      case 'POST /api/v1/trade/order':
        return this.placeOne(b);
      case 'POST /api/v1/trade/batch-orders':
        return perItem(list.map((o) => this.placeResult(o)));
      case 'POST /api/v1/trade/cancel-order':
        return perItem([this.cancelResult(b)]);
      case 'POST /api/v1/trade/cancel-batch-orders':
        return perItem(list.map((o) => this.cancelResult(o)));
      case 'GET /api/v1/trade/order-detail': {
        const o = hidden ? undefined : b.orderId ? this.orders.orders.get(String(b.orderId)) : b.clientOrderId ? this.orders.byClientId(String(b.clientOrderId)) : undefined;
        if (!o || (b.instId && o.instId !== b.instId)) return reject('102067', 'Order does not exist');
        return ok(this.orderRecord(o));
      }
      case 'GET /api/v1/trade/orders-pending':
        return pageReply(hidden ? [] : this.openOrders().filter((o) => matches(o, b)), b, (o) => o.orderId, (o) => this.orderRecord(o));
      case 'GET /api/v1/trade/orders-history':
        return pageReply(hidden ? [] : [...this.orders.orders.values()].filter((o) => !isOpen(o) && matches(o, b)), b, (o) => o.orderId, (o) => this.orderRecord(o));
      case 'GET /api/v1/trade/fills-history':
        return pageReply(
          this.account.fills.filter((f) => (!b.instId || f.instId === b.instId) && (!b.orderId || f.orderId === b.orderId)).map((f) => ({ ...f, createTimeMs: f.tsMs })),
          b,
          (f) => f.tradeId,
          fillRecord,
        );
      case 'POST /api/v1/trade/order-tpsl':
      case 'POST /api/v1/trade/order-algo': {
        const kind = key.endsWith('tpsl') ? 'tpsl' : 'algo';
        const r = this.triggers.create(kind, b);
        if (isRejection(r)) return reject(r.code, r.msg);
        return ok(kind === 'tpsl' ? { tpslId: r.id, clientOrderId: r.clientOrderId, code: '0', msg: '' } : { algoId: r.id, clientOrderId: r.clientOrderId, code: '0', msg: '' });
      }
      case 'POST /api/v1/trade/cancel-tpsl':
        return perItem(
          (list.length > 0 ? list : [b]).map((o) => {
            const r = this.triggers.cancel(str(o.tpslId), str(o.clientOrderId));
            return isRejection(r) ? { tpslId: str(o.tpslId) ?? null, clientOrderId: str(o.clientOrderId) ?? '', code: r.code, msg: r.msg } : { tpslId: r.id, clientOrderId: r.clientOrderId, code: '0', msg: '' };
          }),
        );
      case 'POST /api/v1/trade/cancel-algo': {
        const r = this.triggers.cancel(str(b.algoId), str(b.clientOrderId));
        if (isRejection(r)) return reject(r.code, r.msg);
        return ok({ algoId: r.id, clientOrderId: r.clientOrderId, code: '0', msg: '' });
      }
      case 'GET /api/v1/trade/orders-tpsl-pending':
      case 'GET /api/v1/trade/orders-algo-pending':
      case 'GET /api/v1/trade/orders-tpsl-history':
      case 'GET /api/v1/trade/orders-algo-history': {
        const kind = key.includes('tpsl') ? 'tpsl' : 'algo';
        const pending = key.includes('pending');
        const rows = [...this.triggers.triggers.values()].filter(
          (t) => t.kind === kind && (t.state === 'live') === pending && (!b.instId || t.instId === b.instId) && (!b.clientOrderId || t.clientOrderId === b.clientOrderId),
        );
        return pageReply(hidden ? [] : rows, b, (t) => t.id, triggerRecord);
      }
      case 'GET /api/v1/trade/order-tpsl-detail': {
        const t = hidden ? undefined : [...this.triggers.triggers.values()].find((x) => x.kind === 'tpsl' && (x.id === b.tpslId || (b.clientOrderId !== undefined && x.clientOrderId === b.clientOrderId)));
        return t ? ok(triggerRecord(t)) : reject('102067', 'Order does not exist');
      }
      case 'POST /api/v1/trade/close-position': {
        const instId = String(b.instId ?? '');
        const p = this.account.positions.get(instId);
        if (!p) return reject('102005', 'Position had been closed');
        const r = this.orders.place({ instId, side: p.size > 0 ? 'sell' : 'buy', orderType: 'market', size: Math.abs(p.size), reduceOnly: true, clientOrderId: str(b.clientOrderId) });
        if (isRejection(r)) return reject(r.code, r.msg);
        return ok({ instId, positionSide: 'net', clientOrderId: r.clientOrderId });
      }
      default:
        return fail(404, '404', `Not Found: ${key}`);
    }
  }

  snapshot(): AccountSnapshot {
    return {
      balanceUsdt: this.account.balanceUsdt,
      equityUsdt: this.account.equity(),
      positions: [...this.account.positions.values()].map((p) => this.account.positionRecord(p)),
      orders: [...this.orders.orders.values()].map((o) => this.orderRecord(o)),
      triggers: [...this.triggers.triggers.values()].map(triggerRecord),
      fills: this.account.fills.map(fillRecord),
    };
  }

  private placeOne(b: Body): Reply {
    return perItem([this.placeResult(b)]);
  }

  private placeResult(b: Body): { orderId: string | null; clientOrderId: string; code: string; msg: string } {
    const refused = (code: string, msg: string): { orderId: null; clientOrderId: string; code: string; msg: string } => ({ orderId: null, clientOrderId: str(b.clientOrderId) ?? '', code, msg });
    const mode = str(b.marginMode);
    if (mode === undefined) return refused('152001', 'Parameter marginMode cannot be empty');
    if (mode !== 'cross' && mode !== 'isolated') return refused('152002', `Parameter marginMode error: got "${mode}", expected cross or isolated`);
    // One margin mode per account on BloFin: an order in the other mode is refused, never
    // silently traded in the position's mode.
    const held = this.account.positions.get(String(b.instId ?? ''))?.marginMode ?? this.account.marginMode;
    if (mode !== held) return refused('152002', `Parameter marginMode error: got "${mode}", the account trades ${held}`);
    const attached = this.attachedTpsl(b);
    if (attached !== null && 'code' in attached) return refused(attached.code, attached.msg);
    const r = this.orders.place({
      instId: String(b.instId ?? ''),
      side: String(b.side ?? ''),
      orderType: String(b.orderType ?? ''),
      size: String(b.size ?? ''),
      price: str(b.price),
      reduceOnly: b.reduceOnly as string | boolean | undefined,
      clientOrderId: str(b.clientOrderId),
      marginMode: str(b.marginMode),
      brokerId: str(b.brokerId),
    });
    if (isRejection(r)) return refused(r.code, r.msg);
    if (attached !== null) this.triggers.attach(r, attached);
    return { orderId: r.orderId, clientOrderId: r.clientOrderId, code: '0', msg: '' };
  }

  /**
   * The TP/SL attached to an order request, checked against its side, type and price and the
   * instrument's touch; null when none is attached or the order itself is malformed (the order
   * engine names that fault).
   */
  private attachedTpsl(b: Body): ReturnType<typeof parseAttachedTpsl> {
    const m = this.ctx.byInstId(String(b.instId ?? ''));
    const side = b.side;
    if (!m || (side !== 'buy' && side !== 'sell')) return null;
    const isMarket = b.orderType === 'market';
    const price = Number(b.price);
    if (!isMarket && !(price > 0)) return null;
    const book = this.ctx.source.orderBook(m.symbol, this.ctx.tradingTime(m, this.ctx.nowMs()), 1);
    return parseAttachedTpsl(b, { side, isMarket, price, bestBid: book.bids[0]?.[0] ?? null, bestAsk: book.asks[0]?.[0] ?? null });
  }

  /**
   * `account/positions-history`: closed positions rebuilt from the fills, filtered by `instId`,
   * `positionId` and `state`, paged by `historyId` like the other histories.
   */
  private positionsHistory(b: Body): Reply {
    if (b.after !== undefined && b.before !== undefined) return reject('152002', 'Parameter after error: after and before cannot be used together');
    const closed = closedPositions(this.account.fills, (orderId) => {
      const o = this.orders.orders.get(orderId);
      return o && { marginMode: o.marginMode, leverage: o.leverage, liquidation: o.orderCategory === 'liquidation' };
    }).filter((c) => (!b.instId || c.instId === b.instId) && (!b.positionId || c.positionId === b.positionId) && (!b.state || closeState(c) === b.state));
    return pageReply(closed, b, (c) => c.historyId, (c) => positionHistoryRecord(c, this.ctx.byInstId(c.instId)?.contractSize ?? 1));
  }

  /** The order record, showing the TP/SL attached to it as BloFin does. */
  private orderRecord(o: SimOrder): Record<string, string | null> {
    const a = this.triggers.attachedTo(o.orderId);
    const rec = orderRecord(o);
    if (!a) return rec;
    const n = (v: number | null): string | null => (v === null ? null : String(v));
    return { ...rec, tpTriggerPrice: n(a.tpTriggerPrice), tpOrderPrice: n(a.tpOrderPrice), slTriggerPrice: n(a.slTriggerPrice), slOrderPrice: n(a.slOrderPrice) };
  }

  private cancelResult(b: Body): { orderId: string | null; clientOrderId: string; code: string; msg: string } {
    const r = this.orders.cancel(String(b.instId ?? ''), str(b.orderId), str(b.clientOrderId));
    return isRejection(r) ? { orderId: str(b.orderId) ?? null, clientOrderId: str(b.clientOrderId) ?? '', code: r.code, msg: r.msg } : { orderId: r.orderId, clientOrderId: r.clientOrderId, code: '0', msg: '' };
  }

  private openOrders(): SimOrder[] {
    return [...this.orders.orders.values()].filter(isOpen);
  }

  private pushPosition(instId: string): void {
    const p = this.account.positions.get(instId);
    const record = p
      ? this.account.positionRecord(p)
      : { instType: 'SWAP', instId, marginMode: this.account.marginMode, positionSide: 'net', positions: '0', availablePositions: '0', averagePrice: '0', unrealizedPnl: '0', leverage: String(this.account.leverageOf(instId, this.account.marginMode)), markPrice: '0', initialMargin: '0', maintenanceMargin: '0', notionalUsd: '0', createTime: String(this.ctx.nowMs()), updateTime: String(this.ctx.nowMs()) };
    this.announceFills();
    this.emit({ kind: 'position', instId });
    this.emit({ kind: 'balance' });
    this.push('positions', [record]);
    this.push('account', this.account.balanceRecord(this.orders.frozenMargin(), this.ctx.nowMs()));
  }

  private tick(): void {
    for (const instId of this.account.settleFunding(this.ctx.nowMs())) this.pushPosition(instId);
    this.orders.tick();
    this.triggers.tick();
    this.liquidateIfUnderwater();
  }

  /** Cross margin: when equity falls to the maintenance margin, every position is closed at market. */
  private liquidateIfUnderwater(): void {
    if (this.account.positions.size === 0 || this.account.equity() > this.account.maintenanceMargin()) return;
    for (const p of [...this.account.positions.values()]) {
      this.orders.place({ instId: p.instId, side: p.size > 0 ? 'sell' : 'buy', orderType: 'market', size: Math.abs(p.size), reduceOnly: true, category: 'liquidation' });
    }
  }
}

function str(v: unknown): string | undefined {
  return v === undefined || v === null || v === '' ? undefined : String(v);
}

function isRejection(r: unknown): r is Rejection {
  return typeof r === 'object' && r !== null && 'code' in r && !('orderId' in r) && !('id' in r);
}

function matches(o: SimOrder, b: Body): boolean {
  return (!b.instId || o.instId === b.instId) && (!b.orderId || o.orderId === b.orderId) && (!b.clientOrderId || o.clientOrderId === b.clientOrderId);
}

function isOpen(o: SimOrder): boolean {
  return o.state === 'live' || o.state === 'partially_filled';
}

/** `marginMode`, which BloFin requires on leverage calls (leverage is kept per mode). */
function marginModeParam(v: unknown): MarginMode | Reply {
  if (v === undefined || v === null || v === '') return reject('152001', 'Parameter marginMode cannot be empty');
  return v === 'cross' || v === 'isolated' ? v : reject('152002', `Parameter marginMode error: got "${String(v)}", expected cross or isolated`);
}

/**
 * One page of history as BloFin serves it: newest first by id, `after` (older than that id) and
 * `before` (newer than that id) as cursors, `begin`/`end` (ms) as time bounds, and `limit`
 * (default 20, max 100). Ids are decimal strings of one increasing sequence.
 */
function pageReply<T extends { createTimeMs: number }>(rows: T[], b: Body, idOf: (r: T) => string, record: (r: T) => unknown): Reply {
  const limit = b.limit === undefined || b.limit === '' ? DEFAULT_PAGE_LIMIT : Number(b.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) return reject('152002', `Parameter limit error: got "${String(b.limit)}", expected an integer 1..${MAX_PAGE_LIMIT}`);
  const cursor = (k: 'after' | 'before'): bigint | null | Reply => {
    const v = b[k];
    if (v === undefined || v === '') return null;
    return /^\d{1,30}$/.test(String(v)) ? BigInt(String(v)) : reject('152002', `Parameter ${k} error: got "${String(v)}", expected an id`);
  };
  const after = cursor('after');
  const before = cursor('before');
  if (after !== null && typeof after !== 'bigint') return after;
  if (before !== null && typeof before !== 'bigint') return before;
  const begin = Number(b.begin ?? 0) || 0;
  const end = Number(b.end ?? 0) || Number.POSITIVE_INFINITY;
  const id = (r: T): bigint => BigInt(idOf(r));
  const selected = rows
    .filter((r) => r.createTimeMs >= begin && r.createTimeMs <= end && (after === null || id(r) < after) && (before === null || id(r) > before))
    .sort((x, y) => (id(y) > id(x) ? 1 : id(y) < id(x) ? -1 : 0));
  // With only `before`, the page is the oldest rows newer than the cursor, still served newest first.
  const window = before !== null && after === null ? selected.slice(-limit) : selected.slice(0, limit);
  return ok(window.map(record));
}

export type { SimTrigger };
