// Builds copies of the app's native packages (better-sqlite3, keytar) for one runtime ABI into
// desktop/native/<runtime>-<abi>/<name>/, leaving node_modules (built for Node, used by the CLI and
// the tests) untouched. The Electron main process loads the copies (src/main/nativeModules.ts).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The desktop package directory (this file lives in desktop/scripts). */
export const DESKTOP_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Where the per-ABI builds go; gitignored, shipped by electron-builder's `extraResources`. */
export const DEFAULT_OUT_DIR = join(DESKTOP_DIR, 'native');

export const DEFAULT_DIST_URL = { electron: 'https://electronjs.org/headers', node: 'https://nodejs.org/dist' };

/**
 * The native packages and the addon file each build must produce (relative to the package copy).
 * Both are dependencies of the sdk, so they are resolved from there when desktop does not list them.
 */
export const NATIVE_PACKAGES = [
  { name: 'better-sqlite3', binding: 'build/Release/better_sqlite3.node', from: ['desktop', 'sdk'] },
  { name: 'keytar', binding: 'build/Release/keytar.node', from: ['desktop', 'sdk'] },
];

/** Written last, after every package built: its presence and content decide "up to date". */
export const STAMP_FILE = 'build-info.json';

const HELP = `Usage: node scripts/build-native-electron.mjs [options]

Builds better-sqlite3 and keytar for one runtime ABI into desktop/native/<runtime>-<abi>/.
node_modules is never modified.

  --runtime electron|node   target runtime (default: electron)
  --target <version>        runtime version (default: the installed electron, or this node)
  --abi <n>                 NODE_MODULE_VERSION of the target; needed only when it cannot be
                            derived (an Electron version other than the installed one)
  --dist-url <url>          where node-gyp fetches headers (default: ${DEFAULT_DIST_URL.electron}
                            for electron, ${DEFAULT_DIST_URL.node} for node)
  --nodedir <dir>           use local headers (<dir>/include/node) instead of downloading them
  --out <dir>               output root (default: desktop/native)
  --if-stale                do nothing when the output is already built for this target
  --help                    this text

PERPSCOPE_SKIP_NATIVE_BUILD=1 skips the build (the Electron app then refuses to start until it exists).`;

/** A refusal with a message meant for the person at the terminal; `exitCode` 2 is bad usage. */
export class NativeBuildError extends Error {
  constructor(message, exitCode = 1) {
    super(message);
    this.name = 'NativeBuildError';
    this.exitCode = exitCode;
  }
}

function usageError(field, value, expected) {
  return new NativeBuildError(`Invalid ${field} ${JSON.stringify(value)}: expected ${expected}. Run with --help for usage.`, 2);
}

/** Parses argv into options; every bad value is refused naming the flag, the value and what was expected. */
export function parseArgs(argv) {
  const options = { runtime: 'electron', ifStale: false, help: false };
  const valued = { '--runtime': 'runtime', '--target': 'target', '--abi': 'abi', '--dist-url': 'distUrl', '--nodedir': 'nodedir', '--out': 'out' };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag === '--if-stale') options.ifStale = true;
    else if (flag === '--help' || flag === '-h') options.help = true;
    else if (flag in valued) {
      const value = inline ?? argv[i + 1];
      if (inline === undefined) i += 1;
      if (value === undefined || value === '' || value.startsWith('--')) throw usageError(flag, value ?? '', 'a value after the flag');
      options[valued[flag]] = value;
    } else throw usageError('argument', arg, 'one of --runtime, --target, --abi, --dist-url, --nodedir, --out, --if-stale, --help');
  }
  if (options.runtime !== 'electron' && options.runtime !== 'node') throw usageError('--runtime', options.runtime, '"electron" or "node"');
  if (options.target !== undefined) {
    options.target = options.target.replace(/^v/, '');
    if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(options.target)) throw usageError('--target', options.target, 'a version such as 45.4.1');
  }
  if (options.abi !== undefined && !/^\d+$/.test(options.abi)) throw usageError('--abi', options.abi, 'a whole number such as 140');
  if (options.distUrl !== undefined && !/^https?:\/\//.test(options.distUrl)) throw usageError('--dist-url', options.distUrl, 'an http(s) URL');
  return options;
}

/** Real directory of an installed package, looked up from the workspace packages that depend on it. */
export function resolvePackageDir(name, fromPackages, desktopDir = DESKTOP_DIR) {
  const tried = [];
  for (const from of fromPackages) {
    const manifest = join(desktopDir, '..', from, 'package.json');
    tried.push(manifest);
    try {
      return realpathSync(dirname(createRequire(manifest).resolve(`${name}/package.json`)));
    } catch {
      // Not a dependency of this workspace package; try the next one.
    }
  }
  throw new NativeBuildError(`Cannot find the installed package ${name} (looked from ${tried.join(', ')}). Run \`pnpm install\` first.`);
}

function installedElectronVersion(desktopDir) {
  try {
    const file = createRequire(join(desktopDir, 'package.json')).resolve('electron/package.json');
    return { version: JSON.parse(readFileSync(file, 'utf8')).version, abiFile: join(dirname(file), 'abi_version') };
  } catch {
    return null;
  }
}

/**
 * The target's version and ABI (NODE_MODULE_VERSION, the number in the output directory name).
 * Node: this process when the target is this Node. Electron: the installed electron package ships
 * its ABI in `abi_version`; any other Electron version needs `--abi`.
 */
export function resolveTarget(options, desktopDir = DESKTOP_DIR) {
  if (options.runtime === 'node') {
    const target = options.target ?? process.versions.node;
    if (options.abi !== undefined) return { target, abi: options.abi };
    if (target === process.versions.node) return { target, abi: process.versions.modules };
    throw usageError('--abi', '', `the NODE_MODULE_VERSION of Node ${target} (this Node ${process.versions.node} is ABI ${process.versions.modules})`);
  }
  const electron = installedElectronVersion(desktopDir);
  const target = options.target ?? electron?.version;
  if (target === undefined) throw new NativeBuildError('No --target given and the electron package is not installed in desktop/node_modules. Run `pnpm install` or pass --target <electron version> --abi <n>.');
  if (options.abi !== undefined) return { target, abi: options.abi };
  if (electron && electron.version === target && existsSync(electron.abiFile)) return { target, abi: readFileSync(electron.abiFile, 'utf8').trim() };
  throw usageError('--abi', '', `the module ABI of Electron ${target} (it is derived only for the installed Electron ${electron?.version ?? '(none)'})`);
}

/** The build's identity; a stamp equal to this means the output is up to date. */
export function buildIdentity(options, resolved, packages) {
  return {
    runtime: options.runtime,
    target: resolved.target,
    abi: resolved.abi,
    platform: process.platform,
    arch: process.arch,
    packages: Object.fromEntries(packages.map((p) => [p.name, { version: p.version, binding: `${p.name}/${p.binding}` }])),
  };
}

/** True when `outDir` holds a finished build with exactly this identity and every addon file. */
export function isUpToDate(outDir, identity) {
  const stampFile = join(outDir, STAMP_FILE);
  if (!existsSync(stampFile)) return false;
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(stampFile, 'utf8'));
  } catch {
    return false;
  }
  const { builtAtMs: _builtAtMs, ...rest } = stamp;
  if (JSON.stringify(rest) !== JSON.stringify(identity)) return false;
  return Object.values(identity.packages).every((p) => existsSync(join(outDir, p.binding)));
}

/**
 * node-gyp, found without adding a dependency: an explicit PERPSCOPE_NODE_GYP, the one a package
 * manager points scripts at (npm_config_node_gyp), the copy electron-builder brings (through
 * @electron/rebuild), or the one bundled with npm next to this Node.
 */
export function findNodeGyp(desktopDir = DESKTOP_DIR, env = process.env) {
  const candidates = [env.PERPSCOPE_NODE_GYP, env.npm_config_node_gyp];
  try {
    const fromBuilder = createRequire(createRequire(join(desktopDir, 'package.json')).resolve('electron-builder'));
    const fromAppBuilder = createRequire(fromBuilder.resolve('app-builder-lib'));
    const fromRebuild = createRequire(fromAppBuilder.resolve('@electron/rebuild'));
    candidates.push(join(dirname(fromRebuild.resolve('node-gyp/package.json')), 'bin', 'node-gyp.js'));
  } catch {
    // electron-builder not installed (production install); fall through to npm's copy.
  }
  candidates.push(join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  const found = candidates.find((c) => c !== undefined && c !== '' && existsSync(c));
  if (!found) throw new NativeBuildError(`node-gyp not found (looked at ${candidates.filter(Boolean).join(', ')}). Set PERPSCOPE_NODE_GYP to node-gyp's bin/node-gyp.js.`);
  return found;
}

/** Local headers for this very Node (Linux/macOS installs ship them in <prefix>/include/node). */
export function localNodeHeaders() {
  const prefix = join(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'common.gypi')) ? prefix : undefined;
}

function tail(text, lines = 15) {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/** The lines of a failed `node-gyp install` that say why (the URL, the error), without the stack and banner. */
export function gypDiagnosis(output) {
  const noise = /^gyp (info|ERR! (stack\s+at |System |command |cwd |node -v |node-gyp -v |not ok))/;
  const lines = output.split('\n').filter((l) => l.trim() !== '' && !noise.test(l));
  return lines.slice(0, 10).join('\n');
}

function runNodeGyp(nodeGyp, args, cwd, env) {
  const result = spawnSync(process.execPath, [nodeGyp, ...args], { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}` };
}

/**
 * node-gyp flags that choose the headers: `--nodedir` when local, else `--target`/`--dist-url`
 * with the download cache in `<out>/.headers` (a second build finds them there, offline).
 */
export function headerArgs(plan) {
  if (plan.nodedir) return [`--nodedir=${plan.nodedir}`];
  return [`--target=${plan.target}`, `--dist-url=${plan.distUrl}`, `--devdir=${plan.devdir}`];
}

/** Fetches the headers once, up front, so an offline machine gets one message naming what is missing. */
export function ensureHeaders(plan, nodeGyp) {
  const runtimeName = plan.runtime === 'electron' ? 'Electron' : 'Node';
  if (plan.nodedir) {
    const gypi = join(plan.nodedir, 'include', 'node', 'common.gypi');
    if (!existsSync(gypi)) throw new NativeBuildError(`--nodedir ${plan.nodedir} holds no headers: ${gypi} is missing. Point it at an unpacked ${runtimeName} ${plan.target} headers directory (it contains include/node).`);
    return;
  }
  const expected = join(plan.devdir, plan.target, 'include', 'node', 'common.gypi');
  if (existsSync(expected)) return;
  const result = runNodeGyp(nodeGyp, ['install', ...headerArgs(plan)], DESKTOP_DIR, process.env);
  if (result.ok && existsSync(expected)) return;
  throw new NativeBuildError(
    [
      `Cannot get the ${runtimeName} ${plan.target} headers needed to build native modules for it.`,
      `Missing: ${expected}`,
      `Tried: node-gyp install from ${plan.distUrl} (${result.ok ? 'it finished but left no headers' : 'it failed'}):`,
      gypDiagnosis(result.output),
      '',
      'To fix: connect to the internet and run again, or download the headers tarball',
      `(${plan.distUrl}/v${plan.target}/node-v${plan.target}-headers.tar.gz), unpack it and pass --nodedir <unpacked dir>.`,
      'To skip for now: PERPSCOPE_SKIP_NATIVE_BUILD=1 (the desktop app refuses to start until the build exists; the CLI is unaffected).',
    ].join('\n'),
  );
}

/** The node_modules directory a package is installed in; its dependencies (node-addon-api) sit beside it. */
function installRoot(pkgDir, name) {
  let dir = pkgDir;
  for (let i = 0; i < name.split('/').length; i += 1) dir = dirname(dir);
  return dir;
}

/**
 * Copies one package (without its build output and node_modules) into `<outDir>/<name>` and
 * builds it there. The build happens in a sibling temp dir that replaces the old copy only once
 * it succeeded, so a failed build never leaves a half-built package under the final name.
 */
export function buildPackage(pkg, plan, nodeGyp, log) {
  const dest = join(plan.outDir, pkg.name);
  const work = `${dest}.building`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(dirname(work), { recursive: true });
  cpSync(pkg.dir, work, {
    recursive: true,
    dereference: true,
    filter: (src) => {
      const rel = relative(pkg.dir, src);
      const top = rel.split(sep)[0];
      return top !== 'build' && top !== 'node_modules' && top !== 'prebuilds';
    },
  });
  // binding.gyp files run `node -p "require('node-addon-api')..."` from the copy; NODE_PATH lets
  // that find the dependencies installed next to the original package.
  const nodePath = [installRoot(pkg.dir, pkg.name), process.env.NODE_PATH].filter(Boolean).join(process.platform === 'win32' ? ';' : ':');
  const env = { ...process.env, NODE_PATH: nodePath };
  log(`building ${pkg.name}@${pkg.version} for ${plan.runtime} ${plan.target} (ABI ${plan.abi}) in ${relative(process.cwd(), work) || work}`);
  const args = ['rebuild', '--release', `--jobs=${Math.max(1, availableParallelism())}`, ...headerArgs(plan)];
  if (plan.runtime === 'electron') args.push('--runtime=electron');
  const result = runNodeGyp(nodeGyp, args, work, env);
  if (!result.ok || !existsSync(join(work, pkg.binding))) {
    throw new NativeBuildError(`node-gyp could not build ${pkg.name} for ${plan.runtime} ${plan.target} (in ${work}):\n${tail(result.output, 25)}`);
  }
  rmSync(dest, { recursive: true, force: true });
  renameSync(work, dest);
}

/**
 * The whole build: resolve the target, skip if up to date (with `ifStale`), fetch headers, build
 * every package, then write the stamp. Returns the output directory and whether it built.
 */
export function buildNative(options, log = (line) => console.log(`[native] ${line}`)) {
  const resolved = resolveTarget(options);
  const outRoot = options.out ?? DEFAULT_OUT_DIR;
  const outDir = join(outRoot, `${options.runtime}-${resolved.abi}`);
  const packages = NATIVE_PACKAGES.map((p) => {
    const dir = resolvePackageDir(p.name, p.from);
    return { ...p, dir, version: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version };
  });
  const identity = buildIdentity(options, resolved, packages);
  if (options.ifStale && isUpToDate(outDir, identity)) {
    log(`${basename(outDir)} is up to date (${options.runtime} ${resolved.target})`);
    return { outDir, built: false };
  }
  const nodedir = options.nodedir ?? (options.runtime === 'node' && resolved.target === process.versions.node ? localNodeHeaders() : undefined);
  const plan = {
    runtime: options.runtime,
    target: resolved.target,
    abi: resolved.abi,
    distUrl: options.distUrl ?? DEFAULT_DIST_URL[options.runtime],
    devdir: join(outRoot, '.headers'),
    outDir,
    ...(nodedir ? { nodedir } : {}),
  };
  const nodeGyp = findNodeGyp();
  ensureHeaders(plan, nodeGyp);
  // The old stamp goes first, so a build interrupted half-way is never taken for a finished one.
  rmSync(join(outDir, STAMP_FILE), { force: true });
  for (const pkg of packages) buildPackage(pkg, plan, nodeGyp, log);
  writeFileSync(join(outDir, STAMP_FILE), `${JSON.stringify({ ...identity, builtAtMs: Date.now() }, null, 2)}\n`);
  log(`done: ${outDir}`);
  return { outDir, built: true };
}

export { HELP };
