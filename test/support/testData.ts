import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { missingInput } from './ci.js';

/**
 * Root of the real recorded data (`../shared/data` in CI), or null when PERPSCOPE_TEST_DATA is
 * unset or the subdirectory is missing. Suites that need it use `describe.skipIf(!requireData(sub))`.
 */
export function dataDir(sub = ''): string | null {
  const root = process.env.PERPSCOPE_TEST_DATA;
  if (!root) return null;
  const dir = resolve(root, sub);
  return existsSync(dir) ? dir : null;
}

export function skipReason(sub = ''): string {
  const root = process.env.PERPSCOPE_TEST_DATA;
  const reason = !root ? 'PERPSCOPE_TEST_DATA is unset' : `${join(root, sub)} does not exist`;
  return `real-data test needs ${sub || 'the data root'} (${reason}; point PERPSCOPE_TEST_DATA at the recorded data, ../shared/data in CI)`;
}

/**
 * True when the data is present. When it is missing: under CI=true throws with the reason (the
 * suite fails); elsewhere prints the reason and returns false (the caller skips).
 */
export function requireData(sub = ''): boolean {
  if (dataDir(sub)) return true;
  missingInput(skipReason(sub));
  return false;
}
