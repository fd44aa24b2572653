import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

/**
 * Bundles a scenario (with the sources it imports and their packages) into one plain JavaScript
 * file for a child process to run with no TypeScript loader: a shipped engine runs compiled
 * JavaScript, and tsx's in-process loader holds about 40 MB of RSS of its own (scan-tick's
 * `rss.atStartMb`: 102-111 MB through tsx, 64 MB without), which a memory figure would otherwise
 * bill to the engine. Returns the file's path.
 */
export async function bundleScenario(entryFile: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'perpscope-bench-'));
  const outfile = join(dir, 'scenario.mjs');
  // Loaded here, not at the top: this file is bundled too, and the bundle must not carry esbuild.
  const { build } = await import('esbuild');
  await build({
    entryPoints: [entryFile],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    external: ['esbuild'],
    logLevel: 'error',
    // Bundled packages that are CommonJS call `require`; an ES module has none of its own.
    banner: { js: "import { createRequire as __benchRequire } from 'node:module'; const require = __benchRequire(import.meta.url);" },
  }).catch((err: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  return outfile;
}

/** Whether a process's flags or `NODE_OPTIONS` bring in tsx. */
export function hasTsLoader(execArgv: readonly string[], nodeOptions = process.env.NODE_OPTIONS ?? ''): boolean {
  return [...execArgv, nodeOptions].some((a) => a.includes('tsx'));
}

/** `execArgv` without a TypeScript loader (`--import tsx`), for a child that runs a bundle. */
export function withoutTsLoader(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i]!;
    if (a === '--import' && execArgv[i + 1] === 'tsx') {
      i++;
      continue;
    }
    if (a === '--import=tsx') continue;
    out.push(a);
  }
  return out;
}
