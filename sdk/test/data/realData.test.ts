import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDir, requireData } from '../../../test/support/testData.js';
import { candleCoverage } from '../../src/data/coverage.js';
import { importCandles, type FileImportResult } from '../../src/data/importCandles.js';
import { openStore, type Store } from '../../src/store/index.js';
import { tempDir } from './helpers.js';

/** The file's data lines, read independently of the importer: the header and empty lines left out. */
function dataLines(file: string, header = true): string[][] {
  const lines = readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  return (header ? lines.slice(1) : lines).map((l) => l.split(','));
}

const utc = (text: string) => Date.parse(`${text.replace(' ', 'T')}Z`);

function imported(f: FileImportResult | undefined): Extract<FileImportResult, { status: 'imported' }> {
  if (f?.status !== 'imported') throw new Error(`expected an imported file, got ${JSON.stringify(f)}`);
  return f;
}

describe.skipIf(!requireData())('importing the real recorded sets (../shared/data)', () => {
  const root = dataDir()!;
  const tmp = tempDir('perpscope-data-real-');
  let store: Store;
  beforeAll(() => {
    store = openStore({ file: join(tmp.dir, 'store.db') });
  });
  afterAll(() => {
    store.close();
    tmp.cleanup();
  });

  it('binance-usdm-2024-10-2025-03 BTCUSDT_1h.csv: cut at 2025-04-01, so every row imports', async () => {
    const file = join(root, 'binance-usdm-2024-10-2025-03', 'BTCUSDT_1h.csv');
    const rows = dataLines(file);
    const f = imported((await importCandles(store, file)).files[0]);
    expect(f).toMatchObject({ exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', timeframe: '1h', droppedLastRow: false });
    expect(f.stats.rowsRead).toBe(rows.length);
    expect(f.stats.imported + f.stats.duplicates + f.stats.refused).toBe(rows.length);
    expect(f.firstOpenTimeMs).toBe(utc(rows[0]![0]!));
    expect(f.lastOpenTimeMs, 'the README: this set was cut at a boundary, its last row is finished').toBe(Date.UTC(2025, 2, 31, 23));
    expect(f.lastOpenTimeMs).toBe(utc(rows[rows.length - 1]![0]!));
    const cov = candleCoverage(store, { exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', timeframe: '1h' })[0]!;
    expect(cov.count).toBe(f.stats.imported);
    expect(cov.expectedCount! - cov.count, 'coverage and import agree on the missing bars').toBe(f.stats.missingBars);
  });

  it('binance-usdm-2025-09-2026-03 data/1h/ETHUSDT.csv (ms, quote volume, trades): the unfinished last row is dropped', async () => {
    const file = join(root, 'binance-usdm-2025-09-2026-03', 'data', '1h', 'ETHUSDT.csv');
    const rows = dataLines(file);
    const f = imported((await importCandles(store, file)).files[0]);
    expect(f).toMatchObject({ exchange: 'binanceusdm', symbol: 'ETH/USDT:USDT', timeframe: '1h', droppedLastRow: true });
    expect(f.stats.rowsRead).toBe(rows.length - 1);
    expect(f.firstOpenTimeMs).toBe(Number(rows[0]![0]));
    expect(f.lastOpenTimeMs).toBe(Number(rows[rows.length - 2]![0]));
    const stored = store.candles.range({ exchange: 'binanceusdm', symbol: 'ETH/USDT:USDT', timeframe: '1h' });
    expect(stored[0]!.close).toBe(Number(rows[0]![4]));
  });

  it('bybit-linear-2025-10 1000PEPEUSDT_1h.csv (turnover column) lands under bybit, last row dropped', async () => {
    const file = join(root, 'bybit-linear-2025-10', 'data', '1000PEPEUSDT_1h.csv');
    const rows = dataLines(file);
    const f = imported((await importCandles(store, file)).files[0]);
    expect(f).toMatchObject({ exchange: 'bybit', symbol: '1000PEPE/USDT:USDT', timeframe: '1h', droppedLastRow: true });
    expect(f.stats.rowsRead).toBe(rows.length - 1);
    expect(f.firstOpenTimeMs).toBe(utc(rows[0]![0]!));
    expect(f.lastOpenTimeMs).toBe(utc(rows[rows.length - 2]![0]!));
  });

  it('indicator-refs btcusdt-1h.csv: µs open times, a whole January (744 bars)', async () => {
    const file = join(root, 'indicator-refs', 'tests', 'fixtures', 'data', 'btcusdt-1h.csv');
    const rows = dataLines(file);
    const f = imported((await importCandles(store, file, { exchange: 'binanceusdm' })).files[0]);
    expect(f.symbol).toBe('BTC/USDT:USDT');
    expect(f.firstOpenTimeMs, 'µs divided down to ms').toBe(Number(rows[0]![0]) / 1000);
    expect(f.firstOpenTimeMs).toBe(Date.UTC(2025, 0, 1));
    expect(f.lastOpenTimeMs).toBe(Date.UTC(2025, 0, 31, 23));
    expect(f.stats.imported, 'the set ends at the month end: its last bar is finished').toBe(rows.length);
    expect(f.stats.imported).toBe(31 * 24);
    expect(f.stats.gaps).toBe(0);
  });

  it('the freqtrade test data folder: futures candles import, mark and funding files are reported as skipped', async () => {
    const dir = join(root, 'microstructure-samples', 'freqtrade_testdata', 'tests', 'testdata', 'futures');
    const report = await importCandles(store, dir, { exchange: 'binanceusdm' });
    const byName = new Map(report.files.map((f) => [f.file.slice(dir.length + 1), f]));
    expect(byName.get('XRP_USDT-1h-mark.json')?.status).toBe('skipped');
    expect(byName.get('XRP_USDT-8h-funding_rate.json')?.status).toBe('skipped');
    for (const [name, tf] of [['XRP_USDT_USDT-1h-futures.json', '1h'], ['XRP_USDT_USDT-5m-futures.json', '5m']] as const) {
      const rows = JSON.parse(readFileSync(join(dir, name), 'utf8')) as number[][];
      const f = imported(byName.get(name));
      expect(f).toMatchObject({ symbol: 'XRP/USDT:USDT', timeframe: tf });
      expect(f.stats.rowsRead).toBe(rows.length);
      expect(f.firstOpenTimeMs).toBe(Math.min(...rows.map((r) => r[0]!)));
      expect(f.lastOpenTimeMs).toBe(Math.max(...rows.map((r) => r[0]!)));
      expect(f.stats.imported + f.stats.duplicates + f.stats.refused).toBe(rows.length);
    }
    expect(report.totals.failed).toBe(0);
  });
});
