import { afterAll, beforeAll, describe, it } from 'vitest';
import { createBlofinClient, startSimExchange, type SimExchange } from '../../sdk/src/sim/index.js';
import { SIM_START_MS } from '../support/sim.js';
import { expectStreamedBookEqualsRest, proveStreamsReplacePolling } from '../support/streamFallback.js';

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
    await ex?.close();
    await sim?.stop();
  });

  it('watchOrderBook: the snapshot, then updates, equal to the REST book at the same sim time, with no REST snapshot', async () => {
    await expectStreamedBookEqualsRest(sim, ex, { symbol: SYMBOL, depth: 50, bookPath: BOOK_PATH, minLevels: 50, progress: 'timestamp' });
  });

  it('the market service reads books and trades from the streams (no REST book polling while healthy), falls back to REST after a drop and resubscribes', async () => {
    await proveStreamsReplacePolling({ dialect: 'blofin', client: (s) => createBlofinClient(s, { timeout: 5_000 }), bookPath: BOOK_PATH, watchTickers: false });
  });
});
