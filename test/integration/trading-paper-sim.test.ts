import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderBook } from '@perpscope/shared';
import { SystemClock } from '../../sdk/src/core/clock.js';
import { startSimExchange, type SimExchange } from '../../sdk/src/sim/index.js';
import { openStore, type Store } from '../../sdk/src/store/index.js';
import { PaperBroker, walkBook } from '../../sdk/src/trading/index.js';
import { entryRisk, permissiveRisk, tempDir } from '../../sdk/test/trading/helpers.js';
import { KEY, LIVE_DIALECTS, liveClientFor, SYMBOL, type LiveClient } from '../../sdk/test/trading/liveRig.js';
import { SIM_START_MS } from '../support/sim.js';

for (const dialect of LIVE_DIALECTS) {
  describe(`RELIABILITY 16: paper trading with keys present never calls a private endpoint (${dialect} dialect)`, () => {
    let sim: SimExchange;
    let ex: LiveClient;
    let store: Store;
    let dir: { dir: string; cleanup: () => void };
    /** Requests made while setting up: ccxt's bybit reads a signed currency list in loadMarkets when it holds a key. */
    let setupRequests = 0;

    beforeAll(async () => {
      dir = tempDir();
      store = openStore({ home: dir.dir });
      sim = await startSimExchange({ dialect, symbols: 4, seed: 31, startTimeMs: SIM_START_MS, acceleration: 60, historyBars: 50, apiKey: KEY });
      // The client carries real credentials, as in a user's config with keys saved.
      ex = liveClientFor(sim, { enableRateLimit: false, timeout: 3_000 });
      await ex.loadMarkets();
      setupRequests = sim.requestLog().length;
    });
    afterAll(async () => {
      await ex.close();
      await sim.stop();
      store.close();
      dir.cleanup();
    });

    it('trades on public market data only, with fills priced by the fetched book', async () => {
      const clock = new SystemClock();
      const market = ex.market(SYMBOL);
      const broker = new PaperBroker({
        store,
        clock,
        // Two book levels can be worth more than the helper's 1M USD default notional, depending on
        // the sim's time; the policy must allow whatever the book walk needs.
        risk: permissiveRisk(clock, { gates: { maxExposureUsd: 1e13 }, sizing: { fixedNotionalUsd: 1e12 } }),
        exchange: dialect,
        market: () => ({ makerFee: market.maker ?? 0.0002, takerFee: market.taker ?? 0.0006 }),
      });
      await broker.start();
      const raw = await ex.fetchOrderBook(SYMBOL, 50);
      const book = { symbol: SYMBOL, timestampMs: raw.timestamp ?? 0, bids: raw.bids, asks: raw.asks } as OrderBook;
      broker.onOrderBook(SYMBOL, book);
      const px = ((book.bids[0]?.[0] ?? 0) + (book.asks[0]?.[0] ?? 0)) / 2;
      const amount = ((book.asks[0]?.[1] ?? 0) + (book.asks[1]?.[1] ?? 0)) * 0.9;
      const order = await broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: amount, tradeId: 'p1', leg: 'entry', risk: entryRisk(SYMBOL, 'long', px) });
      expect(order.state).toBe('FILLED');
      expect(order.avgFillPrice, 'the book walk price').toBeCloseTo(walkBook(book, 'buy', amount).avgPrice ?? 0, 9);
      const trades = await ex.fetchTrades(SYMBOL, undefined, 50);
      broker.onTrades(
        SYMBOL,
        trades.map((t) => ({ symbol: SYMBOL, id: String(t.id), timestampMs: t.timestamp ?? 0, price: t.price ?? 0, amount: t.amount ?? 0, side: t.side === 'sell' ? 'sell' : 'buy' })) as never,
      );
      await broker.closePosition(SYMBOL);
      await broker.fetchAccount();
      await broker.fetchPositions();
      const log = sim.requestLog().slice(setupRequests);
      expect(log.filter((r) => !r.private).length, 'public data was read').toBeGreaterThan(0);
      expect(log.filter((r) => r.private), 'no private endpoint, even with keys present').toEqual([]);
    });
  });
}
