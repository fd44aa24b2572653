import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@perpscope/shared';
import { secretServiceLockState, type CommandRunner } from '../../src/secrets/index.js';

const execFileAsync = promisify(execFile);
const fixture = fileURLToPath(new URL('./fixtures/lockedKeyring.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

async function haveCommand(name: string): Promise<boolean> {
  try {
    await execFileAsync('sh', ['-c', `command -v ${name}`]);
    return true;
  } catch {
    return false;
  }
}
const tools = process.platform === 'linux' && (await haveCommand('dbus-run-session')) && (await haveCommand('gnome-keyring-daemon')) && (await haveCommand('dbus-send'));
if (!tools) console.warn('skipping the locked-keyring test: it needs Linux with dbus-run-session, dbus-send and gnome-keyring-daemon');

/**
 * In a private D-Bus session: start gnome-keyring with a throwaway, unlocked login keyring, store
 * a key under a test-only service, lock the collection through the Secret Service's own `Lock`
 * call, then run every keychain operation in a child process. Before the fix `list` killed that
 * process with SIGSEGV (rc 139) inside keytar's findCredentials, and `get` said "no key".
 */
const SCRIPT = `
set -e
echo -n perpscope-locked-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
node --import tsx "$FIXTURE" seed "$SERVICE"
echo
dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null
set +e
node --import tsx "$FIXTURE" locked "$SERVICE"
rc=$?
echo
echo "rc=$rc"
`;

interface Failure {
  ok: false;
  name?: string;
  code?: string;
  message?: string;
}

describe.skipIf(!tools)('a locked keyring (real gnome-keyring, locked over D-Bus)', () => {
  it('every keychain call answers KEYCHAIN_LOCKED and the process survives', async () => {
    const dataHome = mkdtempSync(join(tmpdir(), 'perpscope-locked-keyring-'));
    const service = `perpscope-test-locked-${process.pid}`;
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, XDG_DATA_HOME: dataHome, FIXTURE: fixture, SERVICE: service };
      delete env.DBUS_SESSION_BUS_ADDRESS;
      delete env.DISPLAY;
      const { stdout } = await execFileAsync('dbus-run-session', ['--', 'bash', '-c', SCRIPT], { cwd: repoRoot, env, timeout: 120_000, maxBuffer: 4 * 1024 * 1024 });
      const lines = stdout.split('\n').filter((l) => l.trim() !== '');
      expect(JSON.parse(lines[0] ?? '{}'), 'the key was stored while unlocked').toEqual({ seeded: 1 });
      expect(lines.at(-1), 'the child exited normally (no segfault, rc 139 before the fix)').toBe('rc=0');
      const result = JSON.parse(lines[1] ?? '{}') as Record<string, Failure | unknown>;
      expect(result.alive, 'the process lived through every call').toBe(true);
      for (const op of ['list', 'get', 'set', 'delete', 'cliList', 'cliTest']) {
        const r = result[op] as Failure;
        expect(r.ok, `${op} must fail`).toBe(false);
        expect(r.code, `${op}: ${r.message ?? ''}`).toBe(ErrorCode.KeychainLocked);
        expect(r.name, op).toBe('SecretStoreError');
        expect(r.message, `${op} says how to unlock`).toMatch(/keychain is locked.*Unlock it/s);
      }
      expect(JSON.stringify(result.cliLines), '`keys test` never claims there is no key').not.toMatch(/no key/);
    } finally {
      rmSync(dataHome, { recursive: true, force: true });
    }
  }, 150_000);
});

describe('reading the lock state from dbus-send replies', () => {
  const reply = (locked: boolean, lockedItems: number): CommandRunner => (_file, args) => {
    if (args.includes('org.freedesktop.DBus.Properties.Get')) return Promise.resolve(`method return\n   variant       boolean ${locked}\n`);
    const items = Array.from({ length: lockedItems }, (_, i) => `      object path "/org/freedesktop/secrets/collection/login/${i}"`).join('\n');
    return Promise.resolve(`method return\n   array [\n   ]\n   array [\n${items}\n   ]\n`);
  };

  it('locked when the default collection is locked, or an item of the service is', async () => {
    expect(await secretServiceLockState('perpscope-test-x', { run: reply(true, 0) })).toBe('locked');
    expect(await secretServiceLockState('perpscope-test-x', { run: reply(false, 1) })).toBe('locked');
    expect(await secretServiceLockState('perpscope-test-x', { run: reply(false, 0) })).toBe('unlocked');
  });

  it('unknown when D-Bus cannot be asked, so the keychain call itself reports what is wrong', async () => {
    const failing: CommandRunner = () => Promise.reject(new Error('spawn dbus-send ENOENT'));
    expect(await secretServiceLockState('perpscope-test-x', { run: failing })).toBe('unknown');
  });
});
