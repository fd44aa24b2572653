import type { SimFill } from '../../account.js';
import type { SimOrder } from '../../orders.js';
import type { SimPrivateEvent } from '../../privateEvents.js';
import type { PrivateApi } from '../../restPrivate.js';
import type { SimApiKey } from '../../types.js';
import type { SimCore } from '../types.js';
import { verifyHtxRequest } from './auth.js';
import type { HtxPrivateApi } from './privateRoutes.js';
import { marketOf } from './wire.js';
import type { HtxConn } from './ws.js';

/** The v5 notification topics served: every change of an order, and every fill. */
const TOPICS = new Set(['orders', 'trade']);
const AUTH_PARAMS = ['AccessKeyId', 'SignatureMethod', 'SignatureVersion', 'Timestamp'] as const;
/** The account's user id on the wire (the sim has one test account). */
const UID = '1';

/**
 * The signed-API codec of each sim's HTX dialect, so the stream renders orders and fills exactly
 * as REST does (client ids included, which only the codec knows).
 */
const CODECS = new WeakMap<PrivateApi, HtxPrivateApi>();

export function registerHtxCodec(core: PrivateApi, codec: HtxPrivateApi): void {
  CODECS.set(core, codec);
}

type Send = (conn: HtxConn, msg: Record<string, unknown>) => void;

/**
 * HTX's v5 private notification stream (`/ws/v5/notification`) for USDT-margined swaps, as ccxt
 * pro's htx uses it for `watchOrders` and `watchMyTrades`:
 *
 * - `{ op: "auth", type: "api", AccessKeyId, SignatureMethod, SignatureVersion, Timestamp,
 *   Signature }`, signature v2 over `GET\nhost\npath\n<sorted params>` (see {@link verifyHtxRequest}),
 *   answered `{ op: "auth", "err-code": 0, data: { "user-id" } }`, or err-code 2003
 *   ("Authentication failed.") for a wrong key, secret or stale timestamp.
 * - `{ op: "sub", topic, cid, contract_code }` with topic `orders` or `trade` and a contract code or
 *   `*`: acknowledged with err-code 0; before auth 2002, an unknown topic 2010, an unknown contract
 *   2011, no contract code 2040.
 * - `{ op: "notify", topic: "orders", contract_code, data }` for every change of an order (the
 *   v5 REST order record), `{ op: "notify", topic: "trade", contract_code, data: [fill] }` for
 *   every fill, sent before the order update it belongs to.
 */
export class HtxPrivateStream {
  constructor(
    private readonly core: SimCore,
    private readonly apiKey: SimApiKey | null,
    private readonly send: Send,
    private readonly conns: () => Iterable<HtxConn>,
  ) {}

  subscriptions(topic: string): number {
    let n = 0;
    for (const c of this.conns()) if (c.isPrivate && c.authed && c.topics.has(topic)) n++;
    return n;
  }

  onMessage(conn: HtxConn, msg: Record<string, unknown>, host: string): void {
    const op = String(msg.op ?? '');
    const cid = msg.cid === undefined ? {} : { cid: msg.cid };
    const ts = Date.now();
    if (op === 'auth') {
      const ok = this.verify(msg, host);
      conn.authed = ok;
      this.send(conn, ok ? { op, type: 'api', ...cid, 'err-code': 0, ts, data: { 'user-id': UID } } : { op, type: 'api', ...cid, 'err-code': 2003, 'err-msg': 'Authentication failed.', ts });
      return;
    }
    if (op === 'sub' || op === 'unsub') {
      const topic = String(msg.topic ?? '');
      const reply = (code: number, message?: string): void => this.send(conn, { op, ...cid, topic, 'err-code': code, ...(message ? { 'err-msg': message } : {}), ts });
      if (!conn.authed) return reply(2002, 'Authentication required.');
      if (!TOPICS.has(topic)) return reply(2010, `Topic error: got "${topic}", expected orders or trade.`);
      const code = typeof msg.contract_code === 'string' ? msg.contract_code : '';
      if (code === '') return reply(2040, 'Missing required parameter: contract_code.');
      const m = code === '*' ? undefined : marketOf(this.core.ctx, code);
      if (code !== '*' && !m) return reply(2011, "Contract doesn't exist.");
      const key = m ? m.id : '*';
      const codes = conn.topics.get(topic) ?? new Set<string>();
      if (op === 'sub') codes.add(key);
      else codes.delete(key);
      if (codes.size > 0) conn.topics.set(topic, codes);
      else conn.topics.delete(topic);
      return reply(0);
    }
    this.send(conn, { op, ...cid, 'err-code': 2040, 'err-msg': `Missing required parameter: got op "${op}", expected auth, sub, unsub or pong.`, ts });
  }

  /**
   * Renders an account change. Rendering waits for the end of the current task: an order is
   * announced from inside the request that placed it, before the codec has noted its client id.
   * The order's fields are copied now, so each update shows the order as it was at that change.
   */
  onEvent(e: SimPrivateEvent): void {
    if (e.kind === 'order') {
      const o: SimOrder = { ...e.order };
      queueMicrotask(() => this.pushOrder(o));
    } else if (e.kind === 'fill') {
      const f = e.fill;
      queueMicrotask(() => this.pushFill(f));
    }
  }

  private pushOrder(o: SimOrder): void {
    const codec = CODECS.get(this.core.privateApi);
    const m = this.core.ctx.byInstId(o.instId);
    if (!codec || !m) return;
    this.notify('orders', m.id, codec.orderRecord(o, m));
  }

  private pushFill(f: SimFill): void {
    const codec = CODECS.get(this.core.privateApi);
    const m = this.core.ctx.byInstId(f.instId);
    if (!codec || !m) return;
    const order = this.core.privateApi.orders.orders.get(f.orderId);
    const clientId = order ? codec.orderRecord(order, m).client_order_id : f.orderId;
    this.notify('trade', m.id, [{ ...codec.fillRecord(f, m), direction: f.side, client_order_id: clientId }]);
  }

  private notify(topic: string, code: string, data: unknown): void {
    // A silenced stream (the `silenceWebsockets` fault) stays open and says nothing, as the others do.
    if (this.core.faults.silent) return;
    const msg = { op: 'notify', topic, contract_code: code, ts: Date.now(), uid: UID, data };
    for (const conn of this.conns()) {
      const codes = conn.isPrivate && conn.authed ? conn.topics.get(topic) : undefined;
      if (codes && (codes.has('*') || codes.has(code))) this.send(conn, msg);
    }
  }

  /**
   * The key's signature v2 over this socket's path. HTX signs the path (`/ws/v5/notification`);
   * ccxt strips only a `wss://host` prefix from the URL before signing, so over the sim's plain
   * `ws://` it signs the whole URL: either is accepted, both prove the secret.
   */
  private verify(msg: Record<string, unknown>, host: string): boolean {
    if (msg.type !== 'api') return false;
    const query = [...AUTH_PARAMS]
      .sort()
      .map((k) => `${k}=${encodeURIComponent(typeof msg[k] === 'string' ? msg[k] : '')}`)
      .concat(`Signature=${encodeURIComponent(typeof msg.Signature === 'string' ? msg.Signature : '')}`)
      .join('&');
    const serverNowMs = this.core.faults.serverNowMs();
    const path = '/ws/v5/notification';
    return [path, `ws://${host}${path}`].some((signedPath) => verifyHtxRequest(this.apiKey, 'GET', { host }, signedPath, query, serverNowMs) === null);
  }
}
