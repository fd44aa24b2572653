import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { SimContext } from '../../context.js';
import type { SimApiKey } from '../../types.js';
import type { DialectReply } from '../types.js';
import type { BinanceAlgoMeta, BinanceOrderMeta } from './records.js';
import { BN, bnError, bnOk } from './wire.js';

/** Binance closes a user-data stream 60 minutes after its key was last created or kept alive. */
export const LISTEN_KEY_TTL_MS = 60 * 60_000;
/** The listenKey path of USD-M futures (`POST` start, `PUT` keep alive, `DELETE` close). */
export const LISTEN_KEY_PATH = '/fapi/v1/listenKey';
const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const KEY_LENGTH = 64;

/** Why sockets following a key stop receiving events. */
export type ListenKeyEnd = 'expired' | 'closed';

/**
 * The account's user-data stream key. Binance keeps one per account: `POST` while a key is active
 * returns that key and extends it, `PUT` extends it, `DELETE` closes it, and a key neither created
 * nor kept alive for {@link LISTEN_KEY_TTL_MS} expires. The clock is the dialect's wall clock (the
 * `rateLimitClockMs` a test injects), since the 60 minutes are real time whatever the acceleration.
 */
export class ListenKeys {
  private current: { key: string; renewedMs: number } | null = null;
  private readonly listeners = new Set<(key: string, why: ListenKeyEnd) => void>();

  constructor(private readonly nowMs: () => number) {}

  /** `POST`: the active key, renewed, or a new one. */
  open(): string {
    this.sweep();
    const now = this.nowMs();
    if (this.current) this.current.renewedMs = now;
    else this.current = { key: newKey(), renewedMs: now };
    return this.current.key;
  }

  /** `PUT`: renews the active key; null when none is active (expired or never created). */
  keepAlive(): string | null {
    this.sweep();
    if (!this.current) return null;
    this.current.renewedMs = this.nowMs();
    return this.current.key;
  }

  /** `DELETE`: closes the active key, if any. */
  close(): void {
    const key = this.current?.key;
    this.current = null;
    if (key !== undefined) this.announce(key, 'closed');
  }

  /** Whether `key` is the account's active key now. */
  isActive(key: string): boolean {
    this.sweep();
    return this.current !== null && this.current.key === key;
  }

  /** Expires the active key once its time is up (run before every use, and by the stream's ticks). */
  sweep(): void {
    if (!this.current || this.nowMs() - this.current.renewedMs < LISTEN_KEY_TTL_MS) return;
    const key = this.current.key;
    this.current = null;
    this.announce(key, 'expired');
  }

  /** Follows keys that expire or are closed; returns the unsubscribe. */
  onEnd(listener: (key: string, why: ListenKeyEnd) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private announce(key: string, why: ListenKeyEnd): void {
    for (const l of this.listeners) l(key, why);
  }
}

function newKey(): string {
  const bytes = randomBytes(KEY_LENGTH);
  let key = '';
  for (const b of bytes) key += KEY_ALPHABET[b % KEY_ALPHABET.length];
  return key;
}

/**
 * Answers `POST`/`PUT`/`DELETE /fapi/v1/listenKey` (security type USER_STREAM: the
 * `X-MBX-APIKEY` header only, no signature or timestamp; weight 1 each, the weight table's
 * default). Null for any other path.
 */
export function handleListenKeyRoute(keys: ListenKeys, apiKey: SimApiKey | null, method: string, path: string, headers: IncomingHttpHeaders): DialectReply | null {
  if (path !== LISTEN_KEY_PATH) return null;
  const header = headers['x-mbx-apikey'];
  const sent = Array.isArray(header) ? (header[0] ?? '') : (header ?? '');
  if (sent === '') return BN.apiKeyFormat();
  if (!apiKey || sent !== apiKey.apiKey) return BN.apiKeyRejected();
  switch (method) {
    case 'POST':
      return bnOk({ listenKey: keys.open() });
    case 'PUT': {
      const key = keys.keepAlive();
      return key === null ? bnError(-1125, 'This listenKey does not exist.') : bnOk({ listenKey: key });
    }
    case 'DELETE':
      keys.close();
      return bnOk({});
    default:
      return bnError(-5000, `Path ${path}, Method ${method} is invalid`, 404);
  }
}

/**
 * What the user-data stream needs from the REST codec: the listenKeys, and the client ids the
 * codec keeps beside the core's records (so an event names an order as REST does).
 */
export interface BinanceUserData {
  keys: ListenKeys;
  orderMeta(orderId: string): BinanceOrderMeta | undefined;
  algoMeta(algoId: string): BinanceAlgoMeta | undefined;
}

/** Per sim: the dialect's user-data state, read by its websocket hub (created before the dialect). */
const USER_DATA = new WeakMap<SimContext, BinanceUserData>();

export function bindBinanceUserData(ctx: SimContext, data: BinanceUserData): void {
  USER_DATA.set(ctx, data);
}

/** The sim's user-data state; undefined until the Binance dialect is created over `ctx`. */
export function binanceUserDataOf(ctx: SimContext): BinanceUserData | undefined {
  return USER_DATA.get(ctx);
}
