import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { SIM_START_MS } from '../../../test/support/sim.js';
import { runCli } from '../../src/cli/runCli.js';
import type { SeriesCoverage } from '../../src/data/coverage.js';
import type { ImportReport } from '../../src/data/importCandles.js';
import type { DownloadReport } from '../../src/data/download/downloadCandles.js';
import { captureIo } from '../cli/testIo.js';
import { BINANCE_HEADER, binanceRows, H, hourly, recordedRows, T0, tempDir } from './helpers.js';

describe('perpscope data (CLI)', () => {
  const tmp = tempDir('perpscope-data-cli-');
  afterAll(() => tmp.cleanup());
  const c = hourly(48);
  // 48 bars with bars 20..23 missing (one gap of 4), plus an unfinished last row the recorded layout drops.
  tmp.write('in/binance-usdm/BTCUSDT_1h.csv', `time,open,high,low,close,volume\n${recordedRows([...c.slice(0, 20), ...c.slice(24), hourly(1, T0 + 48 * H)[0]!]).join('\n')}\n`);
  tmp.write('in/vision/ETHUSDT-1h-2025-01.csv', `${BINANCE_HEADER}\n${binanceRows(c).join('\n')}\n`);
  tmp.write('in/readme.md', '# not data');

  it('imports a directory, then lists its coverage as JSON (piped) and as a table (terminal)', async () => {
    const home = join(tmp.dir, 'home');
    const imp = captureIo(false);
    expect(await runCli(['--home', home, 'data', 'import', join(tmp.dir, 'in')], imp)).toBe(0);
    expect(imp.lines, 'piped: one JSON object').toHaveLength(1);
    const report = JSON.parse(imp.lines[0]!) as ImportReport;
    expect(report.totals).toMatchObject({ files: 3, imported: 2, skipped: 1, failed: 0, candles: 44 + 48, gaps: 1, missingBars: 4 });

    const list = captureIo(false);
    expect(await runCli(['--home', home, 'data', 'list'], list)).toBe(0);
    const { series } = JSON.parse(list.lines[0]!) as { series: SeriesCoverage[] };
    expect(series.map((s) => [s.exchange, s.symbol, s.timeframe, s.count, s.expectedCount, s.gaps])).toEqual([
      ['binanceusdm', 'BTC/USDT:USDT', '1h', 44, 48, 1],
      ['binanceusdm', 'ETH/USDT:USDT', '1h', 48, 48, 0],
    ]);
    expect(series[0]!.largestGap).toEqual({ afterOpenTimeMs: T0 + 19 * H, beforeOpenTimeMs: T0 + 24 * H, missingBars: 4 });
    expect(series[1]).toMatchObject({ firstOpenTimeMs: T0, lastOpenTimeMs: T0 + 47 * H });

    const table = captureIo(true);
    expect(await runCli(['--home', home, 'data', 'list', '--exchange', 'binanceusdm', '--symbol', 'BTC/USDT:USDT'], table)).toBe(0);
    const text = table.lines.join('\n');
    expect(text).toContain('BTC/USDT:USDT');
    expect(text).not.toContain('ETH/USDT:USDT');
    expect(text).toContain('1 (4 bars)');
    expect(text).toContain('4 bars after 2025-01-01 19:00');
  });

  it('a terminal import prints the per-file table and totals; a bad file exits 1 naming line and column', async () => {
    const home = join(tmp.dir, 'home-tty');
    const io = captureIo(true);
    expect(await runCli(['--home', home, 'data', 'import', join(tmp.dir, 'in')], io)).toBe(0);
    const text = io.lines.join('\n');
    expect(text).toContain('BTCUSDT_1h.csv');
    expect(text).toContain(`skipped ${join(tmp.dir, 'in', 'readme.md')}`);
    expect(text).toContain('2 file(s) imported, 1 skipped, 0 failed | 92 rows read, 92 imported, 0 duplicates, 0 reordered, 1 gaps (4 bars missing), 0 refused');
    const bad = tmp.write('bad/SOLUSDT_1h.csv', 'time,open,high,low,close,volume\n2025-01-01 00:00:00,1,2,0.5,1.5,1\n2025-01-01 01:00:00,1,two,0.5,1.5,1\n2025-01-01 02:00:00,1,2,0.5,1.5,1\n');
    const failed = captureIo(false);
    expect(await runCli(['--home', home, 'data', 'import', bad], failed)).toBe(1);
    expect(failed.errors.join('\n')).toContain(`${bad}`);
    expect(failed.errors.join('\n')).toContain('line 3, column 3 (high): got "two", expected a finite number');
    const map = captureIo(false);
    expect(await runCli(['--home', home, 'data', 'import', bad, '--map', 'time=ts,bogus=x'], map), 'commander reports a bad option value with exit 1').toBe(1);
    expect(map.errors.join('\n')).toContain('--map: got "bogus=x"');
  });

  it('download --sim stores candles from the in-process SimExchange, and a longer second run resumes (seed and start pinned in the config)', async () => {
    const home = join(tmp.dir, 'home-sim');
    const config = join(tmp.dir, 'sim-config.json');
    writeFileSync(config, JSON.stringify({ sim: { seed: 3, symbols: 3, startTimeMs: SIM_START_MS, rateLimitScale: 20 } }));
    const from = new Date(SIM_START_MS - 30 * H).toISOString();
    const args = ['--home', home, '--config', config, 'data', 'download', '--sim', '--symbols', 'BTCUSDT', '--timeframe', '1h', '--from', from, '--page-limit', '12', '--no-funding'];
    const tty = captureIo(true);
    expect(await runCli([...args, '--to', new Date(SIM_START_MS - 18 * H).toISOString()], tty)).toBe(0);
    expect(tty.errors, 'one progress line per page on stderr').toEqual([`BTC/USDT:USDT: 12 candles, next from ${new Date(SIM_START_MS - 18 * H).toISOString().slice(0, 16).replace('T', ' ')}`]);
    expect(stripVTControlCharacters(tty.lines.join('\n'))).toMatch(/BTC\/USDT:USDT.*│\s+1 │\s+12 │/);
    const io = captureIo(false);
    const code = await runCli([...args, '--to', new Date(SIM_START_MS).toISOString()], io);
    expect(io.errors).toEqual([]);
    expect(code).toBe(0);
    const report = JSON.parse(io.lines[0]!) as DownloadReport;
    expect(report.exchange).toBe('sim');
    expect(report.symbols).toEqual([
      expect.objectContaining({
        symbol: 'BTC/USDT:USDT',
        candles: expect.objectContaining({ resumed: true, startMs: SIM_START_MS - 18 * H, pages: 2, stored: 18 }),
        funding: expect.objectContaining({ skipped: expect.any(String) }),
      }),
    ]);
    const list = captureIo(false);
    await runCli(['--home', home, 'data', 'list', '--exchange', 'sim'], list);
    const { series } = JSON.parse(list.lines[0]!) as { series: SeriesCoverage[] };
    expect(series).toEqual([expect.objectContaining({ symbol: 'BTC/USDT:USDT', count: 30, expectedCount: 30, gaps: 0, firstOpenTimeMs: SIM_START_MS - 30 * H })]);
  });

  it('download refuses a --from or --to outside 2000..2100 (a bare year would be seconds since 1970) with exit 2, naming the flag and value', async () => {
    const home = join(tmp.dir, 'home-dates');
    const base = ['--home', home, 'data', 'download', '--sim', '--symbols', 'BTCUSDT', '--timeframe', '1h'];
    const year = captureIo(false);
    expect(await runCli([...base, '--from', '2025'], year)).toBe(2);
    expect(year.errors.join('\n')).toMatch(/--from: got "2025", expected a UTC date or date-time between 2000 and 2100/);
    const far = captureIo(false);
    expect(await runCli([...base, '--from', '2025-01-01', '--to', '2100-01-01'], far)).toBe(2);
    expect(far.errors.join('\n')).toMatch(/--to: got "2100-01-01", expected a UTC date or date-time between 2000 and 2100/);
    const early = captureIo(false);
    expect(await runCli([...base, '--from', '1999-12-31'], early)).toBe(2);
    expect(early.errors.join('\n')).toContain('--from: got "1999-12-31"');
  });
});
