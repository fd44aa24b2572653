import { afterAll, describe, expect, it } from 'vitest';
import { zipSync, strToU8 } from 'fflate';
import { Float64, makeData, Table, TimestampNanosecond, tableToIPC, Vector, vectorFromArray } from 'apache-arrow';
import { CandleFileError } from '../../src/data/candleFileError.js';
import { readCandleFile } from '../../src/data/readCandleFile.js';
import { BINANCE_HEADER, binanceRows, H, hourly, plain, recordedRows, T0, tempDir } from './helpers.js';

describe('candle file readers', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  const candles = hourly(5);

  it('Binance Vision CSV without a header: symbol, timeframe and exchange from the name, ms times', async () => {
    const file = tmp.write('vision/BTCUSDT-1h-2025-01.csv', `${binanceRows(candles).join('\n')}\n`);
    const read = await readCandleFile(file);
    expect(read.format).toBe('binance-vision');
    expect(read.symbol, 'USDT-quoted Binance symbols are read as linear perpetuals').toBe('BTC/USDT:USDT');
    expect(read.timeframe).toBe('1h');
    expect(read.exchange, 'a Binance Vision file outside any exchange-named folder is Binance USD-M').toBe('binanceusdm');
    expect(plain(read.candles)).toEqual(candles);
    expect(read.droppedLastRow, 'archive files hold finished bars only').toBe(false);
  });

  it('Binance Vision CSV with a header and µs open times (2025+ files) reads the same candles', async () => {
    const file = tmp.write('vision/ETHUSDT-1h-2025-02.csv', `${BINANCE_HEADER}\n${binanceRows(candles, 'us').join('\n')}\n`);
    const read = await readCandleFile(file);
    expect(read.symbol).toBe('ETH/USDT:USDT');
    expect(plain(read.candles), 'µs told from ms by magnitude').toEqual(candles);
    expect(read.candles[0]!.line, 'line numbers count the header').toBe(2);
  });

  it('a Binance Vision .zip holding one CSV reads like the CSV', async () => {
    const zip = zipSync({ 'SOLUSDT-1h-2025-01.csv': strToU8(binanceRows(candles).join('\n')) });
    const read = await readCandleFile(tmp.write('vision/SOLUSDT-1h-2025-01.zip', zip));
    expect(read.symbol).toBe('SOL/USDT:USDT');
    expect(plain(read.candles)).toEqual(candles);
  });

  it('a zip with no CSV, or two, is refused naming its entries', async () => {
    const zip = zipSync({ 'a.csv': strToU8('1'), 'b.csv': strToU8('2') });
    const err = await readCandleFile(tmp.write('vision/XRPUSDT-1h-2025-01.zip', zip)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CandleFileError);
    expect((err as Error).message).toContain('a.csv,b.csv');
    expect((err as Error).message).toContain('exactly one .csv file');
  });

  it('freqtrade JSON: [[ts,o,h,l,c,v],...] with the pair and candle type from the name', async () => {
    const rows = candles.map((c) => [c.openTimeMs, c.open, c.high, c.low, c.close, c.volume]);
    const read = await readCandleFile(tmp.write('ft/XRP_USDT_USDT-1h-futures.json', JSON.stringify(rows)));
    expect(read.format).toBe('freqtrade-json');
    expect(read.symbol).toBe('XRP/USDT:USDT');
    expect(read.exchange, 'no exchange in the path').toBe('unknown');
    expect(plain(read.candles)).toEqual(candles);
  });

  it('freqtrade feather (Arrow IPC file, ns timestamps) reads the same candles', async () => {
    const n = candles.length;
    const date = new Vector([makeData({ type: new TimestampNanosecond('UTC'), length: n, data: BigInt64Array.from(candles.map((c) => BigInt(c.openTimeMs) * 1_000_000n)) })]);
    const col = (k: 'open' | 'high' | 'low' | 'close' | 'volume') => vectorFromArray(candles.map((c) => c[k]), new Float64());
    const table = new Table({ date, open: col('open'), high: col('high'), low: col('low'), close: col('close'), volume: col('volume') });
    const read = await readCandleFile(tmp.write('ft/BTC_USDT_USDT-1h-futures.feather', tableToIPC(table, 'file')), { exchange: 'binanceusdm' });
    expect(read.format).toBe('freqtrade-feather');
    expect(read.exchange).toBe('binanceusdm');
    expect(read.symbol).toBe('BTC/USDT:USDT');
    expect(plain(read.candles)).toEqual(candles);
  });

  it('a feather file without the OHLCV columns is refused naming what it has', async () => {
    const table = new Table({ date: vectorFromArray([1, 2], new Float64()), price: vectorFromArray([1, 2], new Float64()) });
    const err = await readCandleFile(tmp.write('ft/ETH_USDT_USDT-1h-futures.feather', tableToIPC(table, 'file'))).catch((e: unknown) => e);
    expect((err as Error).message).toContain('date,price');
    expect((err as Error).message).toContain('missing open,high,low,close,volume');
  });

  it('generic CSV with a column map; times in seconds, ms and ISO all read as ms', async () => {
    const rows = candles.map((c, i) => {
      const t = i % 3 === 0 ? String(c.openTimeMs / 1000) : i % 3 === 1 ? String(c.openTimeMs) : new Date(c.openTimeMs).toISOString();
      return `${c.close},${t},${c.open},${c.high},${c.low},${c.volume}`;
    });
    const file = tmp.write('generic/prices.csv', `c,ts,o,hi,lo,vol\n${rows.join('\n')}\n`);
    const read = await readCandleFile(file, { symbol: 'BTCUSDT', timeframe: '1h', exchange: 'okx', map: { time: 'ts', high: 'hi', low: 'lo' } });
    expect(read.format).toBe('ohlcv-csv');
    expect(read.symbol).toBe('BTC/USDT:USDT');
    expect(plain(read.candles), 'a mapped file is not a recording: its last row is kept').toEqual(candles);
  });

  it('a header the map does not cover is refused naming the missing fields and --map', async () => {
    const file = tmp.write('generic/odd.csv', 'stamp,a,b,c,d,e\n1,2,3,4,5,6\n');
    const err = await readCandleFile(file, { symbol: 'BTCUSDT', timeframe: '1h' }).catch((e: unknown) => e);
    expect((err as Error).message).toContain(file);
    expect((err as Error).message, 'column c is taken as close').toContain('columns for time, open, high, low, volume');
    expect((err as Error).message).toContain('--map');
  });

  it('recorded layouts drop the unfinished last row, unless it closes a UTC month', async () => {
    const six = hourly(6);
    const mid = await readCandleFile(tmp.write('rec/BTCUSDT_1h.csv', `time,open,high,low,close,volume\n${recordedRows(six).join('\n')}\n`));
    expect(plain(mid.candles)).toEqual(six.slice(0, 5));
    expect(mid.droppedLastRow).toBe(true);
    const monthEnd = hourly(6, Date.UTC(2025, 0, 31, 18));
    const cut = await readCandleFile(tmp.write('rec/ETHUSDT_1h.csv', `time,open,high,low,close,volume\n${recordedRows(monthEnd).join('\n')}\n`));
    expect(plain(cut.candles), 'the 23:00 bar closes at 02-01 00:00: a set cut at the month end').toEqual(monthEnd);
    const kept = await readCandleFile(tmp.write('rec/SOLUSDT_1h.csv', `time,open,high,low,close,volume\n${recordedRows(six).join('\n')}\n`), { lastRow: 'keep' });
    expect(kept.candles).toHaveLength(6);
    const dropped = await readCandleFile(tmp.write('rec/1h/XRPUSDT.csv', `timestamp,open,high,low,close,volume,quote_volume,trades,close_time\n${six.map((c) => `${c.openTimeMs},${c.open},${c.high},${c.low},${c.close},${c.volume},1,1,${c.openTimeMs + H - 1}`).join('\n')}\n`));
    expect(dropped.symbol, '<tf>/<SYM>.csv takes the timeframe from the folder').toBe('XRP/USDT:USDT');
    expect(dropped.timeframe).toBe('1h');
    expect(dropped.candles).toHaveLength(5);
  });

  it('a bad number names the file, line, column, value and what was expected', async () => {
    const rows = binanceRows(candles);
    rows[2] = rows[2]!.replace(/^(\d+),([^,]+),([^,]+)/, '$1,$2,12x.5');
    const file = tmp.write('bad/ADAUSDT-1h-2025-01.csv', `${BINANCE_HEADER}\n${rows.join('\n')}\n`);
    const err = await readCandleFile(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CandleFileError);
    const msg = (err as Error).message;
    expect(msg).toContain(file);
    expect(msg, 'header is line 1, so the third row is line 4').toContain('line 4, column 3 (high)');
    expect(msg).toContain('"12x.5"');
    expect(msg).toContain('a finite number');
  });

  it('Binance Vision rows: an unknown header in a zip, a short row and a non-integer open time are each named', async () => {
    const zip = zipSync({ 'LTCUSDT-1h-2025-01.csv': strToU8(`time,a,b,c,d,e,f,g,h,i,j,k\n${binanceRows(candles).join('\n')}\n`) });
    const header = tmp.write('bad/LTCUSDT-1h-2025-01.zip', zip);
    expect(((await readCandleFile(header).catch((e: unknown) => e)) as Error).message, 'a zip is always read as Binance klines').toContain('line 1: got "time,a,b,c,d,e,f,g,h,i,j,k", expected a Binance kline header');
    const rows = binanceRows(candles);
    rows[0] = rows[0]!.split(',').slice(0, 6).join(',');
    rows[1] = `2025-01-01${rows[1]!.slice(rows[1]!.indexOf(','))}`;
    const msg = ((await readCandleFile(tmp.write('bad/LTCUSDT-1h-2025-02.csv', rows.join('\n'))).catch((e: unknown) => e)) as Error).message;
    expect(msg).toContain('line 1: got 6 columns');
    expect(msg).toContain('line 2, column 1 (open_time): got "2025-01-01", expected an integer open time in ms or µs');
  });

  it('every bad cell of a file is listed at once, and a short row names its column count', async () => {
    const file = tmp.write('bad/recorded_1h.csv', `time,open,high,low,close,volume\n2025-01-01 00:00:00,1,2,0.5,1.5,10\n2025-13-01 01:00:00,1,2,0.5,1.5,10\n2025-01-01 02:00:00,1,2,0.5\n2025-01-01 03:00:00,1,2,0.5,1.5,NaN\n`);
    const err = (await readCandleFile(file, { symbol: 'BTCUSDT' }).catch((e: unknown) => e)) as CandleFileError;
    expect(err.issueCount).toBe(3);
    expect(err.message).toContain('line 3, column 1 (time): got "2025-13-01 01:00:00"');
    expect(err.message).toContain('line 4: got 4 columns');
    expect(err.message).toContain('line 5, column 6 (volume): got "NaN"');
  });

  it('freqtrade JSON rows that are not [ts,o,h,l,c,v] name the row and column', async () => {
    const rows: unknown[] = candles.map((c) => [c.openTimeMs, c.open, c.high, c.low, c.close, c.volume]);
    rows[1] = [candles[1]!.openTimeMs, 1, 2, 0.5, 1.5, null];
    rows[3] = 'x';
    const file = tmp.write('bad/DOT_USDT_USDT-1h-futures.json', JSON.stringify(rows));
    const msg = ((await readCandleFile(file).catch((e: unknown) => e)) as Error).message;
    expect(msg).toContain('row 2, column 6 (volume): got "null"');
    expect(msg).toContain('row 4: got "x"');
    const broken = tmp.write('bad/DOT_USDT_USDT-4h-futures.json', '[[1,2');
    expect(((await readCandleFile(broken).catch((e: unknown) => e)) as Error).message).toContain('JSON');
  });

  it('freqtrade mark and funding files are not candles; a name without symbol or timeframe needs the options', async () => {
    const mark = tmp.write('ft/XRP_USDT-1h-mark.json', '[]');
    expect(((await readCandleFile(mark).catch((e: unknown) => e)) as Error).message).toContain('freqtrade mark data');
    const anon = tmp.write('generic/candles.csv', `time,open,high,low,close,volume\n${recordedRows(candles).join('\n')}\n`);
    expect(((await readCandleFile(anon).catch((e: unknown) => e)) as Error).message).toContain('--symbol');
    const noTf = await readCandleFile(anon, { symbol: 'BTCUSDT' }).catch((e: unknown) => e);
    expect((noTf as Error).message).toContain('--timeframe');
    expect(T0 + 4 * H).toBe(candles[4]!.openTimeMs);
  });
});
