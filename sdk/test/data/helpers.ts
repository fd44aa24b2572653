import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Candle } from '@perpscope/shared';

export const H = 3_600_000;
/** 2025-01-01 00:00 UTC: the first bar of the inline fixtures. */
export const T0 = Date.UTC(2025, 0, 1);

export function tempDir(prefix = 'perpscope-data-'): { dir: string; cleanup: () => void; write: (name: string, content: string | Uint8Array) => string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
    write: (name, content) => {
      const file = join(dir, name);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
      return file;
    },
  };
}

/** `n` consistent hourly candles from `startMs`, prices rising by 1 per bar. */
export function hourly(n: number, startMs = T0): Candle[] {
  return Array.from({ length: n }, (_, i) => {
    const open = 100 + i;
    return { openTimeMs: startMs + i * H, open, high: open + 2, low: open - 1, close: open + 1, volume: 10 + i };
  });
}

/** Binance Vision kline rows (12 columns); `timeUnit` µs multiplies the times by 1,000. */
export function binanceRows(candles: readonly Candle[], timeUnit: 'ms' | 'us' = 'ms'): string[] {
  const k = timeUnit === 'us' ? 1_000 : 1;
  return candles.map((c) => [c.openTimeMs * k, c.open, c.high, c.low, c.close, c.volume, (c.openTimeMs + H - 1) * k, c.volume * c.close, 42, c.volume / 2, (c.volume / 2) * c.close, 0].join(','));
}

export const BINANCE_HEADER = 'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';

/** The recorded sets' `time,open,high,low,close,volume` rows with UTC date-times. */
export function recordedRows(candles: readonly Candle[]): string[] {
  return candles.map((c) => `${new Date(c.openTimeMs).toISOString().slice(0, 19).replace('T', ' ')},${c.open},${c.high},${c.low},${c.close},${c.volume}`);
}

/** Candles without their source positions. */
export function plain<T extends Candle>(candles: readonly T[]): Candle[] {
  return candles.map(({ openTimeMs, open, high, low, close, volume }) => ({ openTimeMs, open, high, low, close, volume }));
}
