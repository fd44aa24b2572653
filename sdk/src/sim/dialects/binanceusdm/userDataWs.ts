import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { contractsToBase } from '../../../market/contractUnits.js';
import type { SimFill } from '../../account.js';
import type { SimContext } from '../../context.js';
import type { FaultState } from '../../faults.js';
import type { SimOrder } from '../../orders.js';
import type { SimPrivateEvent } from '../../privateEvents.js';
import type { PrivateApi } from '../../restPrivate.js';
import type { SimTrigger } from '../../tpsl.js';
import type { SimApiKey, SimMarket } from '../../types.js';
import { decimal } from '../../wire.js';
import { algoRecord, orderRecord } from './records.js';
import { binanceUserDataOf, type BinanceUserData, type ListenKeyEnd } from './userDataRoutes.js';
import { binanceId, bnPrice, bnQty, bnQtyFromContracts } from './wire.js';

/** The socket ccxt pro opens for USD-M's user data: `/private/ws?listenKey=<key>`. */
const PRIVATE_PATH = '/private/ws';
/** Binance's legacy form, the key in the path: `/ws/<listenKey>`. */
const LEGACY_PATH = /^\/ws\/([A-Za-z0-9]{60,64})$/;

/**
 * Channel names `privateSubscriptions` answers, all counting the same sockets: Binance's user-data
 * stream has no channels, a socket following the active listenKey gets every event. `userData`
 * is the stream itself; its event names (`ORDER_TRADE_UPDATE`, `ALGO_UPDATE`, `ACCOUNT_UPDATE`)
 * and the dialect-neutral names of BloFin's channels (`orders`, `orders-algo`, `positions`,
 * `account`) are accepted too, so a test written for any dialect waits on it the same way.
 */
export const USER_DATA_CHANNELS: ReadonlySet<string> = new Set(['userData', 'ORDER_TRADE_UPDATE', 'ALGO_UPDATE', 'ACCOUNT_UPDATE', 'orders', 'orders-algo', 'positions', 'account']);

interface UserConn {
  ws: WebSocket;
  listenKey: string;
  /** Set once the key expired: the socket stays open but no more events arrive on it. */
  ended: boolean;
}

type Event = Record<string, unknown>;

/**
 * Binance USD-M's user-data stream over the core's account events: a socket opened with the
 * active listenKey receives `ORDER_TRADE_UPDATE` for every order change (one per fill, with the
 * fill's price, quantity, trade id, commission and maker flag; `NEW` first for an order not seen
 * before, `AMENDMENT` when its price or quantity changes), `ALGO_UPDATE` for conditional orders
 * placed on `/fapi/v1/algoOrder`, and `ACCOUNT_UPDATE` (USDT wallet and the positions that
 * moved) after fills and funding. When the key expires, its sockets get `listenKeyExpired` and
 * nothing more; a closed key (`DELETE`) closes them. An unknown or expired key is refused at the
 * upgrade with Binance's -1125.
 *
 * Events are rendered after the request or matching round that caused them, so an order's client
 * id (kept by the REST codec, set once the core accepted the order) is the one REST answers.
 */
export class BinanceUserDataStream {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly conns = new Set<UserConn>();
  private queue: SimPrivateEvent[] = [];
  /** Per order: its last announced state (status, filled, price, size), to tell NEW, AMENDMENT and repeats apart. */
  private readonly announced = new Map<string, string>();
  private readonly announcedAlgos = new Map<string, string>();
  private boundTo: BinanceUserData | null = null;
  private dataMessages = 0;

  constructor(
    private readonly ctx: SimContext,
    private readonly faults: FaultState,
    private readonly privateApi: PrivateApi | null,
    private readonly apiKey: SimApiKey | null,
  ) {}

  /** The listenKey an upgrade names, or null when the request is not for the user-data stream. */
  static listenKeyOf(rawUrl: string): string | null {
    const url = new URL(rawUrl, 'http://127.0.0.1');
    if (url.pathname === PRIVATE_PATH) return url.searchParams.get('listenKey') ?? '';
    return LEGACY_PATH.exec(url.pathname)?.[1] ?? null;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, listenKey: string): void {
    const data = this.data();
    if (!data || this.apiKey === null || this.privateApi === null || !data.keys.isActive(listenKey)) {
      refuse(socket);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const conn: UserConn = { ws, listenKey, ended: false };
      this.conns.add(conn);
      // Binance's user-data socket takes no requests; anything sent is ignored.
      ws.on('close', () => this.conns.delete(conn));
      ws.on('error', () => this.conns.delete(conn));
    });
  }

  /** An account change: rendered once the current request or matching round is done. */
  onPrivateEvent(e: SimPrivateEvent): void {
    // The core's records change in place: keep them as they were when the change happened.
    const copy: SimPrivateEvent = e.kind === 'order' ? { kind: 'order', order: { ...e.order } } : e.kind === 'fill' ? { kind: 'fill', fill: { ...e.fill } } : e.kind === 'trigger' ? { kind: 'trigger', trigger: { ...e.trigger } } : e;
    if (this.queue.length === 0) queueMicrotask(() => this.flush());
    this.queue.push(copy);
  }

  /** Runs listenKey expiry (each push round), so an idle key still ends on time. */
  sweep(): void {
    this.data()?.keys.sweep();
  }

  /** Sockets following the active key; see {@link USER_DATA_CHANNELS} for the names. */
  subscriptions(channel: string): number {
    if (!USER_DATA_CHANNELS.has(channel)) return 0;
    let n = 0;
    for (const c of this.conns) if (!c.ended) n++;
    return n;
  }

  messages(): number {
    return this.dataMessages;
  }

  dropAll(): void {
    for (const c of this.conns) c.ws.terminate();
    this.conns.clear();
  }

  async stop(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  /** The REST codec's user-data state, bound on first use (the dialect is created after the hub). */
  private data(): BinanceUserData | undefined {
    const data = binanceUserDataOf(this.ctx);
    if (data && this.boundTo !== data) {
      this.boundTo = data;
      data.keys.onEnd((key, why) => this.onKeyEnd(key, why));
    }
    return data;
  }

  private onKeyEnd(key: string, why: ListenKeyEnd): void {
    for (const c of this.conns) {
      if (c.listenKey !== key || c.ended) continue;
      c.ended = true;
      if (why === 'expired') this.send(c, { e: 'listenKeyExpired', E: this.ctx.nowMs(), listenKey: key });
      else c.ws.close(1000, 'listenKey closed');
    }
  }

  private flush(): void {
    const events = this.queue;
    this.queue = [];
    const data = this.data();
    if (!data || !this.privateApi) return;
    data.keys.sweep();
    const out: Event[] = [];
    const pendingFills = new Map<string, SimFill[]>();
    const moved = new Set<string>();
    let accountMoved = false;
    let traded = false;
    for (const e of events) {
      switch (e.kind) {
        case 'fill': {
          const list = pendingFills.get(e.fill.orderId) ?? [];
          list.push(e.fill);
          pendingFills.set(e.fill.orderId, list);
          traded = true;
          break;
        }
        case 'order':
          this.renderOrder(data, e.order, pendingFills.get(e.order.orderId) ?? [], out);
          pendingFills.delete(e.order.orderId);
          break;
        case 'trigger':
          this.renderAlgo(data, e.trigger, out);
          break;
        case 'position':
          moved.add(e.instId);
          accountMoved = true;
          break;
        case 'balance':
          accountMoved = true;
          break;
      }
    }
    // Fills whose order update did not follow in this round: rendered against the order as it is now.
    for (const [orderId, fills] of pendingFills) {
      const o = this.privateApi.orders.orders.get(orderId);
      if (o) this.renderOrder(data, { ...o }, fills, out);
    }
    if (accountMoved) out.push(this.accountUpdate(moved, traded ? 'ORDER' : 'FUNDING_FEE'));
    if (out.length === 0 || this.faults.silent) return;
    for (const c of this.conns) {
      if (c.ended || !data.keys.isActive(c.listenKey)) continue;
      for (const event of out) this.send(c, event);
    }
  }

  /**
   * ORDER_TRADE_UPDATE events for one order change: `NEW` when first seen, one `TRADE` per fill
   * (status, cumulative quantity and average price as of that fill), then `CANCELED`/`EXPIRED`
   * when it ended without filling fully, or `AMENDMENT` for a price or quantity change.
   */
  private renderOrder(data: BinanceUserData, o: SimOrder, fills: SimFill[], out: Event[]): void {
    const m = this.ctx.byInstId(o.instId);
    if (!m) return;
    const rec = orderRecord(o, m, data.orderMeta(o.orderId));
    const status = String(rec.status);
    const now = this.ctx.nowMs();
    const base = {
      s: binanceId(m),
      c: rec.clientOrderId,
      S: rec.side,
      o: rec.type,
      f: rec.timeInForce,
      q: rec.origQty,
      p: rec.price,
      sp: '0',
      i: rec.orderId,
      b: '0',
      a: '0',
      R: o.reduceOnly,
      wt: 'CONTRACT_PRICE',
      ot: rec.type,
      ps: 'BOTH',
      cp: false,
      pP: false,
      si: 0,
      ss: 0,
      V: 'EXPIRE_MAKER',
      pm: 'NONE',
      gtd: 0,
    };
    const event = (fields: Record<string, unknown>, atMs: number): Event => ({ e: 'ORDER_TRADE_UPDATE', E: now, T: atMs, o: { ...base, ...fields } });
    const fillsSize = fills.reduce((s, f) => s + f.size, 0);
    let filled = Math.max(0, o.filledSize - fillsSize);
    let notional = o.avgPrice * o.filledSize - fills.reduce((s, f) => s + f.price * f.size, 0);
    const previous = this.announced.get(o.orderId);
    const signature = `${status}|${o.filledSize}|${o.price}|${o.size}`;
    const quiet = { l: '0', L: '0', t: 0, m: false, rp: '0' };
    if (previous === undefined) {
      out.push(event({ ...quiet, x: 'NEW', X: 'NEW', ap: '0', z: bnQtyFromContracts(filled, m) }, o.createTimeMs));
    }
    for (const f of fills) {
      filled += f.size;
      notional += f.price * f.size;
      out.push(
        event(
          {
            x: 'TRADE',
            X: filled >= o.size ? 'FILLED' : 'PARTIALLY_FILLED',
            l: bnQtyFromContracts(f.size, m),
            z: bnQtyFromContracts(filled, m),
            L: bnPrice(f.price, m),
            ap: decimal(notional / filled, 8),
            N: 'USDT',
            n: decimal(f.fee, 8),
            t: Number(f.tradeId),
            m: f.maker,
            rp: decimal(f.pnl, 8),
          },
          f.tsMs,
        ),
      );
    }
    const ended = status === 'CANCELED' || status === 'EXPIRED';
    const changed = previous !== undefined && previous !== signature;
    const average = o.filledSize > 0 ? decimal(o.avgPrice, 8) : '0';
    if (ended && (changed || previous === undefined)) {
      out.push(event({ ...quiet, x: status, X: status, ap: average, z: bnQtyFromContracts(o.filledSize, m) }, o.updateTimeMs));
    } else if (!ended && changed && fills.length === 0 && (status === 'NEW' || status === 'PARTIALLY_FILLED')) {
      out.push(event({ ...quiet, x: 'AMENDMENT', X: status, ap: average, z: bnQtyFromContracts(o.filledSize, m) }, o.updateTimeMs));
    }
    this.announced.set(o.orderId, signature);
  }

  /** ALGO_UPDATE for a conditional order placed on `/fapi/v1/algoOrder` (other triggers are not Binance's). */
  private renderAlgo(data: BinanceUserData, t: SimTrigger, out: Event[]): void {
    const meta = data.algoMeta(t.id);
    const m = this.ctx.byInstId(t.instId);
    if (t.kind !== 'algo' || !meta || !m) return;
    const fired = t.actualOrderId ? this.privateApi?.orders.orders.get(t.actualOrderId) : undefined;
    const rec = algoRecord(t, m, meta, fired);
    const signature = `${String(rec.algoStatus)}|${String(rec.triggerPrice)}|${String(rec.quantity)}|${String(rec.price)}`;
    if (this.announcedAlgos.get(t.id) === signature) return;
    this.announcedAlgos.set(t.id, signature);
    const now = this.ctx.nowMs();
    out.push({
      e: 'ALGO_UPDATE',
      T: t.updateTimeMs,
      E: now,
      o: {
        caid: rec.clientAlgoId,
        aid: rec.algoId,
        at: 'CONDITIONAL',
        o: rec.orderType,
        s: rec.symbol,
        S: rec.side,
        ps: 'BOTH',
        f: rec.timeInForce,
        q: rec.quantity,
        X: rec.algoStatus,
        ai: rec.actualOrderId ?? '',
        ap: rec.actualPrice,
        aq: rec.actualQty,
        act: fired ? (fired.orderType === 'market' ? 'MARKET' : 'LIMIT') : '0',
        tp: rec.triggerPrice,
        p: rec.price,
        V: 'EXPIRE_MAKER',
        wt: rec.workingType,
        pm: 'NONE',
        cp: rec.closePosition,
        pP: false,
        R: rec.reduceOnly,
        tt: rec.triggerTime,
        gtd: 0,
        ...(t.state === 'order_failed' ? { rm: 'The triggered order was rejected.' } : {}),
      },
    });
  }

  /** ACCOUNT_UPDATE: the USDT wallet and every position in `instIds` (a closed one with amount 0). */
  private accountUpdate(instIds: Set<string>, reason: string): Event {
    const account = this.privateApi!.account;
    const now = this.ctx.nowMs();
    const wallet = decimal(account.balanceUsdt, 8);
    const positions: Event[] = [];
    for (const instId of instIds) {
      const m = this.ctx.byInstId(instId);
      if (m) positions.push(this.positionRow(m));
    }
    return { e: 'ACCOUNT_UPDATE', E: now, T: now, a: { m: reason, B: [{ a: 'USDT', wb: wallet, cw: wallet, bc: '0' }], P: positions } };
  }

  private positionRow(m: SimMarket): Event {
    const account = this.privateApi!.account;
    const pos = account.positions.get(m.id);
    if (!pos) return { s: binanceId(m), pa: bnQty(0, m), ep: '0', bep: '0', cr: '0', up: '0', mt: account.marginMode, iw: '0', ps: 'BOTH', ma: 'USDT' };
    const amountBase = contractsToBase(m, pos.size);
    const isolated = pos.marginMode === 'isolated';
    const margin = Math.abs(amountBase * account.markPrice(m)) / pos.leverage;
    return {
      s: binanceId(m),
      pa: bnQty(amountBase, m),
      ep: decimal(pos.avgPrice, 8),
      bep: decimal(pos.avgPrice, 8),
      cr: decimal(pos.realizedPnl, 8),
      up: decimal(account.unrealizedPnl(pos, m), 8),
      mt: isolated ? 'isolated' : 'cross',
      iw: isolated ? decimal(margin, 8) : '0',
      ps: 'BOTH',
      ma: 'USDT',
    };
  }

  private send(conn: UserConn, msg: Event): void {
    if (conn.ws.readyState !== conn.ws.OPEN) return;
    this.dataMessages++;
    conn.ws.send(JSON.stringify(msg));
  }
}

/** Refuses an upgrade as Binance refuses an unknown listenKey: HTTP 400 with -1125. */
function refuse(socket: Duplex): void {
  const body = JSON.stringify({ code: -1125, msg: 'This listenKey does not exist.' });
  socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
