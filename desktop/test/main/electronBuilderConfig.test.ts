import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { electronNativeDir, NATIVE_FILES } from '../../src/main/nativeModules.js';

const desktopDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const configFile = join(desktopDir, '..', 'electron-builder.yml');

// electron-builder's own validator and YAML reader, resolved from the installed electron-builder
// (the same code `pnpm --filter @perpscope/desktop dist` runs before it packages anything).
const requireFromBuilder = createRequire(createRequire(join(desktopDir, 'package.json')).resolve('electron-builder'));
const { validateConfiguration } = requireFromBuilder('app-builder-lib/out/util/config/config.js') as {
  validateConfiguration(config: unknown, debugLogger: unknown): Promise<void>;
};
const { DebugLogger } = requireFromBuilder('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
const yaml = requireFromBuilder('js-yaml') as { load(text: string): unknown };
// The matcher electron-builder applies to `extraResources` filters.
const { FileMatcher } = requireFromBuilder('app-builder-lib/out/fileMatcher.js') as {
  FileMatcher: new (from: string, to: string, expand: (s: string) => string, patterns: string[]) => { createFilter(): (file: string, stat: Stats) => boolean };
};

interface BuilderConfig {
  directories: { buildResources: string };
  linux: { icon: string; target: string[] };
  mac: { icon: string; target: string[] };
  win: { icon: string; target: string[] };
  publish?: { provider: string };
  npmRebuild?: boolean;
  extraResources?: { from: string; to: string; filter: string[] }[];
}

const config = yaml.load(readFileSync(configFile, 'utf8')) as BuilderConfig;

/** Width and height from a PNG's IHDR chunk (bytes 16-23, big-endian), after checking the signature. */
function pngSizePx(file: string): { widthPx: number; heightPx: number } {
  const bytes = readFileSync(file);
  expect(bytes.subarray(0, 8).toString('hex'), `${file} is a PNG`).toBe('89504e470d0a1a0a');
  return { widthPx: bytes.readUInt32BE(16), heightPx: bytes.readUInt32BE(20) };
}

describe('electron-builder.yml (validated statically: no Electron binary is needed)', () => {
  it("passes electron-builder's own configuration schema", async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('the validator is live: an unknown key is refused', async () => {
    const broken = { ...config, linux: { ...config.linux, iconz: 'build/icons' } };
    await expect(validateConfiguration(broken, new DebugLogger(false))).rejects.toThrow(/configuration\.linux/);
  });

  it('targets AppImage and deb, dmg and nsis, and writes auto-update metadata', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.publish?.provider, 'a publish provider makes electron-builder write latest*.yml for electron-updater').toBeTruthy();
  });

  it('has icons for Linux, macOS and Windows at the sizes the packagers need', () => {
    for (const platform of ['mac', 'win'] as const) {
      const file = join(desktopDir, config[platform].icon);
      expect(existsSync(file), `${platform} icon ${file}`).toBe(true);
      const { widthPx, heightPx } = pngSizePx(file);
      expect(widthPx, 'macOS needs 512 px or more, 1024 for retina').toBeGreaterThanOrEqual(1024);
      expect(heightPx).toBe(widthPx);
    }
    const linuxDir = join(desktopDir, config.linux.icon);
    for (const sizePx of [16, 32, 48, 64, 128, 256, 512]) {
      const { widthPx, heightPx } = pngSizePx(join(linuxDir, `${sizePx}x${sizePx}.png`));
      expect([widthPx, heightPx], `the file name states its size`).toEqual([sizePx, sizePx]);
    }
    expect(config.directories.buildResources).toBe('build');
  });

  it('ships the Electron-ABI native builds beside node_modules instead of rebuilding node_modules in place', () => {
    expect(config.npmRebuild, 'an in-place rebuild leaves node_modules unusable for the CLI and the Node tests').toBe(false);
    const native = config.extraResources?.find((r) => r.from === 'native');
    expect(native, 'desktop/native is shipped as extra resources').toBeDefined();
    if (!native) return;
    expect(electronNativeDir({ modulesAbi: '150', isPackaged: true, resourcesPath: '/opt/Perpscope/resources', desktopDir }), 'the packaged app looks where the files are put').toBe(
      join('/opt/Perpscope/resources', native.to, 'electron-150'),
    );
    // A build's layout, with the build leftovers that must stay out of the package.
    const root = mkdtempSync(join(tmpdir(), 'perpscope-native-filter-'));
    try {
      const wanted = [...Object.values(NATIVE_FILES), 'keytar/package.json', 'better-sqlite3/package.json', 'better-sqlite3/lib/database.js'].map((f) => join('electron-150', f));
      const leftovers = ['better-sqlite3/deps/sqlite3/sqlite3.c', 'better-sqlite3/build/Release/obj.target/sqlite3.o', 'keytar/src/main.cc', 'node-115/keytar/lib/keytar.js'];
      for (const file of [...wanted, ...leftovers.map((f) => (f.startsWith('node-') ? f : join('electron-150', f)))]) {
        mkdirSync(dirname(join(root, file)), { recursive: true });
        writeFileSync(join(root, file), '');
      }
      const filter = new FileMatcher(root, native.to, (s) => s, native.filter).createFilter();
      const shipped: string[] = [];
      const walk = (dir: string): void => {
        for (const name of readdirSync(dir)) {
          const path = join(dir, name);
          const stat = statSync(path);
          if (!filter(path, stat)) continue;
          if (stat.isDirectory()) walk(path);
          else shipped.push(relative(root, path));
        }
      };
      walk(root);
      expect(shipped.sort(), 'exactly the files the app loads (and the node-ABI build stays home)').toEqual([...wanted].sort());
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
