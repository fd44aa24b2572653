import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { importCandles } from '../../src/data/importCandles.js';
import { repairCandles } from '../../src/data/repairCandles.js';
import { CandleFileError } from '../../src/data/candleFileError.js';
import type { SourcedCandle } from '../../src/data/types.js';
import { openStore, type Store } from '../../src/store/index.js';
import { BINANCE_HEADER, binanceRows, H, hourly, recordedRows, T0, tempDir } from './helpers.js';

const at = (candles: ReturnType<typeof hourly>) => candles.map((c, i): SourcedCandle => ({ ...c, line: i + 2 }));
const file = { file: 'x.csv', timeframe: '1h', positionName: 'line' as const };

describe('repairCandles', () => {
  it('drops identical duplicates, sorts out-of-order rows and counts gaps without inventing bars', () => {
    const c = hourly(10);
    // Rows 0..9 minus 4 and 5 (one gap of 2 bars), row 7 repeated identically, rows 2 and 3 swapped.
    const rows = at([c[0]!, c[1]!, c[3]!, c[2]!, c[6]!, c[7]!, c[7]!, c[8]!, c[9]!]);
    const { candles, stats } = repairCandles({ ...file, candles: rows });
    expect(candles.map((x) => (x.openTimeMs - T0) / H)).toEqual([0, 1, 2, 3, 6, 7, 8, 9]);
    expect(stats).toMatchObject({ rowsRead: 9, imported: 8, duplicates: 1, conflicts: 0, reordered: 1, gaps: 1, missingBars: 2, largestGapMs: 2 * H, refused: 0 });
  });

  it('refuses a file whose rows disagree at one open time, naming both lines; --on-conflict=last keeps the later row', () => {
    const c = hourly(3);
    const changed = { ...c[1]!, close: c[1]!.close + 0.5 };
    const rows = at([c[0]!, c[1]!, changed, c[2]!]);
    const err = (() => {
      try {
        repairCandles({ ...file, candles: rows });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(CandleFileError);
    expect((err as Error).message).toContain('lines 3 and 4');
    expect((err as Error).message).toContain('--on-conflict=last');
    const last = repairCandles({ ...file, candles: rows }, 'last');
    expect(last.candles[1]!.close, 'the later line wins').toBe(changed.close);
    expect(last.stats).toMatchObject({ duplicates: 1, conflicts: 1, imported: 3 });
  });

  it('refuses impossible candles row by row, with the reason, and keeps the rest', () => {
    const c = hourly(6);
    const rows = at([
      c[0]!,
      { ...c[1]!, high: c[1]!.open - 1 },
      { ...c[2]!, low: c[2]!.close + 1 },
      { ...c[3]!, volume: -1 },
      { ...c[4]!, open: 0 },
      { ...c[5]!, openTimeMs: c[5]!.openTimeMs + 60_000 },
    ]);
    const { candles, stats } = repairCandles({ ...file, candles: rows });
    expect(candles).toHaveLength(1);
    expect(stats.refused).toBe(5);
    expect(stats.refusals.map((r) => r.line)).toEqual([3, 4, 5, 6, 7]);
    expect(stats.refusals[0]!.reason).toContain('below max(open');
    expect(stats.refusals[1]!.reason).toContain('above min(open');
    expect(stats.refusals[2]!.reason).toContain('negative');
    expect(stats.refusals[3]!.reason).toContain('above 0');
    expect(stats.refusals[4]!.reason).toContain('boundary');
  });
});

describe('importCandles into the SQLite store', () => {
  const tmp = tempDir();
  let store: Store;
  beforeEach(() => {
    store = openStore({ file: join(tmp.dir, `store-${Math.random().toString(36).slice(2)}.db`) });
  });
  afterEach(() => store.close());
  afterAll(() => tmp.cleanup());

  it('writes one series per file with the counts, and reads back what it wrote', async () => {
    const c = hourly(24);
    const shuffled = [...c.slice(0, 10), c[12]!, c[11]!, c[10]!, ...c.slice(13, 20), c[19]!, ...c.slice(22)];
    const path = tmp.write('one/BTCUSDT-1h-2025-01.csv', `${BINANCE_HEADER}\n${binanceRows(shuffled).join('\n')}\n`);
    const report = await importCandles(store, path);
    const f = report.files[0]!;
    expect(f.status).toBe('imported');
    if (f.status !== 'imported') return;
    expect(f.stats).toMatchObject({ rowsRead: 23, imported: 22, duplicates: 1, reordered: 2, gaps: 1, missingBars: 2, refused: 0 });
    expect(f.firstOpenTimeMs).toBe(T0);
    expect(f.lastOpenTimeMs).toBe(T0 + 23 * H);
    const key = { exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT', timeframe: '1h' };
    expect(store.candles.range(key)).toEqual([...c.slice(0, 20), ...c.slice(22)]);
  });

  it('a failing file leaves the store exactly as it was', async () => {
    const good = tmp.write('fail/ETHUSDT-1h-2025-01.csv', binanceRows(hourly(5)).join('\n'));
    await importCandles(store, good);
    const key = { exchange: 'binanceusdm', symbol: 'ETH/USDT:USDT', timeframe: '1h' };
    const before = store.candles.range(key);
    // Same series, new and changed bars, then one bad cell on the last line.
    const rows = binanceRows(hourly(8, T0 - 3 * H).map((x) => ({ ...x, close: x.close + 0.25 })));
    rows[7] = rows[7]!.split(',').map((cell, k) => (k === 8 ? 'oops' : cell)).join(',');
    const bad = tmp.write('fail/ETHUSDT-1h-2025-02.csv', rows.join('\n'));
    const report = await importCandles(store, bad);
    const f = report.files[0]!;
    expect(f.status).toBe('failed');
    expect(f.status === 'failed' && f.error).toContain('line 8, column 9 (count)');
    expect(store.candles.range(key), 'nothing of the failing file was written').toEqual(before);
    expect(store.candles.listSeries()).toHaveLength(1);
  });

  it('a directory imports every recognised file, reports the others, and one failure does not stop the rest', async () => {
    tmp.write('dir/a/BTCUSDT_1h.csv', `time,open,high,low,close,volume\n${recordedRows(hourly(6)).join('\n')}\n`);
    tmp.write('dir/a/notes.txt', 'hello');
    tmp.write('dir/a/funding.csv', 'timestamp,symbol,funding_rate\n1,BTCUSDT,0.0001\n');
    tmp.write('dir/b/XRP_USDT_USDT-1h-futures.json', JSON.stringify(hourly(4).map((x) => [x.openTimeMs, x.open, x.high, x.low, x.close, x.volume])));
    tmp.write('dir/b/XRP_USDT-1h-mark.json', '[]');
    tmp.write('dir/c/SOLUSDT_1h.csv', 'time,open,high,low,close,volume\n2025-01-01 00:00:00,1,2,0.5,1.5,x\n2025-01-01 01:00:00,1,2,0.5,1.5,1\n');
    const seen: string[] = [];
    const report = await importCandles(store, join(tmp.dir, 'dir'), { exchange: 'bybit', onFile: (r) => seen.push(r.status) });
    expect(report.files.map((r) => [r.file.slice(tmp.dir.length + 5), r.status])).toEqual([
      ['a/BTCUSDT_1h.csv', 'imported'],
      ['a/funding.csv', 'skipped'],
      ['a/notes.txt', 'skipped'],
      ['b/XRP_USDT-1h-mark.json', 'skipped'],
      ['b/XRP_USDT_USDT-1h-futures.json', 'imported'],
      ['c/SOLUSDT_1h.csv', 'failed'],
    ]);
    expect(seen, 'onFile sees each file in order').toEqual(report.files.map((r) => r.status));
    expect(report.totals).toMatchObject({ files: 6, imported: 2, skipped: 3, failed: 1, rowsRead: 5 + 4, candles: 9 });
    expect(store.candles.listSeries().map((s) => `${s.exchange} ${s.symbol} ${s.count}`)).toEqual(['bybit BTC/USDT:USDT 5', 'bybit XRP/USDT:USDT 4']);
  });

  it('a directory walk enters each real directory once: a symlink loop ends, a linked folder imports once, a dangling link is reported', async () => {
    tmp.write('loop/real/BTCUSDT_1h.csv', `time,open,high,low,close,volume\n${recordedRows(hourly(6)).join('\n')}\n`);
    symlinkSync(join(tmp.dir, 'loop'), join(tmp.dir, 'loop/real/back'), 'dir');
    symlinkSync(join(tmp.dir, 'loop/real'), join(tmp.dir, 'loop/twin'), 'dir');
    symlinkSync(join(tmp.dir, 'loop/gone'), join(tmp.dir, 'loop/real/ETHUSDT_1h.csv'));
    symlinkSync(join(tmp.dir, 'loop/SOLUSDT_1h.csv'), join(tmp.dir, 'loop/SOLUSDT_1h.csv'));
    const report = await importCandles(store, join(tmp.dir, 'loop'), { exchange: 'bybit' });
    expect(report.files.map((r) => [r.file.slice(tmp.dir.length + 6), r.status])).toEqual([
      ['SOLUSDT_1h.csv', 'failed'],
      ['real/BTCUSDT_1h.csv', 'imported'],
      ['real/ETHUSDT_1h.csv', 'failed'],
    ]);
    const [selfLink, , dangling] = report.files;
    expect(selfLink!.status === 'failed' && selfLink!.error).toContain('ELOOP');
    expect(dangling!.status === 'failed' && dangling!.error).toContain('ENOENT');
    expect(store.candles.listSeries().map((s) => `${s.symbol} ${s.count}`)).toEqual(['BTC/USDT:USDT 5']);
  });

  it('a path that does not exist is an input error naming it', async () => {
    await expect(importCandles(store, join(tmp.dir, 'nope'))).rejects.toThrow(/nope.*an existing candle file or directory/s);
  });
});
