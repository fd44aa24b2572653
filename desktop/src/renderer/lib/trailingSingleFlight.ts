/**
 * One run of `fn` at a time. A call made while a run is under way does not start a second one
 * beside it: it asks for exactly one more run after the current one (however many calls asked)
 * and gets the promise that settles when that run is done, so the caller still sees a read
 * made after it asked. `busy()` lets a poll skip rather than queue.
 *
 * @example
 * const refresh = trailingSingleFlight(() => readStatus());
 * setInterval(() => { if (!refresh.busy()) void refresh.run(); }, 2_000);
 */
export function trailingSingleFlight(fn: () => Promise<void>): { run(): Promise<void>; busy(): boolean } {
  let current: Promise<void> | null = null;
  let again = false;
  return {
    run() {
      if (current) {
        again = true;
        return current;
      }
      current = (async () => {
        try {
          do {
            again = false;
            await fn();
          } while (again);
        } finally {
          current = null;
        }
      })();
      return current;
    },
    busy: () => current !== null,
  };
}
