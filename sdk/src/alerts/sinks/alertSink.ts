import { ErrorCode } from '@perpscope/shared';
import { PerpscopeError } from '../../core/errors.js';
import type { AlertMessage } from '../alertTypes.js';

/** Names of the sinks whose secret lives in the keychain. */
export const SECRET_SINKS = ['slack', 'discord', 'telegram', 'webhook'] as const;
export type SecretSinkName = (typeof SECRET_SINKS)[number];

/** One place alert messages go. `send` rejects with AlertDeliveryError when the service refuses. */
export interface AlertSink {
  readonly name: string;
  send(message: AlertMessage): Promise<void>;
}

/** The part of a fetch response body the sinks use: read in chunks, or cancelled unread. */
export interface BodyLike {
  getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }>; cancel(): Promise<void> };
  cancel(): Promise<void>;
}

/** The part of `fetch` the sinks use; injected so tests and shells choose the transport. */
export type FetchLike = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{ ok: boolean; status: number; text(): Promise<string>; body?: BodyLike | null }>;

/**
 * A sink could not deliver. `retryable` is true for network trouble, timeouts, 429 and 5xx; a
 * 4xx (bad URL, revoked token) will fail again. The message never holds the URL or token.
 */
export class AlertDeliveryError extends PerpscopeError {
  override readonly name: string = 'AlertDeliveryError';
}

/** Longest part of a service's error body quoted in an error. */
const MAX_QUOTED_BODY = 200;
/** Most bytes of an error body read before the rest is dropped (only the start is quoted). */
const MAX_READ_BYTES = 8_192;
/** Path segments at least this long are treated as secret (webhook ids, tokens); shorter ones are words like `api`. */
const MIN_SECRET_SEGMENT_CHARS = 8;

/** How one POST is bounded and what its errors must not show. */
export interface PostOptions {
  /** Covers the whole exchange, reading the answer included. */
  timeoutMs: number;
  /** Secrets besides the URL that never appear in errors (e.g. a bot token). */
  hidden?: readonly string[];
  /** Aborts the request for good (shutdown); the failure is then not retryable. */
  signal?: AbortSignal;
}

/**
 * POSTs `body` as JSON and resolves on a 2xx. `sink` names the service in errors; `url` is a
 * secret and never appears in them, nor do its path, its long path segments or `hidden`, even
 * when the service echoes them in its error body. A 2xx body is never read, only released.
 */
export async function postJson(fetchFn: FetchLike, sink: string, url: string, body: unknown, o: PostOptions): Promise<void> {
  const { timeoutMs, hidden = [], signal } = o;
  if (signal?.aborted) throw cancelled(sink);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const onCancel = () => abort.abort();
  signal?.addEventListener('abort', onCancel, { once: true });
  const timeout = () => (signal?.aborted ? cancelled(sink) : new AlertDeliveryError(ErrorCode.RequestTimeout, `${sink}: no answer within ${timeoutMs} ms`, { retryable: true, details: { sink } }));
  try {
    let res: Awaited<ReturnType<FetchLike>>;
    try {
      res = await fetchFn(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: abort.signal });
    } catch (e) {
      if (abort.signal.aborted) throw timeout();
      throw new AlertDeliveryError(ErrorCode.NetworkError, `${sink}: could not connect (${redactSecrets(causeOf(e), url, hidden)})`, { retryable: true, details: { sink } });
    }
    if (res.ok) {
      // An unread body holds its connection open; the answer to a 2xx carries nothing we need.
      await res.body?.cancel().catch(() => undefined);
      return;
    }
    let text: string;
    try {
      text = await readCapped(res, MAX_READ_BYTES);
    } catch {
      if (abort.signal.aborted) throw timeout();
      text = '';
    }
    // Redacted before it is cut, so a secret split by the cut cannot survive in part.
    const quoted = redactSecrets(text, url, hidden).replace(/\s+/g, ' ').trim().slice(0, MAX_QUOTED_BODY);
    const retryable = res.status === 429 || res.status >= 500;
    const code = res.status === 429 ? ErrorCode.RateLimited : res.status === 401 || res.status === 403 ? ErrorCode.AuthenticationFailed : retryable ? ErrorCode.ExchangeUnavailable : ErrorCode.BadRequest;
    throw new AlertDeliveryError(code, `${sink}: HTTP ${res.status}${quoted ? ` (${quoted})` : ''}`, { retryable, details: { sink, status: res.status } });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onCancel);
  }
}

/** The PostOptions of a sink's options (default timeout 10 s). */
export function postOptions(o: { timeoutMs?: number; signal?: AbortSignal }): PostOptions {
  return { timeoutMs: o.timeoutMs ?? 10_000, ...(o.signal ? { signal: o.signal } : {}) };
}

function cancelled(sink: string): AlertDeliveryError {
  return new AlertDeliveryError(ErrorCode.Cancelled, `${sink}: not delivered, alerts are shutting down`, { retryable: false, details: { sink } });
}

/** The body as text, at most `maxBytes` of it; the rest is cancelled unread. */
async function readCapped(res: Awaited<ReturnType<FetchLike>>, maxBytes: number): Promise<string> {
  if (!res.body) return (await res.text()).slice(0, maxBytes);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done || !value) break;
    chunks.push(value);
    size += value.length;
    if (size >= maxBytes) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}

/**
 * `text` without the secret parts of `url` (the URL itself, its path, each path segment of 8+
 * characters, raw and percent-decoded), without `hidden`, and without any other URL. Services
 * echo the request path in errors (n8n: `webhook "POST <path>" is not registered`), and for
 * Slack, Discord and Telegram the path is the credential.
 */
export function redactSecrets(text: string, url: string, hidden: readonly string[] = []): string {
  const secrets = new Set<string>();
  try {
    const u = new URL(url);
    secrets.add(`${u.host}${u.pathname}`);
    secrets.add(u.pathname);
    secrets.add(u.pathname.replace(/^\/+/, ''));
    for (const segment of u.pathname.split('/')) {
      secrets.add(segment);
      try {
        secrets.add(decodeURIComponent(segment));
      } catch {
        // A malformed escape: the raw segment is already listed.
      }
    }
    if (u.search) secrets.add(u.search.slice(1));
  } catch {
    // Not a URL (a sink checks it before it gets here); the whole value is still hidden.
  }
  let out = text.replace(/\b\w+:\/\/\S+/g, '(url)');
  const ordered = [url, ...hidden.filter(Boolean), ...[...secrets].filter((x) => x.length >= MIN_SECRET_SEGMENT_CHARS)].sort((a, b) => b.length - a.length);
  for (const secret of ordered) out = out.split(secret).join('(hidden)');
  return out;
}

/** The innermost error message (fetch wraps the socket error as `cause`). */
function causeOf(e: unknown): string {
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur instanceof Error && (cur as Error & { cause?: unknown }).cause instanceof Error; i++) cur = (cur as Error & { cause?: unknown }).cause;
  if (!(cur instanceof Error)) return String(cur);
  const code = (cur as Error & { code?: unknown }).code;
  return typeof code === 'string' ? code : cur.message;
}

/** Cuts `text` to at most `max` characters, marking the cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
