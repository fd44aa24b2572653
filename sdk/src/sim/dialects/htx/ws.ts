import { dueKlines } from '../../klinePushes.js';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { SimPrivateEvent } from '../../privateEvents.js';
import { barCode } from '../../timeframes.js';
import type { SimApiKey, SimCandle, SimMarket } from '../../types.js';
import { decimal } from '../../wire.js';
import { diffLevels } from '../../wsHub.js';
import type { SimCore } from '../types.js';
import { HtxPrivateStream } from './privateWs.js';
import { depthLevels, htxKline, tick } from './publicRoutes.js';
import { HTX_PERIODS, htPriceNum, htxVolumeFromBase, marketOf } from './wire.js';

/** The public market stream of USDT-margined swaps, as ccxt pro's htx opens it. */
const PUBLIC_PATH = '/linear-swap-ws';
/** The v5 private notification stream ccxt pro's htx uses for linear swaps (orders, trade). */
const PRIVATE_PATH = '/ws/v5/notification';
/** HTX pings every 5 s and closes a socket that leaves two pings unanswered. */
const PING_INTERVAL_MS = 5_000;
const MAX_UNANSWERED_PINGS = 2;
const TICKER_REFRESH_MS = 1_000;
const MAX_TRADES_PER_PUSH = 500;
/** Levels of the incremental `depth.size_{20,150}.high_freq` topics. */
const BOOK_SIZES = new Set([20, 150]);

type Kind = 'depth' | 'trade' | 'detail' | 'kline';

interface Sub {
  ch: string;
  kind: Kind;
  m: SimMarket;
  dueWallMs: number;
  size?: number;
  /** `data_type: incremental`: a snapshot, then only the levels that changed. */
  incremental?: boolean;
  /** Book version: +1 per update, so a client applies an update only onto the version before it. */
  version?: number;
  prevBook?: { bids: Map<string, string>; asks: Map<string, string> };
  tfMs?: number;
  period?: string;
  lastOpen?: number;
  lastMs?: number;
}

/** One socket, public or private; `send` gzips every frame, as HTX does. */
export interface HtxConn {
  ws: WebSocket;
  isPrivate: boolean;
  subs: Map<string, Sub>;
  unansweredPings: number;
  /** Private: the key's check passed (`op: auth`). */
  authed: boolean;
  /** Private: topic -> contract codes followed (`*` for all). */
  topics: Map<string, Set<string>>;
}

/**
 * HTX's USDT-margined swap websockets as ccxt pro's htx speaks them, every frame gzip-compressed.
 *
 * Public (`/linear-swap-ws`): `{ sub, id }` answered `{ id, status: "ok", subbed }` (or
 * `status: "error"` with `err-code` bad-request), `{ ping }` from the server every 5 s answered
 * `{ pong }` (two unanswered pings close the socket), pushes on
 * `market.$code.depth.size_{20,150}.high_freq` (with `data_type: incremental`: a snapshot, then
 * updates whose `version` counts up by one, size 0 for a level gone; otherwise a full book each
 * push), `market.$code.trade.detail`, `market.$code.detail` (24h figures and the best quotes) and
 * `market.$code.kline.$period`. Volumes count HTX contracts, as over REST.
 *
 * Private (`/ws/v5/notification`): see {@link HtxPrivateStream}.
 *
 * Faults: `silenceWebsockets` stops every push (a book resumes from the version last sent),
 * `dropWebsockets` terminates every socket, `gapBookStream` swallows one book update (its version
 * is skipped, so the client's book stops applying updates until it subscribes again).
 */
export class HtxWsHub {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly conns = new Set<HtxConn>();
  private readonly priv: HtxPrivateStream;
  private timer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private pushRounds = 0;
  private dataMessages = 0;
  private pongs = 0;

  constructor(
    private readonly core: SimCore,
    apiKey: SimApiKey | null,
    private readonly pushIntervalMs: number,
  ) {
    this.priv = new HtxPrivateStream(core, apiKey, (conn, msg) => this.send(conn, msg), () => this.conns);
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.pushIntervalMs);
    this.pingTimer = setInterval(() => this.pingAll(), PING_INTERVAL_MS);
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0];
    if (path !== PUBLIC_PATH && path !== PRIVATE_PATH) {
      socket.destroy();
      return;
    }
    const hostHeader = req.headers.host;
    const host = ((Array.isArray(hostHeader) ? hostHeader[0] : hostHeader) ?? '').toLowerCase();
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const conn: HtxConn = { ws, isPrivate: path === PRIVATE_PATH, subs: new Map(), unansweredPings: 0, authed: false, topics: new Map() };
      this.conns.add(conn);
      ws.on('message', (data) => this.onMessage(conn, data, host));
      ws.on('close', () => this.conns.delete(conn));
      ws.on('error', () => this.conns.delete(conn));
    });
  }

  dropAll(): void {
    for (const c of this.conns) c.ws.terminate();
    this.conns.clear();
  }

  counters(): { pushRounds: number; dataMessages: number } {
    return { pushRounds: this.pushRounds, dataMessages: this.dataMessages };
  }

  /** Pongs received for the server's pings (public and private), for tests. */
  pongsReceived(): number {
    return this.pongs;
  }

  /** Authenticated private sockets following `channel` (`orders`, `trade`). */
  privateSubscriptions(channel: string): number {
    return this.priv.subscriptions(channel);
  }

  /** Public sockets subscribed to `ch` (e.g. `market.ETH-USDT.depth.size_150.high_freq`), for tests. */
  subscribers(ch: string): number {
    let n = 0;
    for (const c of this.conns) if (c.subs.has(ch)) n++;
    return n;
  }

  onPrivateEvent(e: SimPrivateEvent): void {
    this.priv.onEvent(e);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.dropAll();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private pingAll(): void {
    const ts = Date.now();
    for (const conn of this.conns) {
      if (conn.unansweredPings >= MAX_UNANSWERED_PINGS) {
        conn.ws.terminate();
        this.conns.delete(conn);
        continue;
      }
      conn.unansweredPings++;
      this.send(conn, conn.isPrivate ? { op: 'ping', ts: String(ts) } : { ping: ts });
    }
  }

  private onMessage(conn: HtxConn, data: RawData, host: string): void {
    let msg: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(data.toString());
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      msg = parsed as Record<string, unknown>;
    } catch {
      this.send(conn, { status: 'error', 'err-code': 'bad-request', 'err-msg': 'invalid request: expected a JSON object', ts: Date.now() });
      return;
    }
    if ('pong' in msg || msg.op === 'pong') {
      conn.unansweredPings = 0;
      this.pongs++;
      return;
    }
    if (conn.isPrivate) {
      this.priv.onMessage(conn, msg, host);
      return;
    }
    const id = msg.id === undefined ? {} : { id: msg.id };
    if (typeof msg.sub === 'string') {
      const sub = this.parseTopic(msg.sub, msg.data_type);
      if (!sub) {
        this.send(conn, { ...id, status: 'error', 'err-code': 'bad-request', 'err-msg': `invalid topic ${msg.sub}`, ts: Date.now() });
        return;
      }
      conn.subs.set(sub.ch, sub);
      this.send(conn, { ...id, status: 'ok', subbed: sub.ch, ts: Date.now() });
      if (!this.core.faults.silent) this.refresh(conn, sub, Date.now(), true);
      return;
    }
    if (typeof msg.unsub === 'string') {
      conn.subs.delete(msg.unsub);
      this.send(conn, { ...id, status: 'ok', unsubbed: msg.unsub, ts: Date.now() });
      return;
    }
    this.send(conn, { ...id, status: 'error', 'err-code': 'bad-request', 'err-msg': 'invalid request: expected sub, unsub or pong', ts: Date.now() });
  }

  /** The subscription `ch` names, or undefined for a topic HTX would refuse. */
  private parseTopic(ch: string, dataType: unknown): Sub | undefined {
    const parts = ch.split('.');
    if (parts[0] !== 'market' || parts.length < 3) return undefined;
    const m = marketOf(this.core.ctx, parts[1]);
    if (!m || parts[1] !== m.id) return undefined;
    const rest = parts.slice(2).join('.');
    if (rest === 'trade.detail') return { ch, kind: 'trade', m, dueWallMs: 0 };
    if (rest === 'detail') return { ch, kind: 'detail', m, dueWallMs: 0 };
    const depth = /^depth\.size_(\d+)\.high_freq$/.exec(rest);
    if (depth) {
      const size = Number(depth[1]);
      if (!BOOK_SIZES.has(size) || (dataType !== undefined && dataType !== 'incremental' && dataType !== 'snapshot')) return undefined;
      return { ch, kind: 'depth', m, dueWallMs: 0, size, incremental: dataType === 'incremental' };
    }
    if (parts[2] === 'kline' && parts.length === 4) {
      const period = parts[3]!;
      const tfMs = HTX_PERIODS[period];
      if (tfMs === undefined || barCode(tfMs) === null || !this.core.ctx.source.supportsTimeframe(tfMs)) return undefined;
      return { ch, kind: 'kline', m, dueWallMs: 0, tfMs, period };
    }
    return undefined;
  }

  private tick(): void {
    this.pushRounds++;
    const wall = Date.now();
    for (const conn of this.conns) for (const sub of conn.subs.values()) this.refresh(conn, sub, wall, false);
  }

  private refresh(conn: HtxConn, sub: Sub, wall: number, initial: boolean): void {
    const { ctx, faults } = this.core;
    const m = sub.m;
    const now = ctx.nowMs();
    const at = ctx.tradingTime(m, now);
    const live = ctx.isLive(m, now);
    const silent = faults.silent;
    if (sub.kind === 'depth') {
      if (live) this.refreshBook(conn, sub, now, at, silent);
      return;
    }
    if (sub.kind === 'kline') {
      this.refreshKline(conn, sub, now, at, wall, initial, live, silent);
      return;
    }
    if (sub.kind === 'trade') {
      const from = sub.lastMs ?? at + 1;
      sub.lastMs = at + 1;
      if (silent || !live || from >= at + 1) return;
      const trades = ctx.source.trades(m.symbol, from, at + 1).slice(-MAX_TRADES_PER_PUSH);
      if (trades.length === 0) return;
      // The rows REST `history/trade` answers for the same trades.
      const data = trades.map((t, i) => ({
        amount: String(Math.max(1, htxVolumeFromBase(t.amount, m))),
        quantity: decimal(t.amount, 8),
        trade_turnover: decimal(t.amount * t.price, 8),
        ts: t.timestampMs,
        id: Number(t.id ?? t.timestampMs * 1000 + i),
        price: String(htPriceNum(t.price, m)),
        direction: t.side === 'sell' ? 'sell' : 'buy',
      }));
      const last = trades[trades.length - 1]!;
      this.send(conn, { ch: sub.ch, ts: now, tick: { id: data[data.length - 1]!.id, ts: last.timestampMs, data } });
      return;
    }
    if (silent || !live || (!initial && wall < sub.dueWallMs)) return;
    sub.dueWallMs = wall + TICKER_REFRESH_MS;
    const t = tick(ctx, m, now);
    if (t) this.send(conn, { ch: sub.ch, ts: now, tick: { ...t, id: now, mrid: now, version: now } });
  }

  private refreshBook(conn: HtxConn, sub: Sub, now: number, at: number, silent: boolean): void {
    const m = sub.m;
    const book = this.core.ctx.source.orderBook(m.symbol, at, sub.size!);
    const wire = (rows: readonly (readonly [number, number])[]): Map<string, string> => new Map(depthLevels(rows, m).map(([p, v]) => [String(p), String(v)]));
    const bids = wire(book.bids);
    const asks = wire(book.asks);
    const prev = sub.prevBook;
    if (prev && !sub.incremental) {
      // A snapshot topic sends the whole book each time it changes.
      if (diffLevels(prev.bids, bids).length === 0 && diffLevels(prev.asks, asks).length === 0) return;
    }
    if (!prev || !sub.incremental) {
      if (silent) return;
      sub.prevBook = { bids, asks };
      sub.version = (sub.version ?? 0) + 1;
      this.sendBook(conn, sub, 'snapshot', [...bids], [...asks], now);
      return;
    }
    // While silent the book stays as last sent, so the first update after it applies cleanly.
    if (silent) return;
    const b = diffLevels(prev.bids, bids);
    const a = diffLevels(prev.asks, asks);
    if (b.length === 0 && a.length === 0) return;
    sub.prevBook = { bids, asks };
    sub.version = (sub.version ?? 0) + 1;
    // A swallowed update leaves a version out: the client can no longer apply what follows.
    if (this.core.faults.takeBookGap()) return;
    this.sendBook(conn, sub, 'update', b, a, now);
  }

  private sendBook(conn: HtxConn, sub: Sub, event: 'snapshot' | 'update', bids: [string, string][], asks: [string, string][], now: number): void {
    const num = (levels: [string, string][]): number[][] => levels.map(([p, v]) => [Number(p), Number(v)]);
    const bidsDesc = num(bids).sort((x, y) => y[0]! - x[0]!);
    const asksAsc = num(asks).sort((x, y) => x[0]! - y[0]!);
    this.send(conn, { ch: sub.ch, ts: now, tick: { asks: asksAsc, bids: bidsDesc, ch: sub.ch, event, id: now, mrid: now, ts: now, version: sub.version } });
  }

  private refreshKline(conn: HtxConn, sub: Sub, now: number, at: number, wall: number, initial: boolean, live: boolean, silent: boolean): void {
    const due = dueKlines(this.core.ctx.source, sub, at, wall, { initial, live, silent });
    if (!due) return;
    for (const c of due.closed) this.send(conn, this.kline(sub, c, now));
    if (due.forming) this.send(conn, this.kline(sub, due.forming, now));
  }

  /** A kline push: the bar REST `history/kline` answers, `id` its open in seconds. */
  private kline(sub: Sub, c: SimCandle, now: number): Record<string, unknown> {
    return { ch: sub.ch, ts: now, tick: { ...htxKline(c, sub.m), mrid: now } };
  }

  private send(conn: HtxConn, msg: Record<string, unknown>): void {
    if (conn.ws.readyState !== conn.ws.OPEN) return;
    if ('ch' in msg || msg.op === 'notify') this.dataMessages++;
    conn.ws.send(gzipSync(JSON.stringify(msg)));
  }
}
