import { execFile } from 'node:child_process';

/** Whether the Secret Service would have to unlock something to serve a call. */
export type KeychainLockState = 'locked' | 'unlocked' | 'unknown';

/** Runs a command and resolves with its stdout; rejects on a non-zero exit, a signal or the timeout. */
export type CommandRunner = (file: string, args: readonly string[], timeoutMs: number) => Promise<string>;

export interface SecretServiceLockOptions {
  run?: CommandRunner;
  /** Per-command timeout; D-Bus activation of a missing service can hang. */
  timeoutMs?: number;
}

const defaultRunner: CommandRunner = (file, args, timeoutMs) =>
  new Promise((resolve, reject) => {
    execFile(file, [...args], { timeout: timeoutMs, encoding: 'utf8', env: process.env }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });

const DEST = '--dest=org.freedesktop.secrets';

/** `dbus-send --print-reply` output of `SearchItems`: two arrays, unlocked then locked item paths. */
function lockedItemCount(reply: string): number {
  const arrays = reply.split('array [').slice(1);
  const locked = arrays[1];
  return locked === undefined ? 0 : (locked.match(/object path "/g) ?? []).length;
}

/**
 * Asks the Secret Service (Linux: gnome-keyring, KWallet) over D-Bus, without unlocking
 * anything, whether the default collection is locked or any item of `service` sits in a locked
 * collection. keytar (libsecret) cannot handle that case: `findCredentials` crashes the whole
 * process with a segfault, `getPassword` answers null as if no key existed, and a save fails
 * with a generic message. 'unknown' when the question cannot be asked (no `dbus-send`, no
 * session bus): the caller then goes ahead and maps whatever keytar reports.
 */
export async function secretServiceLockState(service: string, options: SecretServiceLockOptions = {}): Promise<KeychainLockState> {
  const run = options.run ?? defaultRunner;
  const timeoutMs = options.timeoutMs ?? 5_000;
  let defaultLocked: boolean | null = null;
  try {
    const reply = await run(
      'dbus-send',
      ['--session', '--print-reply', DEST, '/org/freedesktop/secrets/aliases/default', 'org.freedesktop.DBus.Properties.Get', 'string:org.freedesktop.Secret.Collection', 'string:Locked'],
      timeoutMs,
    );
    defaultLocked = /boolean\s+true/.test(reply);
  } catch {
    // No default collection (or no service): the item search below still answers.
  }
  if (defaultLocked === true) return 'locked';
  try {
    // dbus-send cannot quote a comma inside a dict entry; a service name never has one.
    if (service.includes(',') || service.includes('"')) return defaultLocked === false ? 'unlocked' : 'unknown';
    const reply = await run('dbus-send', ['--session', '--print-reply', DEST, '/org/freedesktop/secrets', 'org.freedesktop.Secret.Service.SearchItems', `dict:string:string:service,${service}`], timeoutMs);
    return lockedItemCount(reply) > 0 ? 'locked' : 'unlocked';
  } catch {
    return defaultLocked === false ? 'unlocked' : 'unknown';
  }
}
