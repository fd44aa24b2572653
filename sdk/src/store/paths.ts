import { isAbsolute, join, resolve } from 'node:path';
import envPaths from 'env-paths';

/** File name of the one SQLite database inside the Perpscope home. */
export const DATABASE_FILE_NAME = 'perpscope.db';

export interface ResolveHomeOptions {
  /** The `--home DIR` option; wins over everything else. */
  home?: string | undefined;
  /** Environment to read `PERPSCOPE_HOME` from; passed in so nothing reads `process.env` implicitly. */
  env: Readonly<Record<string, string | undefined>>;
  /** Base for relative paths; defaults to the process working directory. */
  cwd?: string;
}

/**
 * The Perpscope home: the one directory holding config and data. Order: `--home DIR`, then
 * `PERPSCOPE_HOME`, then the OS user data dir (`~/.local/share/perpscope` on Linux,
 * `~/Library/Application Support/perpscope` on macOS, `%LOCALAPPDATA%\perpscope\Data` on Windows).
 * Empty strings count as unset. The result is absolute; the directory is not created here.
 *
 * @example
 * const home = resolveHome({ home: opts.home, env: process.env });
 * const store = openStore({ home });
 */
export function resolveHome(options: ResolveHomeOptions): string {
  const cwd = options.cwd ?? process.cwd();
  const chosen = nonEmpty(options.home) ?? nonEmpty(options.env.PERPSCOPE_HOME);
  if (chosen !== undefined) return isAbsolute(chosen) ? chosen : resolve(cwd, chosen);
  return envPaths('perpscope', { suffix: '' }).data;
}

/** Where the database file lives inside a home. */
export function databaseFileIn(home: string): string {
  return join(home, DATABASE_FILE_NAME);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
