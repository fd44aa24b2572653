import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { SimApiKey } from './types.js';

/** BloFin's auth failure codes (ccxt maps 152401/152408/152409 to AuthenticationError). */
export type AuthFailure = { code: string; msg: string };

/** BloFin's window for ACCESS-TIMESTAMP against server time (its docs and error text: 60 s). */
export const MAX_TIMESTAMP_SKEW_MS = 60_000;

const EXPIRED: AuthFailure = { code: '152405', msg: 'Timestamp in header or signature has expired, need to be within 60s' };

/**
 * Checks a signed timestamp against the server's clock (skew fault applied). Malformed
 * timestamps are left to the full verification, which names them.
 */
export function checkTimestamp(timestamp: string, serverNowMs: number): AuthFailure | null {
  if (!/^\d{13}$/.test(timestamp)) return null;
  return Math.abs(Number(timestamp) - serverNowMs) > MAX_TIMESTAMP_SKEW_MS ? EXPIRED : null;
}

/**
 * BloFin's signature: base64 of the lowercase hex HMAC-SHA256 of
 * `requestPath + METHOD + timestamp + nonce + body` (the hex string's bytes, not the digest's).
 */
export function blofinSign(secret: string, prehash: string): string {
  const hex = createHmac('sha256', secret).update(prehash).digest('hex');
  return Buffer.from(hex, 'utf8').toString('base64');
}

/**
 * Verifies a private REST request's ACCESS-* headers against the configured key. `requestPath`
 * is the path with its query string, exactly as received. The timestamp window is checked against
 * the server clock by {@link checkTimestamp} before this runs (the server owns the skew fault),
 * so `_wallNowMs` is unused; here only the timestamp's format is checked.
 */
export function verifyRest(
  key: SimApiKey | null,
  method: string,
  requestPath: string,
  body: string,
  headers: IncomingHttpHeaders,
  _wallNowMs: number,
): AuthFailure | null {
  const h = (name: string): string => {
    const v = headers[name];
    return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
  };
  const accessKey = h('access-key');
  if (!key || accessKey === '' || accessKey !== key.apiKey) return { code: '152401', msg: 'Access key does not exist' };
  if (h('access-passphrase') !== key.password) return { code: '152408', msg: 'Passphrase error' };
  const timestamp = h('access-timestamp');
  if (!/^\d{13}$/.test(timestamp)) return { code: '152410', msg: 'The value of ACCESS-TIMESTAMP needs to be a millisecond timestamp' };
  const expected = blofinSign(key.secret, `${requestPath}${method.toUpperCase()}${timestamp}${h('access-nonce')}${body}`);
  return sameText(expected, h('access-sign')) ? null : { code: '152409', msg: 'Signature verification failed' };
}

/**
 * Verifies a websocket `login` argument: the prehash is `/users/self/verify` + `GET` + timestamp
 * + nonce. `_wallNowMs` is unused: the server checks the window against its own, possibly skewed,
 * clock with {@link checkTimestamp}.
 */
export function verifyWsLogin(key: SimApiKey | null, arg: Record<string, unknown>, _wallNowMs: number): AuthFailure | null {
  const str = (k: string): string => (typeof arg[k] === 'string' ? (arg[k] as string) : '');
  if (!key || str('apiKey') !== key.apiKey) return { code: '152401', msg: 'Access key does not exist' };
  if (str('passphrase') !== key.password) return { code: '152408', msg: 'Passphrase error' };
  const timestamp = str('timestamp');
  if (!/^\d{13}$/.test(timestamp)) return EXPIRED;
  const expected = blofinSign(key.secret, `/users/self/verify` + 'GET' + timestamp + str('nonce'));
  return sameText(expected, str('sign')) ? null : { code: '152409', msg: 'Signature verification failed' };
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
