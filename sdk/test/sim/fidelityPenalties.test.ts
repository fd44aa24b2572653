import ccxt from 'ccxt';
import { ErrorCode } from '@perpscope/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { mapCcxtError } from '../../src/core/ccxtErrors.js';
import type { SimExchange } from '../../src/sim/index.js';
import { className, client, lastStatus, startFidelitySim, SYMBOL, thrown, type Client } from './fidelityHelpers.js';

const TICKER = '/api/v1/market/tickers';
const MINUTE_MS = 60_000;

/**
 * BloFin's rate-limit penalties on an injected limiter clock: with `rateLimitScale` 0.01 the
 * windows are 5/min and 15/5 min, the suspensions keep their real lengths (5 min, 1 h).
 */
describe('SimExchange fidelity: rate-limit penalties', () => {
  let sim: SimExchange | undefined;
  let ex: Client | undefined;
  let nowMs = 1_000_000;

  afterEach(async () => {
    await ex?.close();
    await sim?.stop();
  });

  async function start(extra: { rateLimitPenalties?: boolean } = {}): Promise<Client> {
    nowMs = 1_000_000;
    sim = await startFidelitySim({ rateLimitScale: 0.01, rateLimitClockMs: () => nowMs, ...extra });
    ex = client(sim);
    return ex;
  }

  const call = (c: Client): Promise<unknown> => c.fetchTicker(SYMBOL);

  it('past the per-minute window the overflowing request is 429, then the firewall answers 403 for 5 minutes', async () => {
    const c = await start();
    await c.loadMarkets();
    // loadMarkets spent one request of the 5; use the rest.
    for (let i = 0; i < 4; i++) await call(c);
    const overflow = await thrown(call(c));
    expect(overflow, 'the request that overflows still gets BloFin\'s 429').toBeInstanceOf(ccxt.RateLimitExceeded);
    nowMs += MINUTE_MS + 1;
    const blocked = await thrown(call(c));
    expect(lastStatus(sim!, TICKER), 'suspended: the window has room again, the firewall still refuses').toBe(403);
    expect(className(blocked), 'a firewall page is no BloFin JSON: ccxt falls back to the status').toBe('ExchangeNotAvailable');
    expect(mapCcxtError(blocked, { exchange: 'blofin', operation: 'fetchTicker' }).code).toBe(ErrorCode.ExchangeUnavailable);
    nowMs += 3 * MINUTE_MS;
    await thrown(call(c));
    expect(lastStatus(sim!, TICKER), 'still inside the 5 minutes').toBe(403);
    nowMs = 1_000_000 + 5 * MINUTE_MS + 10;
    await expect(call(c), 'served again after 5 minutes').resolves.toBeDefined();
    expect(lastStatus(sim!, TICKER)).toBe(200);
  });

  it('past the 5-minute window the IP is suspended for an hour', async () => {
    const c = await start();
    await c.loadMarkets();
    // 5 per minute for three minutes fills the 15/5 min window without overflowing any minute.
    for (let i = 0; i < 4; i++) await call(c);
    for (let minute = 1; minute <= 2; minute++) {
      nowMs += MINUTE_MS + 1;
      for (let i = 0; i < 5; i++) await call(c);
    }
    nowMs += MINUTE_MS + 1;
    expect(await thrown(call(c))).toBeInstanceOf(ccxt.RateLimitExceeded);
    const startedMs = nowMs;
    nowMs = startedMs + 10 * MINUTE_MS;
    await thrown(call(c));
    expect(lastStatus(sim!, TICKER), 'long past the 5-minute penalty, inside the hour').toBe(403);
    nowMs = startedMs + 59 * MINUTE_MS;
    await thrown(call(c));
    expect(lastStatus(sim!, TICKER)).toBe(403);
    nowMs = startedMs + 60 * MINUTE_MS + 1;
    await expect(call(c), 'served again after the hour').resolves.toBeDefined();
  });

  it('the fault switch turns penalties off (the window just recovers) and lifts a suspension in force', async () => {
    const c = await start({ rateLimitPenalties: false });
    await c.loadMarkets();
    for (let i = 0; i < 4; i++) await call(c);
    expect(await thrown(call(c))).toBeInstanceOf(ccxt.RateLimitExceeded);
    nowMs += MINUTE_MS + 1;
    await expect(call(c), 'no suspension without penalties').resolves.toBeDefined();

    sim!.faults.penalizeRateLimits(true);
    for (let i = 0; i < 4; i++) await call(c);
    await thrown(call(c));
    await thrown(call(c));
    expect(lastStatus(sim!, TICKER)).toBe(403);
    sim!.faults.penalizeRateLimits(false);
    nowMs += MINUTE_MS + 1;
    await expect(call(c), 'switching off lifted the suspension').resolves.toBeDefined();
    expect(() => sim!.faults.penalizeRateLimits('yes' as unknown as boolean)).toThrow(/penalizeRateLimits: got yes, expected true or false/);
  });
});

describe('SimExchange fidelity: fields', () => {
  let sim: SimExchange | undefined;
  let ex: Client | undefined;
  afterEach(async () => {
    await ex?.close();
    await sim?.stop();
  });

  it('the books channel pushes 200 levels a side, as BloFin does', async () => {
    sim = await startFidelitySim();
    ex = client(sim);
    await ex.loadMarkets();
    const book = await ex.watchOrderBook(SYMBOL);
    expect(book.bids.length, 'more than the old 100').toBe(200);
    expect(book.asks.length).toBe(200);
  });
});
