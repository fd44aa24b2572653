import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Root of the real recorded data (`../shared/data` in CI), or null when PERPSCOPE_TEST_DATA is
 * unset. Tests that need it call `describe.skipIf(!dataDir(sub))` and print why via `skipReason`.
 */
export function dataDir(sub = ''): string | null {
  const root = process.env.PERPSCOPE_TEST_DATA;
  if (!root) return null;
  const dir = resolve(root, sub);
  return existsSync(dir) ? dir : null;
}

export function skipReason(sub = ''): string {
  const root = process.env.PERPSCOPE_TEST_DATA;
  const reason = !root
    ? 'PERPSCOPE_TEST_DATA is unset'
    : `${join(root, sub)} does not exist`;
  return `skipped: real-data test needs ${sub || 'the data root'} (${reason})`;
}

/** Logs the skip reason once when the data is missing; returns true when the data is present. */
export function requireData(sub = ''): boolean {
  if (dataDir(sub)) return true;
  console.warn(skipReason(sub));
  return false;
}
