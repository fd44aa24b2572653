import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { SimContext } from './context.js';
import type { FaultState } from './faults.js';
import { corruptBook, corruptFunding, corruptTicker, corruptTrades } from './marketDataFaults.js';
import { BLOFIN_BARS } from './timeframes.js';
import type { SimMarket } from './types.js';
import { candleRow, contracts, decimal, price } from './wire.js';

const CANDLE_REFRESH_MS = 500;
const TICKER_REFRESH_MS = 1_000;
const FUNDING_REFRESH_MS = 5_000;
/** Levels per side of the `books` channel, as BloFin pushes them. */
const BOOK_DEPTH = 200;
const MAX_CATCH_UP_BARS = 50;
const MAX_TRADES_PER_PUSH = 500;
/** How far back a garbage trade push looks for a real print to copy. */
const GARBAGE_ANCHOR_MS = 3_600_000;

/** Private channels the account layer feeds. */
export const PRIVATE_CHANNELS = ['orders', 'orders-algo', 'positions', 'account'] as const;
export type PrivateChannel = (typeof PRIVATE_CHANNELS)[number];

/** Checks a private login; returns null when accepted or BloFin's error code and message. */
export type LoginVerifier = (arg: Record<string, unknown>) => { code: string; msg: string } | null;

interface Sub {
  arg: { channel: string; instId?: string };
  m: SimMarket | null;
  /** Wall time of the next refresh push. */
  dueWallMs: number;
  lastOpen?: number;
  tfMs?: number;
  lastMs?: number;
  seq?: number;
  prevBook?: { bids: Map<string, string>; asks: Map<string, string> };
}

interface Conn {
  ws: WebSocket;
  privatePath: boolean;
  loggedIn: boolean;
  subs: Map<string, Sub>;
}

/**
 * BloFin's public and private websocket endpoints (`/ws/public`, `/ws/private`): subscribe acks,
 * `ping`/`pong`, login, and timed pushes of candles, trades, books, tickers and funding rates in
 * the exact shapes ccxt pro's blofin class parses. `faults.corruptMarketData` garbles the trades,
 * books, tickers and funding pushes as it garbles the REST answers.
 */
export class WsHub {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly conns = new Set<Conn>();
  private timer: NodeJS.Timeout | null = null;
  private pushRounds = 0;
  private dataMessages = 0;

  constructor(
    private readonly ctx: SimContext,
    private readonly faults: FaultState,
    private readonly verifyLogin: LoginVerifier,
    private readonly pushIntervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), this.pushIntervalMs);
  }

  /** Accepts an HTTP upgrade on one of the two websocket paths; anything else is refused. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/ws/public' && path !== '/ws/private') {
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const conn: Conn = { ws, privatePath: path === '/ws/private', loggedIn: false, subs: new Map() };
      this.conns.add(conn);
      ws.on('message', (data) => this.onMessage(conn, data));
      ws.on('close', () => this.conns.delete(conn));
      ws.on('error', () => this.conns.delete(conn));
    });
  }

  /** Closes every connection abruptly, without a close frame. */
  dropAll(): void {
    for (const c of this.conns) c.ws.terminate();
    this.conns.clear();
  }

  /** Pushes a private update to logged-in connections subscribed to `channel`. */
  pushPrivate(channel: PrivateChannel, data: unknown, action?: string): void {
    if (this.faults.silent) return;
    const payload = channel === 'orders' && Array.isArray(data) ? data.map((r) => wsOrderRecord(r as Record<string, unknown>)) : data;
    for (const c of this.conns) {
      if (!c.loggedIn || !c.subs.has(channel)) continue;
      this.send(c, { ...(action ? { action } : {}), arg: { channel }, data: payload });
    }
  }

  /** Push rounds run so far (silenced ones included) and data messages sent, for tests. */
  counters(): { pushRounds: number; dataMessages: number } {
    return { pushRounds: this.pushRounds, dataMessages: this.dataMessages };
  }

  /** Logged-in connections subscribed to the private `channel`. */
  privateSubscriptions(channel: string): number {
    let n = 0;
    for (const c of this.conns) if (c.loggedIn && c.subs.has(channel)) n++;
    return n;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.dropAll();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private onMessage(conn: Conn, data: RawData): void {
    const text = data.toString();
    if (text === 'ping') {
      if (conn.ws.readyState === conn.ws.OPEN) conn.ws.send('pong');
      return;
    }
    let msg: { op?: string; args?: unknown[] };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      this.send(conn, { event: 'error', code: '60012', msg: `Invalid request: ${text.slice(0, 100)}` });
      return;
    }
    const args = Array.isArray(msg.args) ? msg.args : [];
    if (msg.op === 'login') {
      const failure = conn.privatePath ? this.verifyLogin((args[0] ?? {}) as Record<string, unknown>) : { code: '60011', msg: 'Login is only available on /ws/private' };
      if (failure) {
        this.send(conn, { event: 'error', ...failure });
        return;
      }
      conn.loggedIn = true;
      this.send(conn, { event: 'login', code: '0', msg: '' });
      return;
    }
    if (msg.op === 'subscribe') {
      for (const raw of args) this.subscribe(conn, (raw ?? {}) as { channel?: string; instId?: string });
      return;
    }
    if (msg.op === 'unsubscribe') {
      for (const raw of args) {
        const a = (raw ?? {}) as { channel?: string; instId?: string };
        conn.subs.delete(subKey(a.channel ?? '', a.instId));
        this.send(conn, { event: 'unsubscribe', arg: a });
      }
      return;
    }
    this.send(conn, { event: 'error', code: '60012', msg: `Invalid request: unknown op "${String(msg.op)}"` });
  }

  private subscribe(conn: Conn, a: { channel?: string; instId?: string }): void {
    const channel = a.channel ?? '';
    const arg = a.instId !== undefined ? { channel, instId: a.instId } : { channel };
    if ((PRIVATE_CHANNELS as readonly string[]).includes(channel)) {
      if (!conn.privatePath || !conn.loggedIn) {
        this.send(conn, { event: 'error', code: '60011', msg: `Please log in before subscribing to ${channel}` });
        return;
      }
      conn.subs.set(channel, { arg: { channel }, m: null, dueWallMs: 0 });
      this.send(conn, { event: 'subscribe', arg: { channel } });
      return;
    }
    const m = a.instId ? this.ctx.byInstId(a.instId) : undefined;
    const isCandle = channel.startsWith('candle');
    const tfMs = isCandle ? BLOFIN_BARS[channel.slice('candle'.length)] : undefined;
    const known = ['trades', 'books', 'books5', 'tickers', 'funding-rate'].includes(channel) || (tfMs !== undefined && this.ctx.source.supportsTimeframe(tfMs));
    if (!known || !m) {
      this.send(conn, { event: 'error', code: '60018', msg: `Wrong URL or channel:${channel},instId:${a.instId ?? ''} doesn't exist` });
      return;
    }
    const sub: Sub = { arg, m, dueWallMs: 0, ...(tfMs !== undefined ? { tfMs } : {}) };
    conn.subs.set(subKey(channel, m.id), sub);
    this.send(conn, { event: 'subscribe', arg });
    if (!this.faults.silent) this.refresh(conn, sub, Date.now(), true);
  }

  private tick(): void {
    this.pushRounds++;
    const wall = Date.now();
    const silent = this.faults.silent;
    for (const conn of this.conns) {
      for (const sub of conn.subs.values()) {
        if (!sub.m) continue;
        if (silent) this.skip(sub);
        else this.refresh(conn, sub, wall, false);
      }
    }
  }

  /** While silenced, data is lost for good: markers move on without sending. */
  private skip(sub: Sub): void {
    const m = sub.m!;
    const at = this.ctx.tradingTime(m, this.ctx.nowMs());
    if (sub.tfMs !== undefined) sub.lastOpen = Math.floor(at / sub.tfMs) * sub.tfMs;
    if (sub.arg.channel === 'trades') sub.lastMs = at + 1;
  }

  private refresh(conn: Conn, sub: Sub, wall: number, initial: boolean): void {
    const m = sub.m!;
    const now = this.ctx.nowMs();
    const live = this.ctx.isLive(m, now);
    const at = this.ctx.tradingTime(m, now);
    const channel = sub.arg.channel;
    if (sub.tfMs !== undefined) {
      this.refreshCandle(conn, sub, m, at, wall, initial, live);
      return;
    }
    if (!live) return;
    if (channel === 'trades') {
      const from = sub.lastMs ?? at + 1;
      sub.lastMs = at + 1;
      if (from >= at + 1) return;
      const fault = this.faults.marketDataFault('trades');
      const row = (t: { id?: string; price: number; amount: number; side: string; timestampMs: number }) => ({ instId: m.id, tradeId: t.id ?? '', price: price(t.price, m), size: contracts(t.amount, m), side: t.side, ts: String(t.timestampMs) });
      const data = this.ctx.source.trades(m.symbol, from, at + 1).slice(-MAX_TRADES_PER_PUSH).map(row);
      if (fault) {
        // The real prints still go out, and the garbage after them; in a quiet market the garbage
        // copies the last real print, so it goes out at once.
        const anchor = data.length > 0 ? data.slice(-1) : this.ctx.source.trades(m.symbol, at - GARBAGE_ANCHOR_MS, at + 1).slice(-1).map(row);
        if (anchor.length === 0) return;
        // corruptTrades takes REST's newest-first list, the garbage first; the channel pushes oldest first.
        const garbage = corruptTrades(anchor, fault, at, this.faults.nextFaultSeq()).filter((r) => r.tradeId !== anchor[0]!.tradeId);
        this.send(conn, { arg: sub.arg, data: [...data, ...garbage.reverse()] });
        return;
      }
      if (data.length === 0) return;
      this.send(conn, { arg: sub.arg, data });
      return;
    }
    if (channel === 'books' || channel === 'books5') {
      this.refreshBook(conn, sub, m, at);
      return;
    }
    if (!initial && wall < sub.dueWallMs) return;
    if (channel === 'tickers') {
      sub.dueWallMs = wall + TICKER_REFRESH_MS;
      const t = this.ctx.ticker(m, now);
      const fault = this.faults.marketDataFault('ticker');
      if (t) this.send(conn, { arg: sub.arg, data: [fault ? corruptTicker(t, fault) : t] });
    } else if (channel === 'funding-rate') {
      sub.dueWallMs = wall + FUNDING_REFRESH_MS;
      const f = this.ctx.source.fundingRate(m.symbol, at);
      const record = { instId: m.id, fundingRate: decimal(f.rate, 8), fundingTime: String(f.nextFundingTimeMs ?? at) };
      const fault = this.faults.marketDataFault('funding');
      this.send(conn, { arg: sub.arg, data: [fault ? corruptFunding(record, fault) : record] });
    }
  }

  private refreshCandle(conn: Conn, sub: Sub, m: SimMarket, at: number, wall: number, initial: boolean, live: boolean): void {
    const tfMs = sub.tfMs!;
    const bar = sub.arg.channel.slice('candle'.length);
    const curOpen = Math.floor(at / tfMs) * tfMs;
    const prev = sub.lastOpen;
    if (prev !== undefined && curOpen > prev) {
      const from = Math.max(prev, curOpen - MAX_CATCH_UP_BARS * tfMs);
      for (const c of this.ctx.source.candles(m.symbol, bar, from, curOpen)) this.send(conn, { arg: sub.arg, data: [candleRow(c, m)] });
    } else if (!initial && wall < sub.dueWallMs) {
      return;
    }
    sub.lastOpen = curOpen;
    sub.dueWallMs = wall + CANDLE_REFRESH_MS;
    if (!live) return;
    const forming = this.ctx.source.formingCandle(m.symbol, bar, at);
    if (forming) this.send(conn, { arg: sub.arg, data: [candleRow(forming, m)] });
  }

  private refreshBook(conn: Conn, sub: Sub, m: SimMarket, at: number): void {
    const depth = sub.arg.channel === 'books5' ? 5 : BOOK_DEPTH;
    const book = this.ctx.source.orderBook(m.symbol, at, depth);
    const bids = new Map(book.bids.map(([p, a]) => [price(p, m), contracts(a, m)]));
    const asks = new Map(book.asks.map(([p, a]) => [price(p, m), contracts(a, m)]));
    const seq = (sub.seq ?? 0) + 1;
    const fault = this.faults.marketDataFault('book');
    if (fault) {
      // A garbage book goes out as a whole snapshot, as a broken feed would resend one; the next
      // clean push is a fresh snapshot, so the garbage never lingers in the client's diffs.
      const record = corruptBook({ asks: [...asks].map((l) => [...l]), bids: [...bids].map((l) => [...l]), ts: String(at) }, fault);
      delete sub.prevBook;
      sub.seq = seq;
      const data = { asks: wireLevels(record.asks), bids: wireLevels(record.bids), ts: record.ts, prevSeqId: '-1', seqId: String(seq) };
      this.send(conn, { arg: sub.arg, action: 'snapshot', data });
      return;
    }
    if (sub.arg.channel === 'books5' || !sub.prevBook) {
      sub.prevBook = { bids, asks };
      sub.seq = seq;
      const data = { asks: numericLevels([...asks]), bids: numericLevels([...bids]), ts: String(at), prevSeqId: '-1', seqId: String(seq) };
      this.send(conn, { arg: sub.arg, action: 'snapshot', data });
      return;
    }
    const dBids = diffLevels(sub.prevBook.bids, bids);
    const dAsks = diffLevels(sub.prevBook.asks, asks);
    if (dBids.length === 0 && dAsks.length === 0) return;
    const data = { asks: numericLevels(dAsks), bids: numericLevels(dBids), ts: String(at), prevSeqId: String(sub.seq), seqId: String(seq) };
    sub.prevBook = { bids, asks };
    sub.seq = seq;
    this.send(conn, { arg: sub.arg, action: 'update', data });
  }

  private send(conn: Conn, msg: unknown): void {
    if (conn.ws.readyState !== conn.ws.OPEN) return;
    if (typeof msg === 'object' && msg !== null && 'data' in msg) this.dataMessages++;
    conn.ws.send(JSON.stringify(msg));
  }
}

function subKey(channel: string, instId: string | undefined): string {
  return instId ? `${channel}|${instId}` : channel;
}

/** Level changes from `prev` to `next`; removed levels carry size "0". */
export function diffLevels(prev: Map<string, string>, next: Map<string, string>): [string, string][] {
  const out: [string, string][] = [];
  for (const [p, a] of next) if (prev.get(p) !== a) out.push([p, a]);
  for (const p of prev.keys()) if (!next.has(p)) out.push([p, '0']);
  return out;
}

/**
 * The `books` channel sends levels as JSON numbers (`[1639.75, 392]`), unlike REST `market/books`
 * (strings): BloFin's docs show both. Levels are kept as strings for diffing and converted here.
 */
function numericLevels(levels: [string, string][]): [number, number][] {
  return levels.map(([p, a]) => [Number(p), Number(a)]);
}

/** Garbage levels as JSON allows them: numbers where finite, else the string ("NaN", "1e999"). */
function wireLevels(levels: string[][]): (number | string)[][] {
  return levels.map((l) => l.map((v) => (Number.isFinite(Number(v)) ? Number(v) : v)));
}

/**
 * An order record as the `orders` channel spells it: `filledAmount` where REST says
 * `filled_amount`, the trigger price types beside the attached TP/SL prices (BloFin's only type
 * for them is `last`) and no `cancelSourceReason` (REST history only).
 */
function wsOrderRecord(rec: Record<string, unknown>): Record<string, unknown> {
  const { filled_amount: filledAmount, cancelSourceReason: _restOnly, ...rest } = rec;
  return {
    ...rest,
    filledAmount,
    tpTriggerPriceType: rec.tpTriggerPrice === null || rec.tpTriggerPrice === undefined ? null : 'last',
    slTriggerPriceType: rec.slTriggerPrice === null || rec.slTriggerPrice === undefined ? null : 'last',
  };
}
