import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../sdk/src/core/clock.js';
import { CcxtMarketData, type BreakerState } from '../../sdk/src/market/index.js';
import { createBlofinClient, startSimExchange, type SimExchange } from '../../sdk/src/sim/index.js';
import { SIM_START_MS, until } from '../support/sim.js';

describe('circuit breaker over ccxt blofin against SimExchange', () => {
  let sim: SimExchange;
  beforeAll(async () => {
    sim = await startSimExchange({ port: 0, symbols: 5, seed: 2, startTimeMs: SIM_START_MS, historyBars: 50 });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('opens under a 5xx burst, short-circuits, then half-opens and closes', async () => {
    const transitions: string[] = [];
    const source = new CcxtMarketData({
      exchange: createBlofinClient(sim, { timeout: 5_000 }),
      clock: new SystemClock(),
      breaker: { failureThreshold: 3, coolDownMs: 400, onStateChange: (c) => transitions.push(`${c.from}>${c.to}`) },
      backoff: { baseMs: 10, maxMs: 50 },
      maxAttempts: 5,
    });
    await source.loadMarkets();
    const before = sim.requestLog().length;
    sim.faults.failHttp({ status: 502, count: 3 });
    await expect(source.fetchTickers(), 'the 4th attempt meets an open breaker').rejects.toMatchObject({ code: 'CIRCUIT_OPEN', retryable: true });
    const sent = sim.requestLog().slice(before);
    expect(sent.map((r) => r.status), 'three 502s reached the exchange; the open breaker sent nothing more').toEqual([502, 502, 502]);
    expect(source.health().breaker.state).toBe<BreakerState>('open');
    await expect(source.fetchTickers(), 'still open: fail fast').rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(sim.requestLog().length - before).toBe(3);
    await until('the breaker to let a probe through after its cool-down', () => (source.health().breaker.state === 'half-open' ? true : null));
    const tickers = await source.fetchTickers();
    expect(tickers.size, 'the probe succeeds once the burst is over').toBeGreaterThan(0);
    expect(source.health().breaker.state).toBe<BreakerState>('closed');
    expect(transitions).toEqual(['closed>open', 'open>half-open', 'half-open>closed']);
    await source.close();
  });

  it('under a 429 burst the request rate drops and the breaker opens, then closes', async () => {
    const transitions: string[] = [];
    const source = new CcxtMarketData({
      exchange: createBlofinClient(sim, { timeout: 5_000 }),
      clock: new SystemClock(),
      breaker: { failureThreshold: 3, coolDownMs: 400, onStateChange: (c) => transitions.push(`${c.from}>${c.to}`) },
      backoff: { baseMs: 10, maxMs: 50 },
      maxAttempts: 5,
    });
    await source.loadMarkets();
    const before = sim.requestLog().length;
    sim.faults.burst429({ count: 3 });
    await expect(source.fetchTickers()).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    const health = source.health();
    expect(health.limiter.rateLimitedCount, 'each 429 was reported to the limiter').toBe(3);
    expect(health.limiter.scale, 'the request budget was cut').toBeLessThan(1);
    expect(health.limiter.pausedUntilMs, 'requests pause after a 429').toBeGreaterThan(Date.now());
    const sent = sim.requestLog().slice(before);
    expect(sent.map((r) => r.status), 'three 429s, nothing sent while open').toEqual([429, 429, 429]);
    expect(sent[2]!.atMs - sent[1]!.atMs, 'the retry waited out the pause').toBeGreaterThanOrEqual(900);
    await until('the 429 pause and the cool-down to end', () => {
      const h = source.health();
      return h.breaker.state === 'half-open' && h.limiter.pausedUntilMs <= Date.now() ? true : null;
    });
    expect((await source.fetchTickers()).size).toBeGreaterThan(0);
    expect(transitions).toEqual(['closed>open', 'open>half-open', 'half-open>closed']);
    expect(sim.stats().rejected429).toBe(3);
    await source.close();
  });
});
