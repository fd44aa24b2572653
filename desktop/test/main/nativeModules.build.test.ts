import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '@perpscope/sdk';
import { keytarLoaderFrom, NATIVE_FILES } from '../../src/main/nativeModules.js';

const desktopDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const repoDir = join(desktopDir, '..');
const script = join(desktopDir, 'scripts', 'build-native-electron.mjs');
const nodeDir = join(desktopDir, 'native', `node-${process.versions.modules}`);

// The addons in node_modules, as the sdk resolves them: built for Node, and never to be touched.
const fromSdk = createRequire(join(repoDir, 'sdk', 'package.json'));
const installed = {
  sqlite: join(dirname(fromSdk.resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node'),
  keytar: join(dirname(fromSdk.resolve('keytar/package.json')), 'build', 'Release', 'keytar.node'),
};

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Shared objects mapped into this process (Linux), to prove which copy of an addon was loaded. */
function mappedFiles(): string | null {
  return process.platform === 'linux' ? readFileSync('/proc/self/maps', 'utf8') : null;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

const skip = process.env.PERPSCOPE_SKIP_NATIVE_BUILD === '1';
if (skip) console.log('nativeModules.build.test: skipped because PERPSCOPE_SKIP_NATIVE_BUILD=1 (it compiles better-sqlite3 and keytar from source)');

// Compiling SQLite's amalgamation takes minutes on a loaded machine; the build runs once, in beforeAll.
const BUILD_TIMEOUT_MS = 20 * 60_000;

describe.skipIf(skip)('build-native-electron.mjs --runtime node (the real pipeline, compiled here)', () => {
  let before: { sqlite: string; keytar: string };
  let build: { code: number | null; output: string };
  let tmp: string;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'perpscope-native-build-'));
    before = { sqlite: sha256(installed.sqlite), keytar: sha256(installed.keytar) };
    build = await run(process.execPath, [script, '--runtime', 'node', '--target', process.version], desktopDir);
  }, BUILD_TIMEOUT_MS);

  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('builds both packages into desktop/native/node-<abi>/ and stamps the build', () => {
    expect(build.code, build.output).toBe(0);
    for (const rel of Object.values(NATIVE_FILES)) expect(existsSync(join(nodeDir, rel)), rel).toBe(true);
    const stamp = JSON.parse(readFileSync(join(nodeDir, 'build-info.json'), 'utf8')) as Record<string, unknown>;
    expect(stamp).toMatchObject({ runtime: 'node', target: process.versions.node, abi: process.versions.modules, platform: process.platform, arch: process.arch });
  });

  it('leaves node_modules byte for byte as it was', () => {
    expect(sha256(installed.sqlite), 'node_modules better-sqlite3 addon').toBe(before.sqlite);
    expect(sha256(installed.keytar), 'node_modules keytar addon').toBe(before.keytar);
  });

  it('--if-stale on an up-to-date build does nothing', async () => {
    expect(build.code, 'needs the build above').toBe(0);
    const addon = join(nodeDir, NATIVE_FILES.sqliteBinding);
    const mtimeMs = statSync(addon).mtimeMs;
    const again = await run(process.execPath, [script, '--runtime', 'node', '--if-stale'], desktopDir);
    expect(again.code, again.output).toBe(0);
    expect(again.output).toContain(`node-${process.versions.modules} is up to date`);
    expect(statSync(addon).mtimeMs, 'not rebuilt').toBe(mtimeMs);
  });

  it('a store opened with nativeBinding at the copy works, and it is the copy that is loaded', () => {
    expect(build.code, 'needs the build above').toBe(0);
    const binding = join(nodeDir, NATIVE_FILES.sqliteBinding);
    const file = join(tmp, 'native.sqlite');
    const store = openStore({ file, nativeBinding: binding });
    store.settings.set('native.check', { ok: true }, 1_000);
    store.close();
    const reopened = openStore({ file, nativeBinding: binding });
    expect(reopened.settings.get('native.check')).toEqual({ ok: true });
    reopened.close();
    const maps = mappedFiles();
    if (maps !== null) expect(maps, 'the copied addon is mapped into the process').toContain(binding);
  });

  it('keytar loads from the copy (its lib/keytar.js and the addon built beside it)', async () => {
    expect(build.code, 'needs the build above').toBe(0);
    const keytar = await keytarLoaderFrom(join(nodeDir, 'keytar'))();
    for (const fn of ['getPassword', 'setPassword', 'deletePassword', 'findCredentials'] as const) expect(typeof keytar[fn], fn).toBe('function');
    const maps = mappedFiles();
    if (maps !== null) expect(maps).toContain(join(nodeDir, NATIVE_FILES.keytarBinding));
  });

  it('afterwards the node_modules better-sqlite3 and keytar still load in Node, and the CLI runs', async () => {
    const probe = [
      `const r = require('node:module').createRequire(${JSON.stringify(join(repoDir, 'sdk', 'package.json'))});`,
      `const Database = r('better-sqlite3'); const db = new Database(':memory:');`,
      `console.log('sqlite', db.prepare('select 41 + 1 as x').get().x);`,
      `console.log('keytar', typeof r('keytar').findCredentials);`,
    ].join('\n');
    const loaded = await run(process.execPath, ['-e', probe], repoDir);
    expect(loaded.code, loaded.output).toBe(0);
    expect(loaded.output).toContain('sqlite 42');
    expect(loaded.output).toContain('keytar function');
    const cli = await run(process.execPath, ['--import', 'tsx', join(desktopDir, 'src', 'cli', 'main.ts'), '--version'], repoDir);
    expect(cli.code, cli.output).toBe(0);
    expect(cli.output.trim()).toMatch(/^\d+\.\d+\.\d+/);
  }, 120_000);
});

/** The Electron executable, if the electron package's binary was downloaded (it cannot be everywhere). */
function electronBinary(): string | null {
  const pkgDir = dirname(createRequire(join(desktopDir, 'package.json')).resolve('electron/package.json'));
  const pathFile = join(pkgDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

const electron = electronBinary();
if (!electron) console.log('nativeModules.build.test: Electron launch skipped: no Electron binary in desktop/node_modules/electron/dist');

describe.skipIf(!electron)('the Electron-ABI build under Electron', () => {
  it('opens a database with the electron-<abi> addon from Electron (as Node)', async () => {
    const probe = [
      `const { join } = require('node:path');`,
      `const dir = join(${JSON.stringify(desktopDir)}, 'native', 'electron-' + process.versions.modules);`,
      `const r = require('node:module').createRequire(${JSON.stringify(join(repoDir, 'sdk', 'package.json'))});`,
      `const db = new (r('better-sqlite3'))(':memory:', { nativeBinding: join(dir, ${JSON.stringify(NATIVE_FILES.sqliteBinding)}) });`,
      `console.log('sqlite', db.prepare('select 41 + 1 as x').get().x);`,
    ].join('\n');
    const result = await run(electron ?? '', ['-e', probe], repoDir, { ...process.env, ELECTRON_RUN_AS_NODE: '1' });
    expect(result.code, `${result.output}\n(build it with: pnpm --filter @perpscope/desktop native:electron)`).toBe(0);
    expect(result.output).toContain('sqlite 42');
  }, 120_000);
});
