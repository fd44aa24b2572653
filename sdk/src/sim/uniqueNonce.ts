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
 * After the venue refuses a nonce, stamps for that key start past the refused one: by this much
 * after the first refusal, doubling with each further refusal in a row, up to
 * {@link MAX_SKIP_MS}. Another process on the same key (one that just crashed, or runs beside
 * this one) may have used every millisecond around now, and its clock correction may differ from
 * ours by a second or more (BloFin's `Date` header has whole seconds); its stamps are unknown
 * here, so retrying at the next millisecond, or at a fixed step, can keep landing on them.
 */
const FIRST_SKIP_MS = 1_000;
/** Half of BloFin's 60 s timestamp window: a skipped-ahead stamp is still accepted. */
const MAX_SKIP_MS = 30_000;
/** Per (venue, key): the first stamp allowed after a refusal. */
const FLOOR = new Map<string, number>();
/** Per (venue, key): refusals in a row (an accepted private request resets it). */
const REFUSALS = new Map<string, number>();
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
    const sent = Number((args[7] as Record<string, unknown> | undefined)?.['ACCESS-NONCE']);
    if (Number.isFinite(sent)) {
      const body = args[5];
      const key = keyOf();
      if (typeof body === 'string' && body.includes(`"${NONCE_REUSED}"`)) {
        const refusals = (REFUSALS.get(key) ?? 0) + 1;
        REFUSALS.set(key, refusals);
        const skipMs = Math.min(MAX_SKIP_MS, FIRST_SKIP_MS * 2 ** (refusals - 1));
        // Never further ahead of the instance's clock than the cap: a stamp outside the venue's
        // timestamp window would be refused for that instead (152405), for a minute.
        const floorMs = Math.min(sent + skipMs, ex.milliseconds() + MAX_SKIP_MS);
        FLOOR.set(key, Math.max(FLOOR.get(key) ?? 0, floorMs));
      } else {
        REFUSALS.delete(key);
      }
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
