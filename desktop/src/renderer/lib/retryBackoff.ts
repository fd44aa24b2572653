import { backoffCeilingMs, isTemporaryErrorCode } from '@perpscope/shared';

/** The first wait before asking again after temporary trouble, doubled on each further failure. */
export const RETRY_FIRST_MS = 1_000;
/** The longest wait between two asks. */
export const RETRY_MAX_MS = 10_000;
/**
 * Failures in a row after which a view stops asking by itself (about a minute of trying): trouble
 * that lasts longer (a market with no book at all, a venue down) waits for the trader to act, and
 * every ask costs a read of the exchange.
 */
export const RETRY_MAX_FAILURES = 8;

/**
 * How long a view waits before repeating a read that failed with `code`, after `failures` failures
 * in a row (1 for the first): doubling from one second up to ten; null when the code is no
 * temporary trouble (a bad input stays bad however often it is asked) or after
 * `RETRY_MAX_FAILURES` failures.
 *
 * @example
 * const wait = retryDelayMs(res.error.code, ++failures);
 * if (wait !== null) timer = setTimeout(load, wait);
 */
export function retryDelayMs(code: string, failures: number): number | null {
  if (!isTemporaryErrorCode(code)) return null;
  const n = Math.max(1, Math.floor(failures));
  if (n > RETRY_MAX_FAILURES) return null;
  return backoffCeilingMs(n - 1, { baseMs: RETRY_FIRST_MS, maxMs: RETRY_MAX_MS });
}
