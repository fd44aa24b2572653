import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OrderBook } from '@perpscope/shared';
import { SimulatedClock } from '../../src/core/clock.js';
import { RiskConfigSchema } from '../../src/risk/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import type { PaperBroker } from '../../src/trading/index.js';
import { createTradingStack } from '../../src/trading/index.js';
import { DEFAULT_EDGE_EVIDENCE } from '../../src/signals/edgeEvidence.js';
import { tempDir } from './helpers.js';

const SYMBOL = 'ABC/USDT:USDT';
const risk = RiskConfigSchema.parse({ gates: { minScore: 0, minProbability: 0, minQuoteVolume24hUsd: 0, maxManipScore: null }, sizing: { fixedNotionalUsd: 100, leverage: 2 } });

describe('createTradingStack', () => {
  let dir: { dir: string; cleanup: () => void };
  let store: Store;
  let clock: SimulatedClock;
  const stack = (s: Store) => createTradingStack({ mode: 'paper', store: s, clock, risk, exchangeId: 'blofin', paperMarket: () => ({ makerFee: 0, takerFee: 0.0006 }), home: dir.dir, edgeEvidence: DEFAULT_EDGE_EVIDENCE });

  beforeEach(() => {
    dir = tempDir();
    store = openStore({ home: dir.dir });
    clock = new SimulatedClock(Date.UTC(2026, 0, 5, 12));
  });
  afterEach(() => {
    store.close();
    dir.cleanup();
  });

  it('trades only a signal with evidence of edge in paper mode, and reports status', async () => {
    const s = stack(store);
    (s.broker as PaperBroker).onOrderBook(SYMBOL, { symbol: SYMBOL, timestampMs: 0, bids: [[99.99, 100]], asks: [[100.01, 100]] } as OrderBook);
    await s.autoTrader.start();
    const base = { symbol: SYMBOL, side: 'long' as const, score: 6, probability: 0.7, manipScore: null, quoteVolume24hUsd: 1e7, price: 100, atr: 1, atMs: clock.nowMs(), strategies: ['breakout'], timeframe: '1h', regime: 'bear' };
    const unbacked = { strategy: 'breakout', regime: 'bear' as const, signals: 1610, hitRate: 0.43, meanNetPct: 0.06, correctedLowerBoundPct: -0.14, tradable: false, evidenceId: 'ev' };
    const refused = await s.autoTrader.onSignal({ ...base, evidence: [unbacked] });
    expect(refused, 'a measured cell without edge is not traded by default').toMatchObject({ status: 'skipped', reason: 'no_edge' });
    expect(refused.status === 'skipped' && refused.message).toMatch(/breakout in bear: \+0\.060 %, corrected lower bound -0\.140 % over 1610 signals/);
    expect((await s.status()).positions, 'nothing opened').toEqual([]);
    const out = await s.autoTrader.onSignal({ ...base, evidence: [{ ...unbacked, correctedLowerBoundPct: 0.02, tradable: true }] });
    expect(out.status).toBe('placed');
    expect(out.status === 'placed' && out.edge).toMatch(/^breakout: \+0\.060 % per signal out of sample over 1610 signals/);
    const status = await s.status();
    expect(status.edge, 'the shipped evidence backs nothing: the status says the trader trades nothing').toMatchObject({ require: true, overrides: [], tradesNothing: true });
    expect(status.edge.message).toMatch(/^Trading nothing: no strategy or strategy x regime showed an edge/);
    expect(status).toMatchObject({ mode: 'paper', ledger: 'paper', exchange: 'blofin', halted: null, killSwitch: { on: false } });
    expect(status.positions.map((p) => p.symbol)).toEqual([SYMBOL]);
    expect(status.openOrders.map((o) => o.purpose).sort()).toEqual(['stop_loss', 'take_profit', 'take_profit']);
  });

  it('RELIABILITY 26: the kill switch and the daily loss anchor survive a restart', async () => {
    const first = stack(store);
    await first.autoTrader.start();
    first.killSwitch.set(true, 'gui');
    first.risk.evaluateEntry({ symbol: SYMBOL, side: 'long', score: 6, probability: 0.7, manipScore: null, quoteVolume24hUsd: 1e7, entryPrice: 100, atr: 1 }, { equityUsd: 10_000, availableBalanceUsd: 10_000, openPositions: [], lastTradeAtMs: {} });
    const anchor = first.risk.dailyAnchor();
    expect(anchor?.equityUsd, 'the first check of the day takes the anchor').toBe(10_000);
    store.close();
    store = openStore({ home: dir.dir });
    const second = stack(store);
    expect((await second.status()).killSwitch).toMatchObject({ on: true, reason: 'gui' });
    expect(second.risk.dailyAnchor(), 'the day anchor is not reset by a restart').toEqual(anchor);
  });

  it('refuses live mode without an exchange client', () => {
    expect(() => createTradingStack({ mode: 'live', store, clock, risk, exchangeId: 'blofin' })).toThrow(/exchange/);
  });
});
