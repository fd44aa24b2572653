import cliProgress from 'cli-progress';

/** A warm-up progress bar on stderr, so stdout stays clean for the table. */
export function createProgressBar(label: string): { update(done: number, total: number): void; stop(): void } {
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% | {value}/{total} series | eta {eta}s`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, done);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** One bar over several engines' warm-ups (`--exchange a,b`): their series done out of their series in all. */
export function followWarmUps(bar: { update(done: number, total: number): void }, engines: readonly { on(event: 'progress', listener: (p: { done: number; total: number }) => void): unknown }[]): void {
  const counts = new Map<number, { done: number; total: number }>();
  engines.forEach((engine, i) => {
    engine.on('progress', (p) => {
      counts.set(i, p);
      let done = 0;
      let total = 0;
      for (const c of counts.values()) {
        done += c.done;
        total += c.total;
      }
      bar.update(done, total);
    });
  });
}
