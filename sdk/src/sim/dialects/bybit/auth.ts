import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { SimApiKey } from '../../types.js';
import type { DialectReply } from '../types.js';
import { BY } from './wire.js';

/** Bybit's `recvWindow` when a signed request sends none. */
export const DEFAULT_RECV_WINDOW_MS = 5_000;
/** How far ahead of the server's clock a signed timestamp may run (Bybit: `timestamp < server_time + 1000`). */
export const MAX_AHEAD_MS = 1_000;

/** Bybit's HMAC-SHA256 signature (lowercase hex) over `timestamp + apiKey + recvWindow + payload`. */
export function bybitSign(secret: string, timestamp: string, apiKey: string, recvWindow: string, payload: string): string {
  return createHmac('sha256', secret).update(timestamp + apiKey + recvWindow + payload).digest('hex');
}

/**
 * Verifies a v5 signed request: `X-BAPI-API-KEY` names the key, `X-BAPI-SIGN` is the HMAC-SHA256
 * of timestamp, key, recvWindow and then the query string (GET) or the JSON body (POST), exactly
 * as sent; `X-BAPI-TIMESTAMP` lies within `X-BAPI-RECV-WINDOW` (default 5 s) before the server's
 * clock and less than 1 s after it. Null when the request passes.
 *
 * @param rawQuery the query string exactly as received, without `?`
 * @param body the body exactly as received ('' when none)
 * @param serverNowMs the server clock (skew fault applied)
 */
export function verifyBybitRequest(key: SimApiKey | null, method: string, headers: IncomingHttpHeaders, rawQuery: string, body: string, serverNowMs: number): DialectReply | null {
  const apiKey = header(headers, 'x-bapi-api-key');
  const timestamp = header(headers, 'x-bapi-timestamp');
  const signature = header(headers, 'x-bapi-sign');
  if (apiKey === '' || timestamp === '' || signature === '') return BY.signParams();
  if (!key || apiKey !== key.apiKey) return BY.apiKey();
  const recvRaw = header(headers, 'x-bapi-recv-window');
  const recvWindow = recvRaw === '' ? String(DEFAULT_RECV_WINDOW_MS) : recvRaw;
  const recvMs = Number(recvWindow);
  if (!/^\d{1,16}$/.test(timestamp)) return BY.badValue('X-BAPI-TIMESTAMP', `Got "${timestamp}", expected a time in ms.`);
  if (!Number.isInteger(recvMs) || recvMs <= 0) return BY.badValue('X-BAPI-RECV-WINDOW', `Got "${recvRaw}", expected a positive number of ms.`);
  const ts = Number(timestamp);
  if (ts >= serverNowMs + MAX_AHEAD_MS || serverNowMs - recvMs > ts) return BY.expired(timestamp, serverNowMs, recvWindow);
  const payload = method === 'GET' ? rawQuery : body;
  const expected = bybitSign(key.secret, timestamp, apiKey, recvWindow, payload);
  return sameText(expected, signature.toLowerCase()) ? null : BY.sign(timestamp + apiKey + recvWindow + payload);
}

function header(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
