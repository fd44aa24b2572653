import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { SimApiKey } from '../../types.js';
import type { DialectReply } from '../types.js';
import { HT } from './wire.js';

/** How far a signed `Timestamp` may stray from the server's clock, either way (HTX: 5 minutes). */
export const TIMESTAMP_TOLERANCE_MS = 5 * 60_000;

/**
 * HTX's signature v2: base64 HMAC-SHA256 over `METHOD\nhost\npath\nquery`, where the query is
 * every parameter but `Signature`, URL-encoded as sent and sorted by key.
 */
export function htxSign(secret: string, method: string, host: string, path: string, sortedQuery: string): string {
  return createHmac('sha256', secret).update(`${method}\n${host}\n${path}\n${sortedQuery}`).digest('base64');
}

/**
 * Verifies a signed request: `AccessKeyId` names the key, `SignatureMethod` is HmacSHA256 and
 * `SignatureVersion` 2, `Timestamp` (UTC `YYYY-MM-DDThh:mm:ss`) lies within 5 minutes of the
 * server's clock, and `Signature` matches {@link htxSign} over the host the request was sent to.
 * Null when the request passes.
 *
 * @param rawQuery the query string exactly as received, without `?`
 * @param serverNowMs the server clock (skew fault applied)
 */
export function verifyHtxRequest(key: SimApiKey | null, method: string, headers: IncomingHttpHeaders, path: string, rawQuery: string, serverNowMs: number): DialectReply | null {
  const pairs = rawQuery === '' ? [] : rawQuery.split('&').map((kv) => {
    const i = kv.indexOf('=');
    return i < 0 ? [kv, ''] : [kv.slice(0, i), kv.slice(i + 1)];
  });
  const get = (name: string): string => decode(pairs.find(([k]) => k === name)?.[1] ?? '');
  for (const name of ['AccessKeyId', 'SignatureMethod', 'SignatureVersion', 'Timestamp', 'Signature']) if (get(name) === '') return HT.signatureParams(name);
  if (!key || get('AccessKeyId') !== key.apiKey) return HT.accessKey();
  if (get('SignatureMethod') !== 'HmacSHA256' || get('SignatureVersion') !== '2') return HT.signature();
  const stamp = get('Timestamp');
  const ts = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(stamp) ? Date.parse(`${stamp}Z`) : Number.NaN;
  if (!Number.isFinite(ts) || Math.abs(serverNowMs - ts) > TIMESTAMP_TOLERANCE_MS) return HT.timestamp();
  const sorted = pairs
    .filter(([k]) => k !== 'Signature')
    .sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const hostHeader = headers.host;
  const host = (Array.isArray(hostHeader) ? hostHeader[0] : hostHeader) ?? '';
  const expected = htxSign(key.secret, method, host.toLowerCase(), path, sorted);
  return sameText(expected, get('Signature')) ? null : HT.signature();
}

function decode(v: string): string {
  try {
    return decodeURIComponent(v.replace(/\+/g, ' '));
  } catch {
    return v;
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
