import { afterAll, afterEach } from 'vitest';

/**
 * Turns an unhandled promise rejection or uncaught exception in a test process into a failure of
 * the test that was running (or of the file, when it happens after the last test). A rejection
 * nobody handles is a crash in production (`serve` exits on one), so it must never pass silently.
 */
const KEY = Symbol.for('perpscope.failOnUnhandled');
type Registry = { caught: string[] };
const g = globalThis as unknown as Record<symbol, Registry | undefined>;

function registry(): Registry {
  const existing = g[KEY];
  if (existing) return existing;
  const created: Registry = { caught: [] };
  g[KEY] = created;
  const record = (kind: string) => (e: unknown) => {
    created.caught.push(`${kind}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  };
  process.on('unhandledRejection', record('unhandled rejection'));
  process.on('uncaughtException', record('uncaught exception'));
  return created;
}

const caught = registry().caught;

function check(): void {
  if (caught.length === 0) return;
  const found = caught.splice(0);
  throw new Error(`${found.length} unhandled error(s) in this test process:\n${found.join('\n')}`);
}

afterEach(check);
afterAll(check);
