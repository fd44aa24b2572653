import { isTemporaryErrorCode } from '@perpscope/shared';

/** The first wait before asking again after temporary trouble, doubled on each further failure. */
export const RETRY_FIRST_MS = 1_000;
/** The longest wait: a view asks again at least this often while the trouble lasts. */
export const RETRY_MAX_MS = 10_000;

/**
 * How long a view waits before repeating a read that failed with `code`, after `failures` failures
 * in a row (1 for the first): doubling from one second up to ten, or null when the code is no
 * temporary trouble (a bad input stays bad however often it is asked).
 *
 * @example
 * const wait = retryDelayMs(res.error.code, ++failures);
 * if (wait !== null) timer = setTimeout(load, wait);
 */
export function retryDelayMs(code: string, failures: number): number | null {
  if (!isTemporaryErrorCode(code)) return null;
  const n = Math.max(1, Math.floor(failures));
  return Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.min(n - 1, 16));
}
