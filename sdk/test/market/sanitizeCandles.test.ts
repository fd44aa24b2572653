import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Candle } from '@perpscope/shared';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/core/errors.js';
import { ATR, RSI } from '../../src/indicators/index.js';
import { sanitizeCandles } from '../../src/market/sanitizeCandles.js';
import { dataDir, requireData } from '../../../test/support/testData.js';

const H = 3_600_000;
const ctx = { symbol: 'BTC/USDT:USDT', timeframe: '1h' as const };

function candle(i: number, close = 100 + i): Candle {
  return { openTimeMs: i * H, open: close - 0.5, high: close + 1, low: close - 1, close, volume: 10 + i };
}

function clean(n: number): Candle[] {
  return Array.from({ length: n }, (_, i) => candle(i, 100 + Math.sin(i / 3) * 5 + i * 0.1));
}

describe('sanitizeCandles', () => {
  it('passes clean candles through untouched with no warnings', () => {
    const input = clean(50);
    const out = sanitizeCandles(input, ctx);
    expect(out.warnings, 'clean input').toEqual([]);
    expect(out.candles, 'same candles').toEqual(input);
    expect(out.candles[3], 'no copy when nothing was repaired').toBe(input[3]);
  });

  it('drops candles with NaN, Infinity, missing or non-number fields and counts them', () => {
    const input: unknown[] = [
      candle(0),
      { ...candle(1), close: Number.NaN },
      { ...candle(2), high: Number.POSITIVE_INFINITY },
      { ...candle(3), volume: undefined },
      { ...candle(4), openTimeMs: '14400000' },
      null,
      42,
      candle(5),
    ];
    const out = sanitizeCandles(input, ctx);
    expect(out.candles.map((c) => c.openTimeMs), 'only finite candles kept').toEqual([0, 5 * H]);
    expect(out.warnings, 'counted').toEqual([{ kind: 'non_finite', count: 6 }]);
  });

  it('repairs negative volume to 0 and keeps the prices', () => {
    const out = sanitizeCandles([candle(0), { ...candle(1), volume: -3 }], ctx);
    expect(out.candles[1], 'volume zeroed').toEqual({ ...candle(1), volume: 0 });
    expect(out.warnings, 'counted').toEqual([{ kind: 'negative_volume', count: 1 }]);
  });

  it('sorts out-of-order candles and keeps the last of duplicates', () => {
    const late = { ...candle(1), close: 111, high: 112 };
    const input = [candle(0), candle(2), candle(1), candle(3), late, candle(3)];
    const out = sanitizeCandles(input, ctx);
    expect(out.candles.map((c) => c.openTimeMs), 'ascending and unique').toEqual([0, H, 2 * H, 3 * H]);
    expect(out.candles[1], 'last received duplicate wins').toBe(late);
    expect(out.warnings, 'counted').toEqual([
      { kind: 'out_of_order', count: 2 },
      { kind: 'duplicate', count: 2 },
    ]);
  });

  it('floors misaligned open times onto the timeframe grid', () => {
    const out = sanitizeCandles([candle(0), { ...candle(1), openTimeMs: H + 1234 }, candle(2)], ctx);
    expect(out.candles.map((c) => c.openTimeMs), 'aligned').toEqual([0, H, 2 * H]);
    expect(out.warnings, 'counted').toEqual([{ kind: 'misaligned', count: 1 }]);
  });

  it('widens high/low to the OHLC extremes and drops non-positive prices', () => {
    const swapped = { ...candle(1), high: candle(1).low, low: candle(1).high };
    const out = sanitizeCandles([candle(0), swapped, { ...candle(2), open: 0 }, { ...candle(3), low: -1 }], ctx);
    expect(out.candles, 'swapped high/low repaired, non-positive dropped').toEqual([candle(0), candle(1)]);
    expect(out.warnings, 'counted').toEqual([{ kind: 'inconsistent_ohlc', count: 3 }]);
  });

  it('never throws on bad candle data, only on a bad context', () => {
    expect(sanitizeCandles(undefined as unknown as unknown[], ctx).candles, 'non-array input').toEqual([]);
    expect(sanitizeCandles([undefined, 'x', [], {}], ctx).warnings, 'junk entries').toEqual([{ kind: 'non_finite', count: 4 }]);
    expect(() => sanitizeCandles([], { symbol: '', timeframe: '7m' as '1m' }), 'bad ctx').toThrow(InvalidInputError);
  });

  it('bad candles never poison indicator state: streaming RSI and ATR equal the clean run', () => {
    const good = realOrSynthetic();
    const dirty: unknown[] = [];
    good.forEach((c, i) => {
      if (i % 17 === 0) dirty.push({ ...c, close: Number.NaN });
      if (i % 23 === 0) dirty.push({ ...c, high: Number.POSITIVE_INFINITY, close: c.close * 3 });
      if (i % 19 === 0) dirty.push({ ...c, close: c.close * 0.5, low: c.low * 0.5 });
      if (i % 29 === 0) dirty.push({ ...c, high: c.low, low: c.high });
      else if (i % 31 === 0) dirty.push({ ...c, openTimeMs: c.openTimeMs + 59_000 });
      else if (i % 37 === 0) dirty.push({ ...c, volume: -c.volume });
      else dirty.push(c);
    });
    // Swap some neighbours so the feed arrives out of order.
    for (let i = 5; i + 1 < dirty.length; i += 41) [dirty[i], dirty[i + 1]] = [dirty[i + 1], dirty[i]];

    const { candles, warnings } = sanitizeCandles(dirty, ctx);
    const kinds = warnings.map((w) => w.kind).sort();
    expect(kinds, 'every kind of problem was seen and counted').toEqual(
      ['duplicate', 'inconsistent_ohlc', 'misaligned', 'negative_volume', 'non_finite', 'out_of_order'].sort(),
    );
    expect(candles.length, 'one candle per bar').toBe(good.length);

    const run = (series: readonly Candle[]) => {
      const rsi = new RSI(14);
      const atr = new ATR(14);
      const out: (number | null)[][] = [];
      for (const c of series) {
        rsi.add(c.close);
        atr.add(c);
        out.push([rsi.getResult(), atr.getResult()]);
      }
      return out;
    };
    expect(run(candles), 'identical indicator path').toEqual(run(good));
  });
});

/** Real SUI 1h bars (with the 10-10 crash wick) when the data is present, else a synthetic series. */
function realOrSynthetic(): Candle[] {
  const sub = 'binance-usdm-2025-10';
  if (!requireData(sub)) return clean(500);
  const rows = readFileSync(join(dataDir(sub)!, 'SUIUSDT_1h.csv'), 'utf8').trim().split(/\r?\n/).slice(1, -1);
  return rows.map((row) => {
    const [time, open, high, low, close, volume] = row.split(',');
    return {
      openTimeMs: Date.parse(`${time!.replace(' ', 'T')}Z`),
      open: Number(open),
      high: Number(high),
      low: Number(low),
      close: Number(close),
      volume: Number(volume),
    };
  });
}
