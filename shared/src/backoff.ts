/** Exponential backoff parameters. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Growth per attempt; 2 doubles the ceiling each time. */
  factor?: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, maxMs: 30_000, factor: 2 };

/** The ceiling for `attempt` (0-based): `min(maxMs, baseMs * factor^attempt)`. */
export function backoffCeilingMs(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const factor = options.factor ?? 2;
  const ceiling = options.baseMs * Math.pow(factor, Math.max(0, attempt));
  return Math.min(options.maxMs, Number.isFinite(ceiling) ? ceiling : options.maxMs);
}

/**
 * "Full jitter" backoff (AWS architecture blog): a uniform draw in `[0, ceiling]`. Spreading
 * retries over the whole interval keeps many clients from retrying in lockstep after an outage.
 * `random` is injected so tests and replays are deterministic.
 *
 * @example
 * await clock.sleep(fullJitterBackoffMs(attempt, DEFAULT_BACKOFF, Math.random));
 */
export function fullJitterBackoffMs(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const r = Math.min(1, Math.max(0, random()));
  return Math.floor(r * backoffCeilingMs(attempt, options));
}
