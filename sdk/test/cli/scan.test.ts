import ccxt from 'ccxt';
import type { Exchange } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { runScan } from '../../src/cli/commands/scan.js';
import { captureIo } from './testIo.js';

describe('perpscope scan', () => {
  it('prints one JSON line per symbol in rank order with the required fields', async () => {
    const io = captureIo(false);
    await runScan({ sim: true, symbols: 25, seed: 7, top: 10, timeframes: ['15m'], home: '/nonexistent-perpscope-home' }, io);
    expect(io.lines.length).toBe(10);
    const rows = io.lines.map((l) => JSON.parse(l) as { rank: number; symbol: string; quoteVolume24h: number; last: number; spreadBps: number });
    rows.forEach((r, i) => {
      expect(r.rank, 'ranks are consecutive from 1').toBe(i + 1);
      expect(r.symbol).toMatch(/^[A-Z0-9]+\/USDT:USDT$/);
      expect(r.last).toBeGreaterThan(0);
      expect(r.spreadBps).toBeGreaterThan(0);
    });
    for (let i = 1; i < rows.length; i++) {
      expect(rows[i - 1]!.quoteVolume24h, 'sorted by 24h quote volume, descending').toBeGreaterThanOrEqual(rows[i]!.quoteVolume24h);
    }
  });

  it('names the exchange and suggests --sim when it cannot be reached', async () => {
    const io = captureIo(false);
    // Port 9 on loopback: nothing listens, so the connection is refused at once.
    const exchange = new ccxt.pro.blofin({ timeout: 2_000 }) as unknown as Exchange;
    const urls = exchange.urls as { api: Record<string, unknown> };
    urls.api = { rest: 'http://127.0.0.1:9' };
    await expect(
      runScan({ exchange: 'blofin', top: 5, timeframes: ['1h'], home: '/nonexistent-perpscope-home' }, io, { exchange }),
    ).rejects.toThrow(/cannot reach exchange "blofin".*perpscope scan --sim/s);
  });
});
