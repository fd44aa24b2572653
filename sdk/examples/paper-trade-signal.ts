/**
 * Paper-trade one order through the SDK's facade: the top-ranked symbol of a SimExchange market,
 * on the side its ranking leans, entered with a stop 2 ATR away. `openPerpscope` composes the same
 * engine, trading stack and ManualOrders as `perpscope run`: the order passes every RiskPolicy gate
 * and fills against the sim's real book; nothing reaches a private endpoint.
 * Prints the entry order, its stop and the resulting position as JSON.
 * Run: node --import tsx paper-trade-signal.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPerpscope } from '@perpscope/sdk';

const home = mkdtempSync(join(tmpdir(), 'perpscope-paper-')); // orders and fills persist in this home's database
const ps = openPerpscope({ exchange: 'sim', timeframes: ['15m'], sim: { symbols: 20, seed: 7, startTimeMs: Date.UTC(2025, 0, 15, 14), rateLimitScale: 20 } }, { home });
try {
  // Ranked with the book, trades and funding of the rows read fresh.
  const row = (await ps.scan({ top: 20 })).find((r) => r.side !== 'flat');
  if (!row) throw new Error('no ranked symbol with a side');
  const side = row.side === 'long' ? 'long' : 'short';
  const atr = (row.metrics.atrPct / 100) * row.metrics.close;
  const sl = side === 'long' ? row.metrics.close - 2 * atr : row.metrics.close + 2 * atr;
  const paper = await ps.trade.paper();
  // The session reads the symbol's book before placing; the stop goes on reduce-only once the entry fills.
  const order = await paper.placeOrder({ symbol: row.symbol, side, notionalUsd: 50, sl });
  const stop = paper.orders(row.symbol).find((o) => o.type === 'stop_market') ?? null;
  const [position] = await paper.positions();
  console.log(JSON.stringify({ symbol: row.symbol, side, order, stop, position: position ?? null, account: await paper.account() }, null, 2));
} finally {
  await ps.stop();
  rmSync(home, { recursive: true, force: true });
}
