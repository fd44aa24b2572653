import { join } from 'node:path';
import { openStore, type Store } from '../../src/store/index.js';
import { tempDir } from '../trading/helpers.js';

/**
 * Temporary store files whose removal (and every store opened on them, closed first) is queued on
 * `cleanups`, which the test file drains after each test.
 */
export function storeFiles(cleanups: (() => void | Promise<void>)[], prefix: string): { tempStoreFile: () => string; open: (file: string) => Store } {
  return {
    tempStoreFile(): string {
      const t = tempDir(prefix);
      cleanups.push(t.cleanup);
      return join(t.dir, 'perpscope.db');
    },
    open(file: string): Store {
      const store = openStore({ file });
      cleanups.unshift(() => store.close());
      return store;
    },
  };
}
