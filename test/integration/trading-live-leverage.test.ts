import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../sdk/src/core/clock.js';
import { createBlofinClient, startSimExchange, type SimExchange } from '../../sdk/src/sim/index.js';
import { openStore, type Store } from '../../sdk/src/store/index.js';
import { CcxtBroker } from '../../sdk/src/trading/index.js';
import { entryRisk, permissiveRisk, tempDir } from '../../sdk/test/trading/helpers.js';

const KEY = { apiKey: 'trading-key', secret: 'trading-secret', password: 'trading-pass' };
const SYMBOL = 'ETH/USDT:USDT';
/** Pinned, so the generated market is the same on every run. */
const START_MS = Date.UTC(2026, 0, 5, 12, 0, 0);

describe('live entries carry the sized leverage and margin mode to the exchange (ccxt blofin vs SimExchange)', () => {
  let sim: SimExchange;
  let store: Store;
  let dir: { dir: string; cleanup: () => void };
  let ex: ReturnType<typeof createBlofinClient>;
  const clock = new SystemClock();

  beforeEach(async () => {
    dir = tempDir();
    store = openStore({ home: dir.dir });
    sim = await startSimExchange({ symbols: 4, seed: 31, startTimeMs: START_MS, acceleration: 1, historyBars: 50, apiKey: KEY, initialBalanceUsdt: 100_000, rateLimitScale: 10 });
    ex = createBlofinClient(sim, { enableRateLimit: false, timeout: 3_000 });
    await ex.loadMarkets();
  });
  afterEach(async () => {
    await ex.close();
    await sim.stop();
    store.close();
    dir.cleanup();
  });

  const orderPosts = () => sim.requestLog().filter((r) => r.method === 'POST' && r.path === '/api/v1/trade/order').length;

  it('sets leverage 5x isolated before the entry, and the position carries it', async () => {
    const broker = new CcxtBroker({ store, clock, risk: permissiveRisk(clock, { sizing: { leverage: 5, marginMode: 'isolated', fixedNotionalUsd: 1e6 } }), exchange: ex, exchangeId: 'blofin', lookupBaseMs: 50 });
    await broker.start();
    const book = await ex.fetchOrderBook(SYMBOL, 5);
    const ask = book.asks[0]?.[0] ?? 0;
    // The venue's lot is in contracts; amounts here are base units.
    const lot = (ex.market(SYMBOL).precision.amount ?? 0.001) * (ex.market(SYMBOL).contractSize ?? 1);
    const amountBase = Math.max(1, Math.ceil(100 / ask / lot)) * lot;
    expect((await ex.fetchLeverage(SYMBOL, { marginMode: 'cross' })).longLeverage, 'the sim account starts at 3x').toBe(3);
    const order = await broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase, tradeId: 'lev', leg: 'entry', risk: entryRisk(SYMBOL, 'long', ask) });
    expect(order.params).toMatchObject({ leverage: 5, marginMode: 'isolated' });
    const mode = (await ex.fetchMarginMode(SYMBOL)) as { marginMode?: string };
    expect(mode.marginMode).toBe('isolated');
    expect((await ex.fetchLeverage(SYMBOL, { marginMode: 'isolated' })).longLeverage).toBe(5);
    await broker.sync();
    const [pos] = await broker.fetchPositions();
    expect(pos).toMatchObject({ symbol: SYMBOL, leverage: 5, marginMode: 'isolated' });
  });

  it('refuses the entry, and sends no order, when the exchange will not take the leverage', async () => {
    // The generated BTC and ETH markets allow 125x; the others are capped at 50x.
    const capped = Object.values(ex.markets ?? {}).find((m) => m?.swap && (m.limits?.leverage?.max ?? 0) === 50) ?? null;
    expect(capped, 'the generated universe has a 50x market').not.toBeNull();
    const symbol = capped?.symbol ?? '';
    const broker = new CcxtBroker({ store, clock, risk: permissiveRisk(clock, { sizing: { leverage: 100, marginMode: 'cross', fixedNotionalUsd: 1e6 } }), exchange: ex, exchangeId: 'blofin', lookupBaseMs: 50 });
    await broker.start();
    const book = await ex.fetchOrderBook(symbol, 5);
    const ask = book.asks[0]?.[0] ?? 0;
    // The venue's lot is in contracts; amounts here are base units.
    const lot = (ex.market(symbol).precision.amount ?? 0.001) * (ex.market(symbol).contractSize ?? 1);
    const before = orderPosts();
    await expect(
      broker.placeOrder({ symbol, side: 'buy', type: 'market', amountBase: Math.max(1, Math.ceil(100 / ask / lot)) * lot, tradeId: 'lev100', leg: 'entry', risk: entryRisk(symbol, 'long', ask) }),
    ).rejects.toMatchObject({ details: { reason: 'leverage_not_set', leverage: 100 } });
    expect(orderPosts(), 'no order reached the exchange').toBe(before);
    expect(store.orders.listByTrade('live', 'lev100'), 'and none was recorded').toEqual([]);
  });
});
