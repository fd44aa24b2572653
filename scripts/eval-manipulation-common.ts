/**
 * Helpers shared by the manipulation evaluation scripts: where the data lives and how to read
 * the CSV files in it. Scripts run with `npx tsx scripts/<name>.ts [--data DIR]`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Data root from `--data DIR`, else PERPSCOPE_TEST_DATA; exits with a clear message when neither exists. */
export function dataRoot(argv: readonly string[] = process.argv.slice(2)): string {
  const i = argv.indexOf('--data');
  const root = i >= 0 ? argv[i + 1] : process.env.PERPSCOPE_TEST_DATA;
  if (!root || !existsSync(root)) {
    console.error(`data root not found: pass --data DIR or set PERPSCOPE_TEST_DATA (got ${JSON.stringify(root ?? null)})`);
    process.exit(2);
  }
  return resolve(root);
}

/** Value of `--name VALUE`, or the fallback. */
export function argValue(name: string, fallback: string, argv: readonly string[] = process.argv.slice(2)): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? (argv[i + 1] as string) : fallback;
}

/** Minimal CSV reader for the plain numeric files in the data folder (no quoted commas). */
export function readCsv(path: string): { header: string[]; rows: string[][] } {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  return { header, rows: lines.slice(1).map((l) => l.split(',')) };
}

/** `YYYY-MM-DD HH:MM:SS` in UTC to epoch ms. */
export function utcMs(text: string): number {
  return Date.parse(`${text.trim().replace(' ', 'T')}Z`);
}

export function isoMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

export const pct = (x: number, digits = 1): string => `${(x * 100).toFixed(digits)}%`;
