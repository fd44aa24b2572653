import type { Exchange } from 'ccxt';

const INSTALLED = new WeakSet<object>();
/** How long a venue remembers a nonce (BloFin: 60 s); kept a little longer here. */
const REMEMBER_MS = 120_000;
/**
 * Stamps signed per (venue, key) in the last {@link REMEMBER_MS}, with the wall time each was
 * used, across every instance in the process: a venue refuses a nonce its key already used,
 * whichever client object sent it (a broker rebuilt after a restart, a second reader on the same
 * account).
 */
const RECENT = new Map<string, Map<number, number>>();
/**
 * After the venue refuses a nonce, stamps for that key start this far past the refused one.
 * Another process on the same key (one that just crashed, or runs beside this one) may have used
 * every millisecond around now; its stamps are unknown here, so retrying at the next millisecond
 * would keep landing on them. A second is well inside BloFin's 60 s timestamp window.
 */
const SKIP_AFTER_REFUSAL_MS = 1_000;
/** Per (venue, key): the first stamp allowed after a refusal. */
const FLOOR = new Map<string, number>();
/** BloFin's "Repeated nonce" code. */
const NONCE_REUSED = '152407';

/**
 * Keeps private requests from sharing a nonce. ccxt's blofin signs with `ACCESS-NONCE` =
 * `ACCESS-TIMESTAMP` = `this.milliseconds()`, so two private calls signed in the same millisecond
 * (on one instance or on two with the same key) repeat a nonce, which BloFin refuses (152407,
 * InvalidNonce). While `sign` runs for a private request, `milliseconds()` answers the first
 * millisecond at or after the instance's own clock that the venue and key have not used lately.
 * The instance's clock (with any skew correction installed on it) still leads: a correction that
 * moves it back is followed at once, only already-used stamps are skipped. Signing is synchronous,
 * so no other call observes the override. Installing twice is a no-op.
 *
 * @example
 * const ex = uniqueSignNonces(new ccxt.pro.blofin({ apiKey, secret, password }));
 */
export function uniqueSignNonces<T extends Exchange>(ex: T): T {
  if (INSTALLED.has(ex)) return ex;
  INSTALLED.add(ex);
  const sign = ex.sign.bind(ex) as (...a: unknown[]) => unknown;
  const keyOf = () => `${String(ex.apiKey)}@${venueUrl(ex)}`;
  ex.sign = ((path: unknown, api: unknown = 'public', ...rest: unknown[]) => {
    if (api !== 'private') return sign(path, api, ...rest);
    const own = Object.prototype.hasOwnProperty.call(ex, 'milliseconds') ? ex.milliseconds : undefined;
    const key = keyOf();
    const stampMs = freshStamp(key, Math.max(ex.milliseconds(), FLOOR.get(key) ?? 0), Date.now());
    ex.milliseconds = () => stampMs;
    try {
      return sign(path, api, ...rest);
    } finally {
      if (own) ex.milliseconds = own;
      else delete (ex as { milliseconds?: unknown }).milliseconds;
    }
  }) as typeof ex.sign;
  // A refusal names a nonce someone else used: the next signatures skip past it (the read that
  // failed is retried by the caller, which is what makes the skip matter).
  const handleErrors = ex.handleErrors.bind(ex) as (...a: unknown[]) => unknown;
  ex.handleErrors = ((...args: unknown[]) => {
    const body = args[5];
    if (typeof body === 'string' && body.includes(`"${NONCE_REUSED}"`)) {
      const sent = Number((args[7] as Record<string, unknown> | undefined)?.['ACCESS-NONCE']);
      const key = keyOf();
      if (Number.isFinite(sent)) FLOOR.set(key, Math.max(FLOOR.get(key) ?? 0, sent + SKIP_AFTER_REFUSAL_MS));
    }
    return handleErrors(...args);
  }) as typeof ex.handleErrors;
  return ex;
}

/** The first stamp at or after `clockMs` unused by `key` lately; recorded as used at `wallMs`. */
function freshStamp(key: string, clockMs: number, wallMs: number): number {
  let used = RECENT.get(key);
  if (!used) RECENT.set(key, (used = new Map()));
  // Insertion order is use order: the stale entries are at the front.
  for (const [stamp, atMs] of used) {
    if (wallMs - atMs < REMEMBER_MS) break;
    used.delete(stamp);
  }
  let stampMs = Math.floor(clockMs);
  while (used.has(stampMs)) stampMs++;
  used.set(stampMs, wallMs);
  return stampMs;
}

/** The REST root requests go to (read at signing time: tests repoint instances after construction). */
function venueUrl(ex: Exchange): string {
  const api = ex.urls?.api as unknown;
  if (typeof api === 'string') return api;
  const rest = (api as { rest?: unknown } | undefined)?.rest;
  return typeof rest === 'string' ? rest : JSON.stringify(rest ?? api ?? ex.id);
}
