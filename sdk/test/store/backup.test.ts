import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openStore, type CandleRow } from '../../src/store/index.js';
import { tempDir } from './helpers.js';

const row = (i: number): CandleRow => ({ exchange: 'sim', symbol: `S${i % 50}/USDT:USDT`, timeframe: '1m', openTimeMs: i * 60_000, open: 1, high: 2, low: 0.5, close: 1.5, volume: i });

describe('backup (RELIABILITY 18)', () => {
  it('copies the database while a writer loop continues, and the copy passes integrity_check', async () => {
    const { dir, cleanup } = tempDir();
    const store = openStore({ home: join(dir, 'home') });
    try {
      // Enough pages that the online backup needs many steps, so writes land between them.
      store.candles.upsertRows(Array.from({ length: 40_000 }, (_, i) => row(i)));
      let running = true;
      let writesDuringBackup = 0;
      let next = 40_000;
      const writer = () => {
        if (!running) return;
        store.transaction(() => {
          store.events.append({ atMs: next, type: 'tick' });
          store.candles.upsertRows([row(next++)]);
        });
        writesDuringBackup++;
        setImmediate(writer);
      };
      setImmediate(writer);
      const report = await store.backup(join(dir, 'backups', 'copy.db'));
      const seqAtEnd = store.events.lastSeq();
      running = false;

      expect(writesDuringBackup, 'the writer kept committing while the backup ran').toBeGreaterThan(0);
      expect(report.totalPages).toBeGreaterThan(100);
      const copy = openStore({ file: report.file });
      try {
        const integrity = copy.integrityCheck();
        expect(integrity.ok, integrity.messages.join('; ')).toBe(true);
        expect(copy.events.lastSeq(), 'writes made through the same connection during the backup are in the copy').toBe(seqAtEnd);
        expect(copy.candles.listSeries().reduce((s, x) => s + x.count, 0)).toBe(40_000 + seqAtEnd);
      } finally {
        copy.close();
      }
    } finally {
      store.close();
      cleanup();
    }
  });

  it('refuses to back up onto the database itself', async () => {
    const { dir, cleanup } = tempDir();
    const store = openStore({ home: dir });
    try {
      await expect(store.backup(store.file)).rejects.toThrow(/is the database itself/);
    } finally {
      store.close();
      cleanup();
    }
  });
});
