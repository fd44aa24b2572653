import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { SimApiKey } from '../../types.js';
import type { DialectReply } from '../types.js';
import { BN } from './wire.js';

/** Binance's default `recvWindow` when a signed request sends none, and the largest it accepts. */
export const DEFAULT_RECV_WINDOW_MS = 5_000;
export const MAX_RECV_WINDOW_MS = 60_000;
/** How far ahead of the server's clock a signed `timestamp` may run. */
export const MAX_AHEAD_MS = 1_000;

/** Binance's HMAC-SHA256 signature: lowercase hex over the signed payload. */
export function binanceSign(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('hex');
}

/**
 * Verifies a signed (`USER_DATA`/`TRADE`) request: the `X-MBX-APIKEY` header names the key, the
 * `signature` parameter is the HMAC-SHA256 of the query string followed by the body (without the
 * signature itself), and `timestamp` lies within `recvWindow` (default 5 s, at most 60 s) before
 * the server's clock and at most 1 s after it. Null when the request passes.
 *
 * @param rawQuery the query string exactly as received, without `?`
 * @param body the form-encoded body exactly as received ('' when none)
 * @param params the request's parameters, query and body merged
 * @param serverNowMs the server clock (skew fault applied)
 */
export function verifyBinanceRequest(
  key: SimApiKey | null,
  headers: IncomingHttpHeaders,
  rawQuery: string,
  body: string,
  params: URLSearchParams,
  serverNowMs: number,
): DialectReply | null {
  const header = headers['x-mbx-apikey'];
  const apiKey = Array.isArray(header) ? (header[0] ?? '') : (header ?? '');
  if (apiKey === '') return BN.apiKeyFormat();
  if (!key || apiKey !== key.apiKey) return BN.apiKeyRejected();
  const timestampRaw = params.get('timestamp') ?? '';
  if (!/^\d{1,16}$/.test(timestampRaw)) return BN.mandatory('timestamp');
  const recvRaw = params.get('recvWindow');
  const recvWindowMs = recvRaw === null || recvRaw === '' ? DEFAULT_RECV_WINDOW_MS : Number(recvRaw);
  if (!Number.isFinite(recvWindowMs) || recvWindowMs <= 0) return BN.badParam('recvWindow', `Got "${recvRaw ?? ''}", expected a positive number of ms.`);
  if (recvWindowMs > MAX_RECV_WINDOW_MS) return BN.badRecvWindow();
  const timestamp = Number(timestampRaw);
  if (timestamp - serverNowMs >= MAX_AHEAD_MS) return BN.timestampAhead();
  if (serverNowMs - timestamp > recvWindowMs) return BN.timestampWindow();
  const signature = params.get('signature') ?? '';
  if (signature === '') return BN.mandatory('signature');
  const payload = withoutSignature(rawQuery) + withoutSignature(body);
  return sameText(binanceSign(key.secret, payload), signature.toLowerCase()) ? null : BN.signature();
}

/** A form-encoded string with its `signature=...` pair removed. */
function withoutSignature(form: string): string {
  return form
    .split('&')
    .filter((pair) => pair !== '' && !pair.startsWith('signature='))
    .join('&');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
