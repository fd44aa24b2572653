import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@perpscope/shared';
import { InternalError } from '@perpscope/sdk';
import {
  electronNativeDir,
  keytarLoaderFrom,
  NATIVE_BUILD_COMMAND,
  NATIVE_FILES,
  nativeOptions,
  resolveNativeModules,
  type NativeEnvironment,
} from '../../src/main/nativeModules.js';

const desktopDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const script = join(desktopDir, 'scripts', 'build-native-electron.mjs');

/** An environment whose file system holds exactly `files`. */
function env(overrides: Partial<NativeEnvironment>, files: readonly string[] = []): NativeEnvironment {
  const present = new Set(files);
  return {
    electronVersion: '45.4.1',
    modulesAbi: '150',
    isPackaged: false,
    resourcesPath: undefined,
    desktopDir: '/src/perpscope/desktop',
    exists: (path) => present.has(path),
    ...overrides,
  };
}

const allFilesIn = (dir: string) => Object.values(NATIVE_FILES).map((f) => join(dir, f));

describe('resolveNativeModules', () => {
  it('under Node uses node_modules: no binding path, no keytar loader', () => {
    const modules = resolveNativeModules(env({ electronVersion: undefined, modulesAbi: '115' }));
    expect(modules).toEqual({ runtime: 'node' });
    expect(nativeOptions(modules), 'openStore and the secret store keep their defaults').toEqual({});
  });

  it('under Electron in a checkout picks desktop/native/electron-<abi of this process>', () => {
    const dir = '/src/perpscope/desktop/native/electron-150';
    const modules = resolveNativeModules(env({}, allFilesIn(dir)));
    expect(modules).toEqual({
      runtime: 'electron',
      dir,
      sqliteBinding: join(dir, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'),
      keytarDir: join(dir, 'keytar'),
    });
    const options = nativeOptions(modules);
    expect(options.sqliteBinding).toBe(join(dir, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'));
    expect(typeof options.loadKeytar).toBe('function');
  });

  it('follows the ABI: another Electron ABI looks in its own directory', () => {
    const dir = '/src/perpscope/desktop/native/electron-139';
    const modules = resolveNativeModules(env({ modulesAbi: '139' }, [...allFilesIn(dir), ...allFilesIn('/src/perpscope/desktop/native/electron-150')]));
    expect(modules.runtime === 'electron' && modules.dir).toBe(dir);
  });

  it('in a packaged app looks in <resources>/native/electron-<abi>, not in the app directory', () => {
    const resourcesPath = '/opt/Perpscope/resources';
    const dir = join(resourcesPath, 'native', 'electron-150');
    const packaged = env({ isPackaged: true, resourcesPath, desktopDir: '/opt/Perpscope/resources/app.asar' }, allFilesIn(dir));
    expect(electronNativeDir(packaged)).toBe(dir);
    expect(resolveNativeModules(packaged)).toMatchObject({ runtime: 'electron', dir, keytarDir: join(dir, 'keytar') });
  });

  it('refuses to start when a build file is missing, naming the files and the command that builds them', () => {
    const dir = '/src/perpscope/desktop/native/electron-150';
    const missingKeytar = allFilesIn(dir).filter((f) => !f.endsWith('keytar.node'));
    let thrown: unknown;
    try {
      resolveNativeModules(env({}, missingKeytar));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(InternalError);
    const error = thrown as InternalError;
    expect(error.code).toBe(ErrorCode.Internal);
    expect(error.message).toContain('Electron 45.4.1 (ABI 150)');
    expect(error.message).toContain(join(dir, 'keytar', 'build', 'Release', 'keytar.node'));
    expect(error.message, 'only the missing file is listed').not.toContain('better_sqlite3.node');
    expect(error.message, 'tells the user how to fix it').toContain(NATIVE_BUILD_COMMAND);
    expect(error.details).toMatchObject({ dir, missing: [join(dir, NATIVE_FILES.keytarBinding)] });
  });

  it('a packaged app with no build says the installation is incomplete instead of asking for a dev command', () => {
    expect(() => resolveNativeModules(env({ isPackaged: true, resourcesPath: '/opt/Perpscope/resources' }))).toThrow(/installation is incomplete/);
  });
});

describe('keytarLoaderFrom', () => {
  it('rejects (so the secret store reports KEYCHAIN_UNAVAILABLE) when the copy is not there', async () => {
    await expect(keytarLoaderFrom('/nonexistent/native/electron-150/keytar')()).rejects.toThrow(/Cannot find module/);
  });
});

interface RunResult {
  code: number | null;
  output: string;
}

function runScript(args: string[], extraEnv: Record<string, string> = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: desktopDir, env: { ...process.env, ...extraEnv } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('build-native-electron.mjs (refusals; no compiling)', () => {
  let out: string;
  let headersServer: Server;
  let headersUrl: string;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'perpscope-native-out-'));
    // A header server that has nothing: what an unreachable or wrong --dist-url looks like to node-gyp.
    headersServer = createServer((_req, res) => res.writeHead(404).end('not here'));
    await new Promise<void>((resolve) => headersServer.listen(0, '127.0.0.1', resolve));
    headersUrl = `http://127.0.0.1:${(headersServer.address() as AddressInfo).port}/headers`;
  });

  afterAll(async () => {
    rmSync(out, { recursive: true, force: true });
    await new Promise<void>((resolve) => headersServer.close(() => resolve()));
  });

  it('refuses bad input naming the flag, the value and what was expected', async () => {
    const runtime = await runScript(['--runtime', 'deno']);
    expect(runtime.code).toBe(2);
    expect(runtime.output).toContain('Invalid --runtime "deno": expected "electron" or "node"');
    const target = await runScript(['--runtime', 'node', '--target', 'latest']);
    expect(target.code).toBe(2);
    expect(target.output).toContain('Invalid --target "latest": expected a version');
    const unknown = await runScript(['--rebuild']);
    expect(unknown.code).toBe(2);
    expect(unknown.output).toContain('Invalid argument "--rebuild"');
  });

  it('an Electron version other than the installed one needs --abi', async () => {
    const result = await runScript(['--target', '1.2.3', '--out', out]);
    expect(result.code).toBe(2);
    expect(result.output).toContain('Invalid --abi');
    expect(result.output).toContain('Electron 1.2.3');
  });

  it('when headers cannot be fetched, fails with a message naming what is missing and how to proceed', async () => {
    const result = await runScript(['--runtime', 'electron', '--target', '45.4.1', '--abi', '150', '--dist-url', headersUrl, '--out', out]);
    expect(result.code).toBe(1);
    expect(result.output).toContain('Cannot get the Electron 45.4.1 headers');
    expect(result.output).toContain(`Missing: ${join(out, '.headers', '45.4.1', 'include', 'node', 'common.gypi')}`);
    expect(result.output, 'names where it tried').toContain(`${headersUrl}/v45.4.1/node-v45.4.1-headers.tar.gz`);
    expect(result.output).toContain('--nodedir');
    expect(result.output).toContain('PERPSCOPE_SKIP_NATIVE_BUILD=1');
  }, 120_000);

  it('a --nodedir without headers is refused naming the missing file', async () => {
    const nodedir = join(out, 'empty-headers');
    mkdirSync(join(nodedir, 'include'), { recursive: true });
    writeFileSync(join(nodedir, 'README'), '');
    const result = await runScript(['--runtime', 'electron', '--nodedir', nodedir, '--out', out]);
    expect(result.code).toBe(1);
    expect(result.output).toContain(`${join(nodedir, 'include', 'node', 'common.gypi')} is missing`);
  });

  it('PERPSCOPE_SKIP_NATIVE_BUILD=1 skips with a printed reason and builds nothing', async () => {
    const result = await runScript(['--runtime', 'node', '--out', out], { PERPSCOPE_SKIP_NATIVE_BUILD: '1' });
    expect(result.code).toBe(0);
    expect(result.output).toContain('skipped: PERPSCOPE_SKIP_NATIVE_BUILD=1');
  });
});
