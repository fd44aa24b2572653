/**
 * Paper-trade one order through the SDK's trading stack: the top-ranked symbol of a SimExchange
 * market, on the side its ranking leans, entered with a stop 2 ATR away. The order passes every
 * RiskPolicy gate and fills against the sim's real book; nothing reaches a private endpoint.
 * Prints the entry order, its stop and the resulting position as JSON.
 * Run: node --import tsx paper-trade-signal.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acceleratedClock, createEngine, createTradingStack, ManualOrders, openStore, paperMarketSpec, silentLogger, TradingBridge, type PaperBroker } from '@perpscope/sdk';

const engine = createEngine({ exchange: 'sim', timeframes: ['15m'], sim: { symbols: 20, seed: 7, startTimeMs: Date.UTC(2025, 0, 15, 14), rateLimitScale: 20 } }, { live: false });
const home = mkdtempSync(join(tmpdir(), 'perpscope-paper-')); // orders and fills persist in this home's database
const store = openStore({ home });
try {
  await engine.start();
  await engine.refreshOrderFlows();
  const row = engine.rank({ top: 20 }).rows.find((r) => r.side !== 'flat');
  if (!row) throw new Error('no ranked symbol with a side');
  const sim = engine.sim()!;
  // Orders are dated in market (sim) time, as the bars they act on.
  const clock = acceleratedClock(() => sim.nowMs(), engine.config.sim.acceleration);
  const markets = new Map(engine.markets().map((m) => [m.symbol, paperMarketSpec(m)]));
  const stack = createTradingStack({ mode: 'paper', store, clock, risk: engine.config.risk, exchangeId: 'blofin', home, paperMarket: (s) => markets.get(s) });
  const paper = stack.broker as PaperBroker;
  const bridge = new TradingBridge({ engine, stack, paper, clock, logger: silentLogger, autotrade: false });
  const manual = new ManualOrders({ stack, clock });
  // Fresh book, trades and mark for the paper broker to fill against.
  const flow = await bridge.refresh(row.symbol);
  const mid = ((flow.bookTop?.bids[0]?.[0] ?? NaN) + (flow.bookTop?.asks[0]?.[0] ?? NaN)) / 2;
  const atr = (row.metrics.atrPct / 100) * mid;
  const side = row.side === 'long' ? 'buy' : 'sell';
  const stopLossPrice = side === 'buy' ? mid - 2 * atr : mid + 2 * atr;
  const order = await manual.place(
    { symbol: row.symbol, side, type: 'market', notionalUsd: 50, stopLossPrice },
    { referencePrice: mid, manipScore: row.manipScore, quoteVolume24hUsd: row.metrics.quoteVolume24hUsd, atrPct: row.metrics.atrPct },
  );
  const stop = paper.openOrders(row.symbol).find((o) => o.type === 'stop_market') ?? null;
  const [position] = await paper.fetchPositions();
  console.log(JSON.stringify({ symbol: row.symbol, side: row.side, order, stop, position: position ?? null, account: await paper.fetchAccount() }, null, 2));
  manual.dispose();
  await paper.stop();
} finally {
  await engine.stop();
  store.close();
  rmSync(home, { recursive: true, force: true });
}
