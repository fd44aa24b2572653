import { SystemClock } from '../../sdk/src/core/clock.js';
import { createBlofinClient, startSimExchange } from '../../sdk/src/sim/index.js';
import { openStore } from '../../sdk/src/store/index.js';
import { CcxtBroker } from '../../sdk/src/trading/index.js';
import { runBrokerContract } from '../../sdk/test/trading/brokerContract.js';
import { permissiveRisk, tempDir } from '../../sdk/test/trading/helpers.js';
import { SIM_START_MS } from '../support/sim.js';

const KEY = { apiKey: 'trading-key', secret: 'trading-secret', password: 'trading-pass' };
const SYMBOL = 'ETH/USDT:USDT';

runBrokerContract('ccxt blofin against SimExchange', async () => {
  const t = tempDir();
  const store = openStore({ home: t.dir });
  const sim = await startSimExchange({ symbols: 4, seed: 11, startTimeMs: SIM_START_MS, acceleration: 1, historyBars: 50, apiKey: KEY, initialBalanceUsdt: 100_000, rateLimitScale: 10 });
  const ex = createBlofinClient(sim, { enableRateLimit: false, timeout: 3_000 });
  const clock = new SystemClock();
  const broker = new CcxtBroker({ store, clock, risk: permissiveRisk(clock), exchange: ex, exchangeId: 'blofin', lookupBaseMs: 50 });
  await ex.loadMarkets();
  const mid = async (): Promise<number> => {
    const book = await ex.fetchOrderBook(SYMBOL, 5);
    return ((book.bids[0]?.[0] ?? 0) + (book.asks[0]?.[0] ?? 0)) / 2;
  };
  const market = ex.market(SYMBOL);
  // The venue's lot is in contracts; amounts here are base units.
  const lot = (market.precision.amount ?? 0.001) * (market.contractSize ?? 1);
  const px = await mid();
  return {
    broker,
    store,
    symbol: SYMBOL,
    amountBase: Math.max(1, Math.ceil(100 / px / lot)) * lot,
    price: mid,
    // The sim fills market orders while answering the placement, so one sync pulls every fill.
    settle: () => broker.sync(),
    close: async () => {
      await ex.close();
      await sim.stop();
      store.close();
      t.cleanup();
    },
  };
});
