import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, useNativeSqliteBinding } from '../../src/store/index.js';

const home = () => mkdtempSync(join(tmpdir(), 'perpscope-native-'));
// The addon better-sqlite3 itself loads, found from its package (a real file, built for this Node).
const nodeAddon = join(dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');

describe('the per-process better-sqlite3 addon (the Electron app sets its own-ABI build once)', () => {
  afterEach(() => useNativeSqliteBinding(undefined));

  it('every later open that names no addon loads the chosen one, so a wrong one fails every store', () => {
    useNativeSqliteBinding('/nonexistent/electron-150/better_sqlite3.node');
    expect(() => openStore({ home: home() }), 'the process-wide choice reaches a store that names none').toThrow(/better_sqlite3\.node|nonexistent/);
  });

  it('an explicit option wins over the process choice, and undefined restores the default', () => {
    useNativeSqliteBinding('/nonexistent/electron-150/better_sqlite3.node');
    const explicit = openStore({ home: home(), nativeBinding: nodeAddon });
    explicit.events.append({ atMs: 1, type: 'probe' });
    expect(explicit.events.lastSeq()).toBe(1);
    explicit.close();
    useNativeSqliteBinding(undefined);
    const plain = openStore({ home: home() });
    expect(plain.events.lastSeq()).toBe(0);
    plain.close();
  });

  it('pointing it at a real build opens stores with that build', () => {
    useNativeSqliteBinding(nodeAddon);
    const store = openStore({ home: home() });
    store.events.append({ atMs: 1, type: 'probe' });
    expect(store.events.list().map((e) => e.type)).toEqual(['probe']);
    store.close();
  });
});
