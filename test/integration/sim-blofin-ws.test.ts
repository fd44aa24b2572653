import { afterAll, beforeAll, describe, it } from 'vitest';
import { createBlofinClient, startSimExchange, type SimExchange } from '../../sdk/src/sim/index.js';
import { SIM_START_MS } from '../support/sim.js';
import { expectStreamedBookEqualsRest } from '../support/streamFallback.js';

const SYMBOL = 'ETH/USDT:USDT';
const BOOK_PATH = '/api/v1/market/books';

describe('ccxt pro blofin against the sim (BloFin public stream)', () => {
  let sim: SimExchange;
  let ex: ReturnType<typeof createBlofinClient>;

  beforeAll(async () => {
    sim = await startSimExchange({ symbols: 6, seed: 11, startTimeMs: SIM_START_MS, acceleration: 60, pushIntervalMs: 100, rateLimitScale: 10 });
    ex = createBlofinClient(sim, { enableRateLimit: false, timeout: 5_000 });
    await ex.loadMarkets();
  });

  afterAll(async () => {
    console.log('A0', Date.now() % 100000);
    await ex?.close();
    console.log('A1', Date.now() % 100000);
    await sim?.stop();
    console.log('A2', Date.now() % 100000);
  });

  it('watchOrderBook: the snapshot, then updates, equal to the REST book at the same sim time, with no REST snapshot', async () => {
    await expectStreamedBookEqualsRest(sim, ex, { symbol: SYMBOL, depth: 50, bookPath: BOOK_PATH, minLevels: 50, progress: 'timestamp' });
  });
});
