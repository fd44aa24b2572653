import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const resultsDir = join(dirname(fileURLToPath(import.meta.url)), 'results');

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Times `fn` `runs` times after `warmup` untimed calls and returns the median in milliseconds.
 * Absolute times drift on shared machines; scenarios report ratios of medians taken in one run.
 */
export function timeMedianMs(fn: () => void, runs = 7, warmup = 2): number {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(times);
}

export async function timeMedianMsAsync(fn: () => Promise<void>, runs = 5, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(times);
}

/** Writes `bench/results/<scenario>.json` and prints the one-line summary. */
export function writeResult(scenario: string, result: Record<string, unknown>, summary: string): void {
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, `${scenario}.json`), JSON.stringify({ scenario, node: process.version, at: new Date().toISOString(), ...result }, null, 2));
  console.log(`[${scenario}] ${summary}`);
}
