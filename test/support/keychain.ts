import { createKeytarSecretStore, type KeytarSecretStoreOptions } from '../../sdk/src/secrets/index.js';
import type { SecretStore } from '../../sdk/src/secrets/index.js';
import { isCi, missingInput } from './ci.js';

/**
 * Keychain service name for tests: every keychain test uses its own service, never the production
 * `perpscope`, so running the tests on a desktop cannot touch the user's real keys.
 */
export function testKeychainService(suite: string): string {
  return `perpscope-test-${suite}`;
}

/** A keytar SecretStore under a test-only service name. */
export function testSecretStore(suite: string, options: Omit<KeytarSecretStoreOptions, 'service'> = {}): SecretStore {
  return createKeytarSecretStore({ ...options, service: testKeychainService(suite) });
}

/**
 * Why the session keychain cannot be used, or null when it works. `pnpm test` runs everything
 * inside a D-Bus session with an unlocked throwaway gnome-keyring.
 */
export async function keychainProblem(): Promise<string | null> {
  if (!process.env.DBUS_SESSION_BUS_ADDRESS) return 'no D-Bus session (run through `pnpm test`, which starts dbus-run-session with gnome-keyring)';
  const probe = testSecretStore('probe', { timeoutMs: 5_000 });
  const ref = { exchange: 'probe', label: `probe-${process.pid}` };
  try {
    await probe.set(ref, { apiKey: 'x', secret: 'x' });
    await probe.delete(ref);
    return null;
  } catch (e) {
    return `keychain unusable: ${(e as Error).message}`;
  }
}

/**
 * True when the session keychain works. When it does not: under CI=true throws with the reason
 * (the suite fails); elsewhere prints it and returns false (the caller skips).
 */
export async function requireKeychain(what: string): Promise<boolean> {
  const problem = await keychainProblem();
  if (problem === null) return true;
  missingInput(`${what} needs the OS keychain: ${problem}`);
  return false;
}

/**
 * For a single test inside a suite that otherwise runs without a keychain: when `problem` is set,
 * under CI=true the test fails with it, elsewhere the test is skipped with it.
 */
export function needKeychain(ctx: { skip: (note?: string) => never }, problem: string | null, what: string): void {
  if (problem === null) return;
  const reason = `${what} needs the OS keychain: ${problem}`;
  if (isCi()) throw new Error(`${reason}. Under CI=true a missing test input is an error, not a skip.`);
  ctx.skip(reason);
}
