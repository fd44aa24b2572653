import type { OrderBook } from '@perpscope/shared';
import { SimulatedClock } from '../../src/core/clock.js';
import { openStore } from '../../src/store/index.js';
import { PaperBroker } from '../../src/trading/index.js';
import { runBrokerContract } from './brokerContract.js';
import { permissiveRisk, tempDir } from './helpers.js';

const SYMBOL = 'ETH/USDT:USDT';
const MID = 2500;

function book(): OrderBook {
  return { symbol: SYMBOL, timestampMs: 0, bids: [[MID - 0.5, 10], [MID - 1, 50]], asks: [[MID + 0.5, 10], [MID + 1, 50]] } as OrderBook;
}

runBrokerContract('paper', async () => {
  const t = tempDir();
  const store = openStore({ home: t.dir });
  const clock = new SimulatedClock(1_700_000_000_000);
  const broker = new PaperBroker({ store, clock, risk: permissiveRisk(clock), exchange: 'blofin', market: () => ({ makerFee: 0.0002, takerFee: 0.0006 }) });
  broker.onOrderBook(SYMBOL, book());
  return {
    broker,
    store,
    symbol: SYMBOL,
    amountBase: 0.1,
    price: async () => MID,
    settle: async () => {
      await clock.advance(1_000);
      broker.onOrderBook(SYMBOL, book());
    },
    close: async () => {
      store.close();
      t.cleanup();
    },
  };
});
