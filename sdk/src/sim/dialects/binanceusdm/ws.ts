import { dueKlines } from '../../klinePushes.js';
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
import { BinanceUserDataStream } from './userDataWs.js';
import { BINANCE_INTERVALS, binanceId, bnPrice, bnQty, SymbolIndex } from './wire.js';

const TICKER_REFRESH_MS = 1_000;
/** `@markPrice@1s` pushes every second, the plain `@markPrice` stream every three. */
const MARK_FAST_MS = 1_000;
const MARK_SLOW_MS = 3_000;
/**
 * Levels per side the diff stream tracks. Binance's covers the whole book; the top 100 is as deep
 * as anything here reads, and a deeper snapshot's far levels simply stay as the snapshot had them.
 */
const DEPTH_LEVELS = 100;
const MAX_TRADES_PER_PUSH = 500;
const FUNDING_INTERVAL_MS = 8 * 3_600_000;

/** Upgrade paths ccxt pro's binanceusdm opens: `/{public,market}/ws/<n>` (and the legacy `/ws/<n>`). */
const PATH = /^\/(?:(?:public|market)\/)?ws(?:\/\d+)?$/;

/** A book's levels as wire strings, price to size. */
interface WireBook {
  bids: Map<string, string>;
  asks: Map<string, string>;
}

type StreamKind = 'depth' | 'trade' | 'aggTrade' | 'kline' | 'ticker' | 'miniTicker' | 'markPrice';

/** Streams over every market at once, pushed as one array per round. */
type AllKind = 'ticker' | 'miniTicker' | 'markPrice';

interface Sub {
  kind: StreamKind;
  m: SimMarket;
  dueWallMs: number;
  interval?: string;
  tfMs?: number;
  lastOpen?: number;
  lastMs?: number;
  /** Depth: the book as of the last update id sent (sim ms). */
  prevBook?: WireBook;
  lastU?: number;
  periodMs?: number;
}

/** The hub serving each sim's streams, so REST `depth` can read the book at the stream's time. */
const HUBS = new WeakMap<SimContext, BinanceWsHub>();

/**
 * The sim time REST `depth` must read `m`'s book at while a diff stream covers it: the last push
 * round's, so a snapshot's `lastUpdateId` is exactly some event's `u` and the diffs after it
 * apply to it without a level left over (undefined when nothing streams the book: read it now).
 */
export function streamedBookTimeMs(ctx: SimContext, m: SimMarket): number | undefined {
  return HUBS.get(ctx)?.bookTimeMs(m);
}

interface AllSub {
  kind: AllKind;
  dueWallMs: number;
  periodMs: number;
}

interface Conn {
  ws: WebSocket;
  subs: Map<string, Sub>;
  allSubs: Map<string, AllSub>;
}

/** What the user-data stream needs: the test account's events and the key that may start one. */
export interface BinanceWsPrivateOptions {
  privateApi: PrivateApi;
  apiKey: SimApiKey | null;
}

/**
 * Binance USD-M's public market streams (`wss://fstream.binance.com/{public,market}/ws/<n>`),
 * as ccxt pro's binanceusdm subscribes to them: `SUBSCRIBE`/`UNSUBSCRIBE` with an `id`, answered
 * `{ result: null, id }`, then raw events: `depthUpdate` (diff depth, update ids are sim ms so they
 * line up with REST `depth`'s `lastUpdateId`, `pu` chaining each event to the previous one),
 * `trade`, `aggTrade`, `kline`, `24hrTicker` and `markPriceUpdate`.
 *
 * Faults: `silenceWebsockets` sends nothing while the book markers move on (so a socket that
 * comes back shows a sequence gap, as Binance's would), `dropWebsockets` terminates every socket,
 * and `gapBookStream` swallows depth events so the next one's `pu` does not chain.
 *
 * The user-data stream (`/private/ws?listenKey=<key>`) is {@link BinanceUserDataStream}'s; the
 * hub routes its upgrades, account events, expiry sweeps and drops to it.
 */
export class BinanceWsHub {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly conns = new Set<Conn>();
  private readonly symbols: SymbolIndex;
  private timer: NodeJS.Timeout | null = null;
  private pushRounds = 0;
  private dataMessages = 0;
  /** Per streamed market: the sim time of the book the diff streams last moved to, and that book. */
  private readonly bookClocks = new Map<SimMarket, { atMs: number; book: WireBook }>();
  private readonly userData: BinanceUserDataStream;

  constructor(
    private readonly ctx: SimContext,
    private readonly faults: FaultState,
    private readonly pushIntervalMs: number,
    account: BinanceWsPrivateOptions | null = null,
  ) {
    this.symbols = new SymbolIndex(ctx);
    this.userData = new BinanceUserDataStream(ctx, faults, account?.privateApi ?? null, account?.apiKey ?? null);
    HUBS.set(ctx, this);
  }

  bookTimeMs(m: SimMarket): number | undefined {
    return this.bookClocks.get(m)?.atMs;
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.pushIntervalMs);
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const listenKey = BinanceUserDataStream.listenKeyOf(req.url ?? '/');
    if (listenKey !== null) {
      this.userData.handleUpgrade(req, socket, head, listenKey);
      return;
    }
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (!PATH.test(path)) {
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const conn: Conn = { ws, subs: new Map(), allSubs: new Map() };
      this.conns.add(conn);
      ws.on('message', (data) => this.onMessage(conn, data));
      ws.on('close', () => this.conns.delete(conn));
      ws.on('error', () => this.conns.delete(conn));
    });
  }

  dropAll(): void {
    for (const c of this.conns) c.ws.terminate();
    this.conns.clear();
    this.userData.dropAll();
  }

  counters(): { pushRounds: number; dataMessages: number } {
    return { pushRounds: this.pushRounds, dataMessages: this.dataMessages + this.userData.messages() };
  }

  /**
   * Sockets following the active listenKey. The user-data stream has no channels: `userData`,
   * its event names and BloFin's channel names all count the same sockets (see USER_DATA_CHANNELS).
   */
  privateSubscriptions(channel: string): number {
    return this.userData.subscriptions(channel);
  }

  /** An account change, rendered on the user-data stream. */
  onPrivateEvent(e: SimPrivateEvent): void {
    this.userData.onPrivateEvent(e);
  }

  /** Open sockets subscribed to `stream` (e.g. `btcusdt@depth@100ms`), for tests. */
  subscribers(stream: string): number {
    let n = 0;
    for (const c of this.conns) if (c.subs.has(stream)) n++;
    return n;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.dropAll();
    await this.userData.stop();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private onMessage(conn: Conn, data: RawData): void {
    let msg: { method?: unknown; params?: unknown; id?: unknown };
    try {
      msg = JSON.parse(data.toString()) as typeof msg;
    } catch {
      this.send(conn, { error: { code: 3, msg: 'Invalid JSON: expected a JSON object' }, id: null });
      return;
    }
    const id = msg.id ?? null;
    const params = Array.isArray(msg.params) ? msg.params.map(String) : [];
    if (msg.method === 'SUBSCRIBE') {
      const subs: [string, Sub | AllSub][] = [];
      for (const stream of params) {
        const sub = stream.startsWith('!') ? parseAllStream(stream) : this.parseStream(stream);
        if (!sub) {
          this.send(conn, { error: { code: 2, msg: `Invalid request: unknown stream "${stream}"` }, id });
          return;
        }
        subs.push([stream, sub]);
      }
      this.send(conn, { result: null, id });
      const wall = Date.now();
      for (const [stream, sub] of subs) {
        if ('m' in sub) {
          conn.subs.set(stream, sub);
          if (!this.faults.silent) this.refresh(conn, sub, wall, true);
        } else {
          conn.allSubs.set(stream, sub);
          if (!this.faults.silent) this.refreshAll(conn, sub, wall, true);
        }
      }
      return;
    }
    if (msg.method === 'UNSUBSCRIBE') {
      for (const stream of params) {
        conn.subs.delete(stream);
        conn.allSubs.delete(stream);
      }
      this.send(conn, { result: null, id });
      return;
    }
    if (msg.method === 'LIST_SUBSCRIPTIONS') {
      this.send(conn, { result: [...conn.subs.keys(), ...conn.allSubs.keys()], id });
      return;
    }
    this.send(conn, { error: { code: 2, msg: `Invalid request: unknown method "${String(msg.method)}"` }, id });
  }

  /** The stream's state, or undefined for a name Binance would refuse. */
  private parseStream(stream: string): Sub | undefined {
    const [lowerId, channel, rate] = stream.split('@');
    const m = this.symbols.get((lowerId ?? '').toUpperCase());
    if (!m || !channel) return undefined;
    if (channel === 'depth' && (rate === undefined || ['0ms', '100ms', '250ms', '500ms'].includes(rate))) return { kind: 'depth', m, dueWallMs: 0 };
    if (rate !== undefined && channel !== 'markPrice') return undefined;
    if (channel === 'trade' || channel === 'aggTrade' || channel === 'ticker' || channel === 'miniTicker') return { kind: channel, m, dueWallMs: 0 };
    if (channel === 'markPrice') {
      if (rate !== undefined && rate !== '1s') return undefined;
      return { kind: 'markPrice', m, dueWallMs: 0, periodMs: rate === '1s' ? MARK_FAST_MS : MARK_SLOW_MS };
    }
    if (channel.startsWith('kline_')) {
      const interval = channel.slice('kline_'.length);
      const tfMs = BINANCE_INTERVALS[interval];
      if (tfMs === undefined || barCode(tfMs) === null || !this.ctx.source.supportsTimeframe(tfMs)) return undefined;
      return { kind: 'kline', m, dueWallMs: 0, interval, tfMs };
    }
    return undefined;
  }

  private tick(): void {
    this.pushRounds++;
    this.userData.sweep();
    const wall = Date.now();
    const streamed = new Set<SimMarket>();
    for (const conn of this.conns) for (const sub of conn.subs.values()) if (sub.kind === 'depth') streamed.add(sub.m);
    for (const m of this.bookClocks.keys()) if (!streamed.has(m)) this.bookClocks.delete(m);
    const now = this.ctx.nowMs();
    for (const m of streamed) this.moveBookClock(m, now);
    for (const conn of this.conns) {
      for (const sub of conn.subs.values()) this.refresh(conn, sub, wall, false);
      for (const sub of conn.allSubs.values()) this.refreshAll(conn, sub, wall, false);
    }
  }

  /** `!ticker@arr`, `!miniTicker@arr`, `!markPrice@arr[@1s]`: one array of every live market's event. */
  private refreshAll(conn: Conn, sub: AllSub, wall: number, initial: boolean): void {
    if (this.faults.silent || (!initial && wall < sub.dueWallMs)) return;
    sub.dueWallMs = wall + sub.periodMs;
    const now = this.ctx.nowMs();
    const events: Record<string, unknown>[] = [];
    for (const m of this.ctx.markets()) {
      if (!this.ctx.isLive(m, now)) continue;
      const event = this.event(sub.kind, m, now, this.ctx.tradingTime(m, now));
      if (event) events.push(event);
    }
    if (events.length > 0) this.sendArray(conn, events);
  }

  private event(kind: AllKind, m: SimMarket, now: number, at: number): Record<string, unknown> | null {
    if (kind === 'markPrice') return this.markPrice(m, now, at);
    const t = this.ticker(m, now, at);
    if (!t || kind === 'ticker') return t;
    return { e: '24hrMiniTicker', E: t.E, s: t.s, c: t.c, o: t.o, h: t.h, l: t.l, v: t.v, q: t.q };
  }

  /** Reads `m`'s book at `now` for every diff stream of this round (one read, however many sockets). */
  private moveBookClock(m: SimMarket, now: number): { atMs: number; book: WireBook } {
    const clock = this.bookClocks.get(m);
    if (clock && clock.atMs >= now) return clock;
    const raw = this.ctx.isLive(m, now) ? this.ctx.source.orderBook(m.symbol, this.ctx.tradingTime(m, now), DEPTH_LEVELS) : { bids: [], asks: [] };
    const book: WireBook = {
      bids: new Map(raw.bids.map(([p, a]) => [bnPrice(p, m), bnQty(a, m)])),
      asks: new Map(raw.asks.map(([p, a]) => [bnPrice(p, m), bnQty(a, m)])),
    };
    const next = { atMs: now, book };
    this.bookClocks.set(m, next);
    return next;
  }

  private refresh(conn: Conn, sub: Sub, wall: number, initial: boolean): void {
    const m = sub.m;
    const now = this.ctx.nowMs();
    const at = this.ctx.tradingTime(m, now);
    const live = this.ctx.isLive(m, now);
    const silent = this.faults.silent;
    switch (sub.kind) {
      case 'depth':
        this.refreshDepth(conn, sub, silent);
        return;
      case 'kline':
        this.refreshKline(conn, sub, now, at, wall, initial, live, silent);
        return;
      case 'trade':
      case 'aggTrade': {
        const from = sub.lastMs ?? at + 1;
        sub.lastMs = at + 1;
        if (silent || !live || from >= at + 1) return;
        const id = binanceId(m);
        for (const t of this.ctx.source.trades(m.symbol, from, at + 1).slice(-MAX_TRADES_PER_PUSH)) {
          const n = Number(t.id ?? 0);
          const common = { E: now, s: id, p: bnPrice(t.price, m), q: bnQty(t.amount, m), T: t.timestampMs, m: t.side === 'sell' };
          this.send(conn, sub.kind === 'trade' ? { e: 'trade', ...common, t: n, X: 'MARKET' } : { e: 'aggTrade', ...common, a: n, f: n, l: n });
        }
        return;
      }
      case 'ticker':
      case 'miniTicker':
      case 'markPrice': {
        if (silent || !live || (!initial && wall < sub.dueWallMs)) return;
        sub.dueWallMs = wall + (sub.kind === 'markPrice' ? (sub.periodMs ?? MARK_FAST_MS) : TICKER_REFRESH_MS);
        const event = this.event(sub.kind, m, now, at);
        if (event) this.send(conn, event);
        return;
      }
    }
  }

  /**
   * One `depthUpdate` with every level that changed since the last update id (`pu`), size "0"
   * for a level gone. Nothing is sent while the book stands still, so ids only move with events.
   */
  private refreshDepth(conn: Conn, sub: Sub, silent: boolean): void {
    const m = sub.m;
    // Every diff stream of the market moves with its one book clock (see streamedBookTimeMs).
    const clock = this.bookClocks.get(m) ?? this.moveBookClock(m, this.ctx.nowMs());
    const prev = sub.prevBook;
    const lastU = sub.lastU;
    if (!prev || lastU === undefined) {
      // Binance sends no snapshot on the stream: clients read one over REST and chain from it.
      sub.prevBook = clock.book;
      sub.lastU = clock.atMs;
      return;
    }
    if (clock.atMs <= lastU) return;
    const b = diffLevels(prev.bids, clock.book.bids);
    const a = diffLevels(prev.asks, clock.book.asks);
    if (b.length === 0 && a.length === 0) return;
    sub.prevBook = clock.book;
    sub.lastU = clock.atMs;
    if (silent || this.faults.takeBookGap()) return;
    const now = clock.atMs;
    this.send(conn, { e: 'depthUpdate', E: now, T: now, s: binanceId(m), U: lastU + 1, u: now, pu: lastU, b, a });
  }

  private refreshKline(conn: Conn, sub: Sub, now: number, at: number, wall: number, initial: boolean, live: boolean, silent: boolean): void {
    const due = dueKlines(this.ctx.source, sub, at, wall, { initial, live, silent });
    if (!due) return;
    for (const c of due.closed) this.send(conn, this.kline(sub, c, now, true));
    if (due.forming) this.send(conn, this.kline(sub, due.forming, now, false));
  }

  private kline(sub: Sub, c: SimCandle, now: number, closed: boolean): Record<string, unknown> {
    const m = sub.m;
    const id = binanceId(m);
    const k = {
      t: c.openTimeMs,
      T: c.openTimeMs + sub.tfMs! - 1,
      s: id,
      i: sub.interval,
      f: 0,
      L: 0,
      o: bnPrice(c.open, m),
      c: bnPrice(c.close, m),
      h: bnPrice(c.high, m),
      l: bnPrice(c.low, m),
      v: bnQty(c.volume, m),
      n: 0,
      x: closed,
      q: decimal(c.quoteVolume, 4),
      V: bnQty(c.volume / 2, m),
      Q: decimal(c.quoteVolume / 2, 4),
      B: '0',
    };
    return { e: 'kline', E: now, s: id, k };
  }

  /** `<symbol>@ticker`: the 24h statistics REST `ticker/24hr` answers (futures tickers carry no quotes). */
  private ticker(m: SimMarket, now: number, at: number): Record<string, unknown> | null {
    const s = this.ctx.source.stats24h(m.symbol, at);
    if (!s) return null;
    const change = s.last - s.open24h;
    return {
      e: '24hrTicker',
      E: now,
      s: binanceId(m),
      p: bnPrice(change, m),
      P: (s.open24h > 0 ? (change / s.open24h) * 100 : 0).toFixed(3),
      w: bnPrice(s.baseVolume24h > 0 ? s.quoteVolume24h / s.baseVolume24h : s.last, m),
      c: bnPrice(s.last, m),
      Q: '0',
      o: bnPrice(s.open24h, m),
      h: bnPrice(s.high24h, m),
      l: bnPrice(s.low24h, m),
      v: bnQty(s.baseVolume24h, m),
      q: decimal(s.quoteVolume24h, 2),
      O: at - 86_400_000,
      C: at,
      F: 0,
      L: 0,
      n: 0,
    };
  }

  /** `<symbol>@markPrice[@1s]`, the REST `premiumIndex` figures as a stream event. */
  private markPrice(m: SimMarket, now: number, at: number): Record<string, unknown> {
    const mp = this.ctx.source.markPrice(m.symbol, at);
    const f = this.ctx.source.fundingRate(m.symbol, at);
    const index = mp.indexPrice ?? mp.markPrice;
    return {
      e: 'markPriceUpdate',
      E: now,
      s: binanceId(m),
      p: decimal(mp.markPrice, 8),
      i: decimal(index, 8),
      P: decimal(index, 8),
      r: decimal(this.faults.fundingRateOverride(m.symbol, m.id, at) ?? f.rate, 8),
      T: f.nextFundingTimeMs ?? Math.ceil((at + 1) / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS,
    };
  }

  private sendArray(conn: Conn, events: Record<string, unknown>[]): void {
    if (conn.ws.readyState !== conn.ws.OPEN) return;
    this.dataMessages++;
    conn.ws.send(JSON.stringify(events));
  }

  private send(conn: Conn, msg: Record<string, unknown>): void {
    if (conn.ws.readyState !== conn.ws.OPEN) return;
    if ('e' in msg) this.dataMessages++;
    conn.ws.send(JSON.stringify(msg));
  }
}

function parseAllStream(stream: string): AllSub | undefined {
  switch (stream) {
    case '!ticker@arr':
      return { kind: 'ticker', dueWallMs: 0, periodMs: TICKER_REFRESH_MS };
    case '!miniTicker@arr':
      return { kind: 'miniTicker', dueWallMs: 0, periodMs: TICKER_REFRESH_MS };
    case '!markPrice@arr':
      return { kind: 'markPrice', dueWallMs: 0, periodMs: MARK_SLOW_MS };
    case '!markPrice@arr@1s':
      return { kind: 'markPrice', dueWallMs: 0, periodMs: MARK_FAST_MS };
    default:
      return undefined;
  }
}
