import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { SimContext } from '../../context.js';
import type { FaultState } from '../../faults.js';
import type { SimPrivateEvent } from '../../privateEvents.js';
import type { PrivateApi } from '../../restPrivate.js';
import { barCode } from '../../timeframes.js';
import type { SimApiKey, SimCandle, SimMarket } from '../../types.js';
import { decimal } from '../../wire.js';
import { diffLevels } from '../../wsHub.js';
import { binanceId as bybitId, bnPrice as byPrice, bnQty as byQty, SymbolIndex } from '../binanceusdm/wire.js';
import { BybitPrivateStream, readBybitFrame } from './privateWs.js';
import { ticker } from './publicRoutes.js';
import { BYBIT_INTERVALS } from './wire.js';

const CANDLE_REFRESH_MS = 500;
const TICKER_REFRESH_MS = 1_000;
const MAX_CATCH_UP_BARS = 50;
const MAX_TRADES_PER_PUSH = 500;
/** Depths of Bybit's linear `orderbook.{depth}.{symbol}` topics. */
const BOOK_DEPTHS = new Set([1, 50, 200, 1000]);

interface Sub {
  topic: string;
  kind: 'orderbook' | 'publicTrade' | 'kline' | 'tickers';
  m: SimMarket;
  dueWallMs: number;
  depth?: number;
  interval?: string;
  tfMs?: number;
  lastOpen?: number;
  lastMs?: number;
  prevBook?: { bids: Map<string, string>; asks: Map<string, string> };
  /** Orderbook update id: 1 on a snapshot, +1 per delta (Bybit resets it with each snapshot). */
  u?: number;
}

interface Conn {
  ws: WebSocket;
  id: string;
  subs: Map<string, Sub>;
}

/**
 * Bybit v5's public linear stream (`wss://stream.bybit.com/v5/public/linear`) as ccxt pro's bybit
 * speaks it: `{ op: 'subscribe', args, req_id }` answered `{ success, ret_msg, conn_id, req_id, op }`,
 * `ping`/`pong` as ops, and pushes on `orderbook.{1,50,200,1000}.{symbol}` (a snapshot on
 * subscribing, then deltas with size "0" for a level gone), `publicTrade.{symbol}`,
 * `kline.{interval}.{symbol}` and `tickers.{symbol}` (mark, index and funding included).
 * The private stream `/v5/private` (auth, then `order`, `execution`, `position`, `wallet`) is
 * {@link BybitPrivateStream}, fed by the core's account events.
 * `silenceWebsockets` stops every push, `dropWebsockets` terminates every socket.
 */
export class BybitWsHub {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly conns = new Set<Conn>();
  private readonly symbols: SymbolIndex;
  private timer: NodeJS.Timeout | null = null;
  private pushRounds = 0;
  private dataMessages = 0;
  private connSeq = 0;
  private readonly privateStream: BybitPrivateStream;

  constructor(
    private readonly ctx: SimContext,
    private readonly faults: FaultState,
    private readonly pushIntervalMs: number,
    account: PrivateApi,
    apiKey: SimApiKey | null,
  ) {
    this.symbols = new SymbolIndex(ctx);
    this.privateStream = new BybitPrivateStream(ctx, faults, account, apiKey);
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.pushIntervalMs);
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/v5/private') {
      this.wss.handleUpgrade(req, socket, head, (ws) => this.privateStream.accept(ws, `sim-${++this.connSeq}`));
      return;
    }
    if (path !== '/v5/public/linear') {
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const conn: Conn = { ws, id: `sim-${++this.connSeq}`, subs: new Map() };
      this.conns.add(conn);
      ws.on('message', (data) => this.onMessage(conn, data));
      ws.on('close', () => this.conns.delete(conn));
      ws.on('error', () => this.conns.delete(conn));
    });
  }

  dropAll(): void {
    for (const c of this.conns) c.ws.terminate();
    this.conns.clear();
    this.privateStream.dropAll();
  }

  counters(): { pushRounds: number; dataMessages: number } {
    return { pushRounds: this.pushRounds, dataMessages: this.dataMessages + this.privateStream.pushedMessages() };
  }

  /** Authenticated private sockets subscribed to `topic` (`order`, `execution`, `position`, `wallet`). */
  privateSubscriptions(topic: string): number {
    return this.privateStream.subscriptions(topic);
  }

  onPrivateEvent(e: SimPrivateEvent): void {
    this.privateStream.onEvent(e);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.dropAll();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private onMessage(conn: Conn, data: RawData): void {
    const frame = readBybitFrame(data);
    if (!frame) {
      this.send(conn, { success: false, ret_msg: 'error:invalid json', conn_id: conn.id, op: '' });
      return;
    }
    const { op, args, reqId } = frame;
    if (op === 'ping') {
      this.send(conn, { success: true, ret_msg: 'pong', conn_id: conn.id, ...reqId, op: 'ping' });
      return;
    }
    if (op === 'subscribe') {
      const subs: Sub[] = [];
      for (const topic of args) {
        const sub = this.parseTopic(topic);
        if (!sub) {
          this.send(conn, { success: false, ret_msg: `error:handler not found,topic:${topic}`, conn_id: conn.id, ...reqId, op });
          return;
        }
        subs.push(sub);
      }
      this.send(conn, { success: true, ret_msg: '', conn_id: conn.id, ...reqId, op });
      const wall = Date.now();
      for (const sub of subs) {
        conn.subs.set(sub.topic, sub);
        if (!this.faults.silent) this.refresh(conn, sub, wall, true);
      }
      return;
    }
    if (op === 'unsubscribe') {
      for (const topic of args) conn.subs.delete(topic);
      this.send(conn, { success: true, ret_msg: '', conn_id: conn.id, ...reqId, op });
      return;
    }
    this.send(conn, { success: false, ret_msg: `error:unknown op "${op}"`, conn_id: conn.id, ...reqId, op });
  }

  private parseTopic(topic: string): Sub | undefined {
    const parts = topic.split('.');
    const m = this.symbols.get(parts[parts.length - 1]);
    if (!m) return undefined;
    if (parts.length === 3 && parts[0] === 'orderbook') {
      const depth = Number(parts[1]);
      return BOOK_DEPTHS.has(depth) ? { topic, kind: 'orderbook', m, dueWallMs: 0, depth } : undefined;
    }
    if (parts.length === 3 && parts[0] === 'kline') {
      const interval = parts[1]!;
      const tfMs = BYBIT_INTERVALS[interval];
      if (tfMs === undefined || barCode(tfMs) === null || !this.ctx.source.supportsTimeframe(tfMs)) return undefined;
      return { topic, kind: 'kline', m, dueWallMs: 0, interval, tfMs };
    }
    if (parts.length === 2 && (parts[0] === 'publicTrade' || parts[0] === 'tickers')) return { topic, kind: parts[0], m, dueWallMs: 0 };
    return undefined;
  }

  private tick(): void {
    this.pushRounds++;
    if (this.faults.silent) return;
    const wall = Date.now();
    for (const conn of this.conns) for (const sub of conn.subs.values()) this.refresh(conn, sub, wall, false);
  }

  private refresh(conn: Conn, sub: Sub, wall: number, initial: boolean): void {
    const m = sub.m;
    const now = this.ctx.nowMs();
    const at = this.ctx.tradingTime(m, now);
    const live = this.ctx.isLive(m, now);
    if (sub.kind === 'kline') {
      this.refreshKline(conn, sub, now, at, wall, initial, live);
      return;
    }
    if (!live) return;
    if (sub.kind === 'orderbook') {
      this.refreshBook(conn, sub, now, at);
      return;
    }
    if (sub.kind === 'publicTrade') {
      const from = sub.lastMs ?? at + 1;
      sub.lastMs = at + 1;
      if (from >= at + 1) return;
      const trades = this.ctx.source.trades(m.symbol, from, at + 1).slice(-MAX_TRADES_PER_PUSH);
      if (trades.length === 0) return;
      const data = trades.map((t) => ({
        T: t.timestampMs,
        s: bybitId(m),
        S: t.side === 'sell' ? 'Sell' : 'Buy',
        v: byQty(t.amount, m),
        p: byPrice(t.price, m),
        L: 'ZeroPlusTick',
        i: String(t.id ?? t.timestampMs),
        BT: false,
        RPI: false,
      }));
      this.send(conn, { topic: sub.topic, type: 'snapshot', ts: now, data });
      return;
    }
    if (!initial && wall < sub.dueWallMs) return;
    sub.dueWallMs = wall + TICKER_REFRESH_MS;
    const t = ticker(this.ctx, this.faults, m, now);
    if (t) this.send(conn, { topic: sub.topic, type: 'snapshot', data: t, cs: now, ts: now });
  }

  private refreshBook(conn: Conn, sub: Sub, now: number, at: number): void {
    const m = sub.m;
    const book = this.ctx.source.orderBook(m.symbol, at, sub.depth!);
    const bids = new Map(book.bids.map(([p, a]) => [byPrice(p, m), byQty(a, m)]));
    const asks = new Map(book.asks.map(([p, a]) => [byPrice(p, m), byQty(a, m)]));
    const prev = sub.prevBook;
    sub.prevBook = { bids, asks };
    if (!prev) {
      sub.u = 1;
      this.send(conn, { topic: sub.topic, type: 'snapshot', ts: now, data: { s: bybitId(m), b: [...bids], a: [...asks], u: sub.u, seq: now }, cts: now });
      return;
    }
    const b = diffLevels(prev.bids, bids);
    const a = diffLevels(prev.asks, asks);
    if (b.length === 0 && a.length === 0) return;
    sub.u = (sub.u ?? 0) + 1;
    this.send(conn, { topic: sub.topic, type: 'delta', ts: now, data: { s: bybitId(m), b, a, u: sub.u, seq: now }, cts: now });
  }

  private refreshKline(conn: Conn, sub: Sub, now: number, at: number, wall: number, initial: boolean, live: boolean): void {
    const m = sub.m;
    const tfMs = sub.tfMs!;
    const code = barCode(tfMs)!;
    const curOpen = Math.floor(at / tfMs) * tfMs;
    const prevOpen = sub.lastOpen;
    if (prevOpen !== undefined && curOpen > prevOpen) {
      const from = Math.max(prevOpen, curOpen - MAX_CATCH_UP_BARS * tfMs);
      for (const c of this.ctx.source.candles(m.symbol, code, from, curOpen)) this.send(conn, this.kline(sub, c, now, true));
    } else if (!initial && wall < sub.dueWallMs) {
      return;
    }
    sub.lastOpen = curOpen;
    sub.dueWallMs = wall + CANDLE_REFRESH_MS;
    if (!live) return;
    const forming = this.ctx.source.formingCandle(m.symbol, code, at);
    if (forming) this.send(conn, this.kline(sub, forming, now, false));
  }

  private kline(sub: Sub, c: SimCandle, now: number, confirm: boolean): Record<string, unknown> {
    const m = sub.m;
    const row = {
      start: c.openTimeMs,
      end: c.openTimeMs + sub.tfMs! - 1,
      interval: sub.interval,
      open: byPrice(c.open, m),
      close: byPrice(c.close, m),
      high: byPrice(c.high, m),
      low: byPrice(c.low, m),
      volume: byQty(c.volume, m),
      turnover: decimal(c.quoteVolume, 4),
      confirm,
      timestamp: now,
    };
    return { topic: sub.topic, data: [row], ts: now, type: 'snapshot' };
  }

  private send(conn: Conn, msg: Record<string, unknown>): void {
    if (conn.ws.readyState !== conn.ws.OPEN) return;
    if ('topic' in msg) this.dataMessages++;
    conn.ws.send(JSON.stringify(msg));
  }
}
