import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createReplaySource } from '../../src/sim/index.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 9, 1, 0);

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

/** 30 hourly rows (the last one unfinished) with close = 100 + i and volume = 10 + i. */
function hourlyCsv(): string {
  const rows = ['time,open,high,low,close,volume'];
  for (let i = 0; i < 30; i++) rows.push(`${iso(T0 + i * HOUR)},${99 + i}.5,${101 + i}.25,${98 + i}.75,${100 + i}.0,${10 + i}.125`);
  return rows.join('\n') + '\n';
}

describe('createReplaySource', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-replay-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'ABCUSDT_1h.csv'), hourlyCsv());
  mkdirSync(join(dir, 'data', '1h'), { recursive: true });
  writeFileSync(join(dir, 'data', '1h', 'XYZUSDT.csv'), 'timestamp,open,high,low,close,volume,quote_volume\n' + `${T0},1,2,0.5,1.5,100,150\n${T0 + HOUR},1.5,2,1,1.75,200,350\n${T0 + 2 * HOUR},1.75,2,1,1.8,1,2\n`);
  writeFileSync(join(dir, 'notes.txt'), 'ignored');
  const source = createReplaySource(dir);

  it('maps exchange symbols to BloFin ids and ccxt symbols and drops each unfinished last row', () => {
    const markets = source.markets().map((m) => [m.symbol, m.id]).sort();
    expect(markets).toEqual([
      ['ABC/USDT:USDT', 'ABC-USDT'],
      ['XYZ/USDT:USDT', 'XYZ-USDT'],
    ]);
    const bars = source.candles('ABC/USDT:USDT', '1h', 0, Number.MAX_SAFE_INTEGER);
    expect(bars.length, '30 rows minus the unfinished one').toBe(29);
    expect(bars[28]!.close).toBe(128);
    expect(source.candles('XYZ/USDT:USDT', '1H', 0, Number.MAX_SAFE_INTEGER).length, 'ms timestamps, <tf>/<SYM>.csv layout').toBe(2);
  });

  it('starts just after the last complete 1h candle', () => {
    expect(source.defaultStartMs).toBe(T0 + 29 * HOUR);
  });

  it('defines 24h quote volume as sum(volume x close) over the last 24 complete 1h candles', () => {
    const at = source.defaultStartMs;
    let expected = 0;
    for (let i = 5; i < 29; i++) expected += (10 + i + 0.125) * (100 + i);
    const stats = source.stats24h('ABC/USDT:USDT', at)!;
    expect(stats.quoteVolume24h).toBeCloseTo(expected, 6);
    expect(stats.open24h, 'open of the first of the 24').toBe(104.5);
    expect(stats.last).toBe(128);
  });

  it('aggregates coarser timeframes from the recorded one and serves no finer ones', () => {
    const twoHour = source.candles('ABC/USDT:USDT', '2h', 0, Number.MAX_SAFE_INTEGER);
    expect(twoHour.length, '29 hourly bars -> 14 complete 2h bars (the odd one is unfinished)').toBe(14);
    expect(twoHour[0]).toMatchObject({ openTimeMs: T0, open: 99.5, high: 102.25, low: 98.75, close: 101 });
    expect(source.supportsTimeframe(60_000), 'no 1m data').toBe(false);
  });

  it('plays the forming bar forward from the open when the sim runs inside the recording', () => {
    const at = T0 + 10 * HOUR + HOUR / 2;
    const forming = source.formingCandle('ABC/USDT:USDT', '1h', at)!;
    expect(forming.closed).toBe(false);
    expect(forming.open).toBe(109.5);
    expect(forming.close, 'halfway from open to close').toBeCloseTo(109.75, 6);
  });

  it('names the problem when the directory is unusable', () => {
    expect(() => createReplaySource(join(dir, 'missing'))).toThrow(/does not exist/);
    const empty = mkdtempSync(join(tmpdir(), 'sim-empty-'));
    try {
      expect(() => createReplaySource(empty)).toThrow(/no OHLCV CSV files/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('decimals (price precision of recorded files)', () => {
  it('reads plain and scientific notation', async () => {
    const { decimals } = await import('../../src/sim/replayFiles.js');
    expect(decimals('2.32e-05'), 'regression: 1000SATS prices were cut to 6 decimals').toBe(7);
    expect(decimals('0.0000232')).toBe(7);
    expect(decimals('101516.10')).toBe(1);
    expect(decimals('1.5E3')).toBe(0);
    expect(decimals('42')).toBe(0);
    expect(decimals('3.25e1')).toBe(1);
  });
});
