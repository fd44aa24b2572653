import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { missingInput } from './ci.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * PERPSCOPE_TEST_DATA as an absolute path, or null when unset. A relative value (CI sets
 * `../shared/data`) is read from the repository root, not the working directory: vitest runs from
 * the root, Playwright from `test/`, and a server child process from wherever it was started.
 */
export function dataRoot(): string | null {
  const root = process.env.PERPSCOPE_TEST_DATA;
  return root ? resolve(REPO_ROOT, root) : null;
}

/**
 * Root of the real recorded data (`../shared/data` in CI), or null when PERPSCOPE_TEST_DATA is
 * unset or the subdirectory is missing. Suites that need it use `describe.skipIf(!requireData(sub))`.
 */
export function dataDir(sub = ''): string | null {
  const root = dataRoot();
  if (!root) return null;
  const dir = resolve(root, sub);
  return existsSync(dir) ? dir : null;
}

export function skipReason(sub = ''): string {
  const root = dataRoot();
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
