import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ErrorCode } from '@perpscope/shared';
import { InternalError, type KeytarLike } from '@perpscope/sdk';

/**
 * Where the native addons come from in this process.
 *
 * Under Node (the CLI, the tests) better-sqlite3 and keytar load from node_modules, built for
 * Node's ABI. Electron has its own ABI, so the app loads copies built for it by
 * `pnpm --filter @perpscope/desktop native:electron` into `desktop/native/electron-<abi>/`, or,
 * in a packaged app, shipped as extra resources in `<resources>/native/electron-<abi>/`.
 * node_modules is never rebuilt for Electron, so both can run from one checkout.
 */
export type NativeModules =
  | { runtime: 'node' }
  | {
      runtime: 'electron';
      /** The `electron-<abi>` directory the addons were found in. */
      dir: string;
      /** better-sqlite3's addon, for `openStore({ nativeBinding })`. */
      sqliteBinding: string;
      /** The copied keytar package; its `lib/keytar.js` loads the addon built beside it. */
      keytarDir: string;
    };

/** What the resolver needs to know about the running process; `processNativeEnvironment` reads it. */
export interface NativeEnvironment {
  /** `process.versions.electron`; undefined under plain Node. */
  electronVersion: string | undefined;
  /** `process.versions.modules`: the ABI (NODE_MODULE_VERSION) addons must be built for. */
  modulesAbi: string;
  /** `app.isPackaged`: the addons are in the resources directory rather than in the checkout. */
  isPackaged: boolean;
  /** `process.resourcesPath` (Electron only). */
  resourcesPath: string | undefined;
  /** The desktop package directory, holding `native/` in a checkout. */
  desktopDir: string;
  exists(path: string): boolean;
}

/** Addon files relative to `electron-<abi>/`, as the build script lays them out. */
export const NATIVE_FILES = {
  sqliteBinding: join('better-sqlite3', 'build', 'Release', 'better_sqlite3.node'),
  keytarEntry: join('keytar', 'lib', 'keytar.js'),
  keytarBinding: join('keytar', 'build', 'Release', 'keytar.node'),
} as const;

/** The command that builds the Electron addons, named in the startup error. */
export const NATIVE_BUILD_COMMAND = 'pnpm --filter @perpscope/desktop native:electron';

/** The directory the Electron build for this process's ABI must be in. */
export function electronNativeDir(env: Pick<NativeEnvironment, 'modulesAbi' | 'isPackaged' | 'resourcesPath' | 'desktopDir'>): string {
  const leaf = `electron-${env.modulesAbi}`;
  return env.isPackaged && env.resourcesPath !== undefined ? join(env.resourcesPath, 'native', leaf) : join(env.desktopDir, 'native', leaf);
}

/**
 * Picks the addons for this process. Under Electron every addon file must exist in the
 * `electron-<abi>` directory; a missing one fails here, at startup, naming the files and the
 * command that builds them, instead of as an ABI mismatch on the first database or keychain call.
 */
export function resolveNativeModules(env: NativeEnvironment): NativeModules {
  if (env.electronVersion === undefined) return { runtime: 'node' };
  const dir = electronNativeDir(env);
  const missing = Object.values(NATIVE_FILES)
    .map((rel) => join(dir, rel))
    .filter((file) => !env.exists(file));
  if (missing.length > 0) {
    const fix = env.isPackaged
      ? 'This installation is incomplete: reinstall Perpscope (the package must be built with the native step of `pnpm --filter @perpscope/desktop dist`).'
      : `Build them with: ${NATIVE_BUILD_COMMAND}\n(\`pnpm start\` runs it when needed; it needs the Electron ${env.electronVersion} headers from the internet once.)`;
    throw new InternalError(
      ErrorCode.Internal,
      `Native modules for Electron ${env.electronVersion} (ABI ${env.modulesAbi}) are missing in ${dir}:\n${missing.map((f) => `  ${f}`).join('\n')}\n${fix}`,
      { details: { dir, missing, electronVersion: env.electronVersion, modulesAbi: env.modulesAbi, command: NATIVE_BUILD_COMMAND } },
    );
  }
  return { runtime: 'electron', dir, sqliteBinding: join(dir, NATIVE_FILES.sqliteBinding), keytarDir: join(dir, 'keytar') };
}

/** The resolver's view of the current process. */
export function processNativeEnvironment(options: { isPackaged: boolean; desktopDir: string }): NativeEnvironment {
  const { resourcesPath } = process as NodeJS.Process & { resourcesPath?: string };
  return {
    electronVersion: process.versions.electron,
    modulesAbi: process.versions.modules,
    isPackaged: options.isPackaged,
    resourcesPath,
    desktopDir: options.desktopDir,
    exists: existsSync,
  };
}

/** A keytar loader (for `createKeytarSecretStore({ loadKeytar })`) that requires the copy in `keytarDir`. */
export function keytarLoaderFrom(keytarDir: string): () => Promise<KeytarLike> {
  return () => {
    try {
      const requireFromCopy = createRequire(join(keytarDir, 'package.json'));
      return Promise.resolve(requireFromCopy('./lib/keytar.js') as KeytarLike);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  };
}

/** The options the engine factory and the secret store take for these addons (empty under Node). */
export function nativeOptions(modules: NativeModules): { sqliteBinding?: string; loadKeytar?: () => Promise<KeytarLike> } {
  if (modules.runtime === 'node') return {};
  return { sqliteBinding: modules.sqliteBinding, loadKeytar: keytarLoaderFrom(modules.keytarDir) };
}
