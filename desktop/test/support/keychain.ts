import { createKeytarSecretStore } from '../../../sdk/src/secrets/index.js';

/**
 * Why keychain tests cannot run here, or null when the session keychain works. `pnpm test` runs
 * everything inside a D-Bus session with an unlocked gnome-keyring.
 */
export async function keychainProblem(): Promise<string | null> {
  if (!process.env.DBUS_SESSION_BUS_ADDRESS) return 'no D-Bus session (run through `pnpm test` or dbus-run-session with gnome-keyring)';
  const probe = createKeytarSecretStore({ service: 'perpscope-probe', timeoutMs: 5_000 });
  try {
    await probe.set({ exchange: 'probe', label: 'probe' }, { apiKey: 'x', secret: 'x' });
    await probe.delete({ exchange: 'probe', label: 'probe' });
    return null;
  } catch (e) {
    return `keychain unusable: ${(e as Error).message}`;
  }
}
