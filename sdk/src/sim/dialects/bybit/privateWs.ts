import { createHmac, timingSafeEqual } from 'node:crypto';
import type { RawData, WebSocket } from 'ws';
import type { SimFill } from '../../account.js';
import type { SimContext } from '../../context.js';
import type { FaultState } from '../../faults.js';
import type { SimOrder } from '../../orders.js';
import type { SimPrivateEvent } from '../../privateEvents.js';
import type { PrivateApi } from '../../restPrivate.js';
import type { SimTrigger } from '../../tpsl.js';
import type { SimApiKey, SimMarket } from '../../types.js';
import type { DialectReply } from '../types.js';
import { binanceId as bybitId } from '../binanceusdm/wire.js';
import type { BybitPrivateApi } from './privateRoutes.js';
import { conditionalRecord, executionRecord, orderRecord, type BybitOrderMeta } from './records.js';

/** The private topics served (Bybit's all-category names; the sim trades linear only). */
const TOPICS = new Set(['order', 'execution', 'position', 'wallet']);

/**
 * The REST codec of each core account. The stream renders an order with the codec's memory of it
 * (`orderLinkId`, time in force, stop type), so the stream and the order lists show one order alike.
 */
const codecs = new WeakMap<PrivateApi, BybitPrivateApi>();

/** Makes `codec` the REST codec whose order memory the private stream of `account` reads. */
export function shareBybitCodec(account: PrivateApi, codec: BybitPrivateApi): void {
  codecs.set(account, codec);
}

/**
 * The codec's memory of the orders, read at push time, after the request that placed an order
 * has been answered.
 */
function codecMemory(codec: BybitPrivateApi): ReadonlyMap<string, BybitOrderMeta> {
  return codec.orderMetas();
}

interface PrivateConn {
  ws: WebSocket;
  id: string;
  authed: boolean;
  topics: Set<string>;
}

/** Account changes of one synchronous run of the core, rendered together once it has returned. */
interface Pending {
  fills: SimFill[];
  /** Order and conditional-order states as they were at each change, in order. */
  changes: ({ kind: 'order'; order: SimOrder } | { kind: 'trigger'; trigger: SimTrigger })[];
  positions: Set<string>;
  wallet: boolean;
}

/**
 * Bybit v5's private stream (`wss://stream.bybit.com/v5/private`) as ccxt pro's bybit speaks it:
 * `{ op: 'auth', args: [apiKey, expires, HMAC-SHA256(secret, 'GET/realtime' + expires)] }` first
 * (a wrong key, a wrong signature or an `expires` already past is refused with `success: false`),
 * then `subscribe` to `order`, `execution`, `position` and `wallet` (refused before auth). Pushes
 * are rendered from the core's account events: every order and conditional-order change, every
 * fill, the position and the wallet after each change. `silenceWebsockets` stops them,
 * `dropWebsockets` terminates the sockets.
 */
export class BybitPrivateStream {
  private readonly conns = new Set<PrivateConn>();
  private pending: Pending | null = null;
  private dataMessages = 0;

  constructor(
    private readonly ctx: SimContext,
    private readonly faults: FaultState,
    private readonly account: PrivateApi,
    private readonly key: SimApiKey | null,
  ) {}

  accept(ws: WebSocket, id: string): void {
    const conn: PrivateConn = { ws, id, authed: false, topics: new Set() };
    this.conns.add(conn);
    ws.on('message', (data) => this.onMessage(conn, data));
    ws.on('close', () => this.conns.delete(conn));
    ws.on('error', () => this.conns.delete(conn));
  }

  dropAll(): void {
    for (const c of this.conns) c.ws.terminate();
    this.conns.clear();
  }

  /** Authenticated sockets subscribed to `topic`. */
  subscriptions(topic: string): number {
    let n = 0;
    for (const c of this.conns) if (c.authed && c.topics.has(topic)) n++;
    return n;
  }

  pushedMessages(): number {
    return this.dataMessages;
  }

  /**
   * Collects an account change. Rendering waits for the core's synchronous run to end: an order's
   * first event comes from inside the codec's placement, before the codec has recorded its
   * `orderLinkId`. Order states are copied now, so each change is pushed as it was.
   */
  onEvent(e: SimPrivateEvent): void {
    if (this.faults.silent || !this.anyListener()) return;
    if (!this.pending) {
      this.pending = { fills: [], changes: [], positions: new Set(), wallet: false };
      queueMicrotask(() => {
        // As the core does for its listeners: a rendering bug loses these pushes, never the process.
        try {
          this.flush();
        } catch {
          this.pending = null;
        }
      });
    }
    const p = this.pending;
    if (e.kind === 'fill') p.fills.push(e.fill);
    else if (e.kind === 'order') p.changes.push({ kind: 'order', order: { ...e.order } });
    else if (e.kind === 'trigger') p.changes.push({ kind: 'trigger', trigger: { ...e.trigger } });
    else if (e.kind === 'position') p.positions.add(e.instId);
    else p.wallet = true;
  }

  private anyListener(): boolean {
    for (const c of this.conns) if (c.authed && c.topics.size > 0) return true;
    return false;
  }

  private flush(): void {
    const p = this.pending;
    this.pending = null;
    if (!p || this.faults.silent) return;
    const codec = codecs.get(this.account);
    const memory = codec ? codecMemory(codec) : new Map<string, BybitOrderMeta>();
    const now = this.ctx.nowMs();
    const executions = p.fills.flatMap((f) => this.execution(f, memory));
    if (executions.length > 0) this.publish('execution', executions, now);
    const orders = p.changes.flatMap((c) => (c.kind === 'order' ? this.order(c.order, memory) : this.conditional(c.trigger, memory)));
    if (orders.length > 0) this.publish('order', orders, now);
    if (codec && p.positions.size > 0) {
      const rows = [...p.positions].flatMap((instId) => this.position(codec, instId));
      if (rows.length > 0) this.publish('position', rows, now);
    }
    if (codec && (p.wallet || p.fills.length > 0)) {
      const list = listOf(codec.handle('GET', '/v5/account/wallet-balance', new Map([['accountType', 'UNIFIED']])));
      if (list.length > 0) this.publish('wallet', list, now);
    }
  }

  private execution(f: SimFill, memory: ReadonlyMap<string, BybitOrderMeta>): Record<string, unknown>[] {
    const m = this.ctx.byInstId(f.instId);
    if (!m) return [];
    const orderId = this.firedBy(f.orderId, memory)?.id ?? f.orderId;
    const rec = executionRecord(f, m, orderId, memory.get(orderId)?.orderLinkId ?? '', this.account.orders.orders.get(f.orderId));
    return [{ category: 'linear', ...rec }];
  }

  /** A plain order, or the order a conditional order sent (shown under the conditional order's id, as on Bybit). */
  private order(o: SimOrder, memory: ReadonlyMap<string, BybitOrderMeta>): Record<string, unknown>[] {
    const m = this.ctx.byInstId(o.instId);
    if (!m) return [];
    const parent = this.firedBy(o.orderId, memory);
    if (parent) return [{ category: 'linear', ...conditionalRecord(parent, m, memory.get(parent.id), o) }];
    return [{ category: 'linear', ...orderRecord(o, m, memory.get(o.orderId)) }];
  }

  /** A conditional order or position TP/SL of the codec; TP/SL attached to an order stay off the lists, as in REST. */
  private conditional(t: SimTrigger, memory: ReadonlyMap<string, BybitOrderMeta>): Record<string, unknown>[] {
    const m = this.ctx.byInstId(t.instId);
    const meta = memory.get(t.id);
    if (!m || !meta) return [];
    const fired = t.actualOrderId ? this.account.orders.orders.get(t.actualOrderId) : undefined;
    return [{ category: 'linear', ...conditionalRecord(t, m, meta, fired) }];
  }

  /** The position row of `instId` as `/v5/position/list` renders it, with the stream's `entryPrice`. */
  private position(codec: BybitPrivateApi, instId: string): Record<string, unknown>[] {
    const m: SimMarket | undefined = this.ctx.byInstId(instId);
    if (!m) return [];
    const reply = codec.handle('GET', '/v5/position/list', new Map([['category', 'linear'], ['symbol', bybitId(m)]]));
    return listOf(reply).map(({ avgPrice, ...row }) => ({ category: 'linear', ...row, entryPrice: avgPrice }));
  }

  private firedBy(orderId: string, memory: ReadonlyMap<string, BybitOrderMeta>): SimTrigger | undefined {
    for (const t of this.account.triggers.triggers.values()) if (t.actualOrderId === orderId && memory.has(t.id)) return t;
    return undefined;
  }

  private publish(topic: string, data: Record<string, unknown>[], now: number): void {
    for (const c of this.conns) {
      if (!c.authed || !c.topics.has(topic)) continue;
      this.send(c, { id: `${c.id}-${topic}-${now}`, topic, creationTime: now, data });
      this.dataMessages++;
    }
  }

  private onMessage(conn: PrivateConn, data: RawData): void {
    const frame = readBybitFrame(data);
    if (!frame) {
      this.send(conn, { success: false, ret_msg: 'error:invalid json', conn_id: conn.id, op: '' });
      return;
    }
    const { op, args, reqId } = frame;
    if (op === 'ping') {
      this.send(conn, { ...reqId, op: 'pong', args: [String(Date.now())], conn_id: conn.id });
      return;
    }
    if (op === 'auth') {
      const failure = this.verifyAuth(args);
      if (failure) {
        // ccxt files an auth refusal by the request it echoes (`request.op`), as Bybit sends it.
        this.send(conn, { success: false, ret_msg: failure, conn_id: conn.id, ...reqId, op, request: { op, args } });
        return;
      }
      conn.authed = true;
      this.send(conn, { success: true, ret_msg: '', conn_id: conn.id, ...reqId, op });
      return;
    }
    if (op === 'subscribe' || op === 'unsubscribe') {
      if (!conn.authed) {
        this.send(conn, { success: false, ret_msg: 'Request not authorized', conn_id: conn.id, ...reqId, op });
        return;
      }
      const unknown = args.find((t) => !TOPICS.has(t));
      if (unknown !== undefined) {
        this.send(conn, { success: false, ret_msg: `error:handler not found,topic:${unknown}`, conn_id: conn.id, ...reqId, op });
        return;
      }
      for (const t of args) {
        if (op === 'subscribe') conn.topics.add(t);
        else conn.topics.delete(t);
      }
      this.send(conn, { success: true, ret_msg: '', conn_id: conn.id, ...reqId, op });
      return;
    }
    this.send(conn, { success: false, ret_msg: `error:unknown op "${op}"`, conn_id: conn.id, ...reqId, op });
  }

  /**
   * Null when `[apiKey, expires, signature]` authenticates: the sim's key, an `expires` (ms) still
   * ahead of the server clock, and the HMAC-SHA256 of `GET/realtime{expires}` in hex; else Bybit's message.
   */
  private verifyAuth(args: string[]): string | null {
    const [apiKey = '', expires = '', signature = ''] = args;
    if (args.length !== 3 || !/^\d{1,16}$/.test(expires)) return 'Params Error';
    if (!this.key || apiKey !== this.key.apiKey) return 'error:apikey invalid';
    if (Number(expires) <= this.faults.serverNowMs()) return 'Params Error';
    const expected = createHmac('sha256', this.key.secret).update(`GET/realtime${expires}`).digest('hex');
    return sameText(expected, signature.toLowerCase()) ? null : 'error:signature verification failed';
  }

  private send(conn: PrivateConn, msg: Record<string, unknown>): void {
    if (conn.ws.readyState !== conn.ws.OPEN) return;
    conn.ws.send(JSON.stringify(msg));
  }
}

/** The `result.list` of a codec answer; empty when it refused. */
function listOf(reply: DialectReply | 'hang' | null): Record<string, unknown>[] {
  if (reply === null || reply === 'hang') return [];
  const body = reply.body as { retCode?: number; result?: { list?: Record<string, unknown>[] } } | undefined;
  return body?.retCode === 0 ? (body.result?.list ?? []) : [];
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** One client frame of a Bybit v5 socket (`op`, `args`, `req_id`), or null when it is not JSON. */
export function readBybitFrame(data: RawData): { op: string; args: string[]; reqId: { req_id?: string } } | null {
  let msg: { op?: unknown; args?: unknown; req_id?: unknown };
  try {
    msg = JSON.parse(data.toString()) as typeof msg;
  } catch {
    return null;
  }
  return { op: String(msg.op ?? ''), args: Array.isArray(msg.args) ? msg.args.map(String) : [], reqId: msg.req_id === undefined ? {} : { req_id: String(msg.req_id) } };
}
