/**
 * The sim start every test pins (Wed 2025-01-15 14:00 UTC), with its seed, so a SimExchange
 * serves the same markets, books and price paths on every run and machine: the generator's
 * time-of-day effects and bar boundaries do not depend on when the test runs.
 */
export const SIM_START_MS = Date.UTC(2025, 0, 15, 14, 0, 0);

/** Polling period of {@link until}; a check's cost, not a wait for progress. */
const POLL_MS = 50;

/**
 * Polls `check` until it returns a value other than null and returns it; fails naming `what`
 * after `timeoutMs` of wall time. The deadline only turns a hang into a clear failure: progress is
 * proven by the state `check` sees, never by time passing.
 */
export async function until<T>(what: string, check: () => T | null | Promise<T | null>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS)); // poll period between state checks, not a wait for progress
  }
}
