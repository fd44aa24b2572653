import { afterEach, beforeEach } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import { tempDir } from './helpers.js';

/** A fresh store per test, closed and deleted afterwards. */
export function useStore(): () => Store {
  let store: Store | undefined;
  let cleanup: (() => void) | undefined;
  beforeEach(() => {
    const t = tempDir();
    cleanup = t.cleanup;
    store = openStore({ home: t.dir });
  });
  afterEach(() => {
    store?.close();
    cleanup?.();
  });
  return () => {
    if (!store) throw new Error('store used outside a test');
    return store;
  };
}
