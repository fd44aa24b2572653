import { ErrorCode } from '@perpscope/shared';
import { SystemClock, type Clock } from '../core/clock.js';
import { PerpscopeError, SecretStoreError } from '../core/errors.js';
import {
  accountName,
  checkSecret,
  decodeSecret,
  encodeSecret,
  parseAccountName,
  SECRET_SERVICE,
  type SecretRef,
  type SecretStore,
} from './secretStore.js';
import { secretServiceLockState, type KeychainLockState } from './secretServiceLock.js';

/** The part of keytar's API this adapter uses. */
export interface KeytarLike {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>;
}

export interface KeytarSecretStoreOptions {
  /** Loads the native module; the default imports `keytar`. A failure means no keychain. */
  loadKeytar?: () => Promise<KeytarLike>;
  /** Keychain service name; tests use their own to stay apart from real keys. */
  service?: string;
  /** A keychain call slower than this is treated as unavailable (D-Bus activation can hang). */
  timeoutMs?: number;
  clock?: Clock;
  /**
   * Checked before every keychain call; 'locked' fails the call with KEYCHAIN_LOCKED without
   * touching keytar. Defaults to asking the Secret Service over D-Bus on Linux, and to
   * 'unknown' elsewhere (macOS and Windows unlock with the user session).
   */
  lockState?: (service: string) => Promise<KeychainLockState>;
}

const HOW_TO_FIX =
  'Perpscope keeps API keys only in the OS keychain and never in a file. On Linux start and unlock a Secret Service ' +
  '(gnome-keyring or KWallet) in your D-Bus session; on macOS and Windows the system keychain is used.';

const HOW_TO_UNLOCK =
  'Unlock it (log in to the desktop session, or unlock the "login" keyring in your keyring manager, e.g. Seahorse) and try again. ' +
  'Perpscope never reads keys from anywhere else.';

function defaultLockState(service: string): Promise<KeychainLockState> {
  return process.platform === 'linux' ? secretServiceLockState(service) : Promise.resolve('unknown');
}

function lockedError(operation: string, service: string): SecretStoreError {
  return new SecretStoreError(ErrorCode.KeychainLocked, `The OS keychain is locked (${operation}). ${HOW_TO_UNLOCK}`, { details: { operation, service } });
}

async function importKeytar(): Promise<KeytarLike> {
  const mod = (await import('keytar')) as unknown as KeytarLike & { default?: KeytarLike };
  return mod.default ?? mod;
}

/**
 * SecretStore backed by the OS keychain through keytar: service `perpscope`, account
 * `<exchange>:<label>`, the secret stored as one JSON blob. When the keychain is missing or
 * refuses, every call fails with `SecretStoreError` (KEYCHAIN_UNAVAILABLE); nothing is ever
 * written anywhere else.
 *
 * @example
 * const store = createKeytarSecretStore();
 * await store.set({ exchange: 'blofin', label: 'main' }, { apiKey, secret, password });
 * const labels = await store.list('blofin');
 */
export function createKeytarSecretStore(options: KeytarSecretStoreOptions = {}): SecretStore {
  const service = options.service ?? SECRET_SERVICE;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const clock = options.clock ?? new SystemClock();
  const lockState = options.lockState ?? defaultLockState;
  let keytar: Promise<KeytarLike> | null = null;

  /**
   * Runs one keychain call. A locked keychain is refused before keytar is touched (keytar would
   * crash or answer "no key"); any other failure becomes KEYCHAIN_UNAVAILABLE with `hidden` scrubbed.
   */
  async function run<T>(operation: string, fn: (k: KeytarLike) => Promise<T>, hidden: readonly string[] = []): Promise<T> {
    if ((await lockState(service).catch(() => 'unknown' as const)) === 'locked') throw lockedError(operation, service);
    keytar ??= (options.loadKeytar ?? importKeytar)();
    let cancel = () => {};
    try {
      const timeout = new Promise<never>((_, reject) => {
        cancel = clock.setTimer(timeoutMs, () => reject(new Error(`no answer within ${timeoutMs} ms`)));
      });
      return await Promise.race([keytar.then(fn), timeout]);
    } catch (e) {
      if (e instanceof PerpscopeError) throw e;
      // libsecret: "Cannot create an item in a locked collection" and the like.
      if (/\blocked\b/i.test(e instanceof Error ? e.message : String(e))) throw lockedError(operation, service);
      throw new SecretStoreError(ErrorCode.KeychainUnavailable, `The OS keychain is not available (${operation}: ${scrub(e, hidden)}). ${HOW_TO_FIX}`, {
        details: { operation, service },
      });
    } finally {
      cancel();
    }
  }

  return {
    async set(ref, secret) {
      const account = accountName(ref);
      checkSecret(secret);
      const blob = encodeSecret(secret);
      await run('save', (k) => k.setPassword(service, account, blob), [blob, secret.apiKey, secret.secret, secret.password ?? '']);
    },
    async get(ref) {
      const account = accountName(ref);
      const blob = await run('read', (k) => k.getPassword(service, account));
      return blob === null ? null : decodeSecret(account, blob);
    },
    async delete(ref) {
      const account = accountName(ref);
      return run('delete', (k) => k.deletePassword(service, account));
    },
    async list(exchange) {
      // findCredentials also returns the blobs; only account names leave this function.
      const accounts = await run('list', async (k) => (await k.findCredentials(service)).map((c) => c.account));
      const refs = accounts.map(parseAccountName).filter((r): r is SecretRef => r !== null && (exchange === undefined || r.exchange === exchange));
      return refs.sort((a, b) => a.exchange.localeCompare(b.exchange) || a.label.localeCompare(b.label));
    },
  };
}

/** The reason text of a keychain failure with any secret material removed. */
function scrub(e: unknown, hidden: readonly string[]): string {
  let text = e instanceof Error ? e.message : String(e);
  for (const h of hidden) if (h.length > 0) text = text.split(h).join('[redacted]');
  return text.length > 300 ? `${text.slice(0, 300)}...` : text;
}

