import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';

/**
 * The home holds the ledger, the config and the lock: only its owner may read it. Directories
 * are created 0700 and files 0600, and an existing home or file with looser bits is tightened
 * (the mode passed to mkdir/open only applies on creation, and the umask could loosen nothing
 * here, only tighten). Windows ignores POSIX modes; the user profile's ACLs apply there.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates `dir` (and parents) if needed and makes it 0700. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(dir, PRIVATE_DIR_MODE);
}

/**
 * Creates `file` empty if absent and makes it 0600. SQLite gives its `-wal` and `-shm` files the
 * mode of the database file, so creating the database this way keeps those private too.
 */
export function ensurePrivateFile(file: string): void {
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  chmodSync(file, PRIVATE_FILE_MODE);
}
