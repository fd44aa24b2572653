import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlofinClient, startSimExchange, type SimExchange } from '../../src/sim/index.js';
import { installPriorityThrottle, withExchangePriority } from '../../src/trading/index.js';
import { LimiterPriority } from '../../src/market/weightedLimiter.js';
import { SIM_KEY } from './helpers.js';
import { SIM_START_MS } from '../../../test/support/sim.js';

/**
 * ccxt's real blofin class against the sim, its own rate limiter on: the requests of a trader's
 * command go out ahead of the status reads queued before them, and every request still passes
 * through ccxt's throttle (the exchange's budget is unchanged).
 */
describe('priority lanes in front of a ccxt client rate limiter', () => {
  let sim: SimExchange;
  beforeAll(async () => {
    sim = await startSimExchange({ symbols: 2, seed: 5, startTimeMs: SIM_START_MS, historyBars: 10, apiKey: SIM_KEY, rateLimitScale: 20 });
  });
  afterAll(async () => {
    await sim.stop();
  });

  /** The client; `hold()` keeps ccxt's throttle shut until `release()`, so that every request is queued first. */
  function client() {
    const ex = createBlofinClient(sim, { enableRateLimit: true, timeout: 30_000 });
    const sent: string[] = [];
    let throttled = 0;
    let gate = Promise.resolve();
    let release = () => undefined as void;
    const hold = () => {
      gate = new Promise<void>((resolve) => (release = resolve));
    };
    const throttle = ex.throttle.bind(ex);
    ex.throttle = async (cost?: number) => {
      throttled += 1;
      await gate;
      return throttle(cost);
    };
    const fetch = ex.fetch.bind(ex);
    ex.fetch = (url: string, ...rest: unknown[]) => {
      sent.push(new URL(url).pathname);
      return (fetch as (u: string, ...r: unknown[]) => Promise<unknown>)(url, ...rest);
    };
    return { ex, sent, throttled: () => throttled, hold, release: () => release() };
  }

  /** Every request asked for has reached the throttle: what precedes it is promise work, done within a turn. */
  const queued = () => new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));

  it('an urgent request overtakes the normal reads queued ahead of it; none is skipped', async () => {
    const { ex, sent, throttled, hold, release } = client();
    await ex.loadMarkets();
    sent.length = 0;
    installPriorityThrottle(installPriorityThrottle(ex));
    hold();
    const before = throttled();
    const reads = Array.from({ length: 6 }, () => withExchangePriority(LimiterPriority.normal, () => ex.fetchBalance()));
    const order = withExchangePriority(LimiterPriority.urgent, () => ex.fetchPositions());
    const untagged = ex.fetchOpenOrders();
    await queued();
    release();
    await Promise.all([...reads, order, untagged]);
    const urgentAt = sent.indexOf('/api/v1/account/positions');
    const highAt = sent.indexOf('/api/v1/trade/orders-pending');
    // The first read was already handed to ccxt's throttle before the others were asked for.
    expect(urgentAt, `sent: ${sent.join(' ')}`).toBe(1);
    expect(highAt, 'an untagged request (high) goes after the urgent one and before queued status reads').toBe(2);
    expect(sent.filter((p) => p === '/api/v1/account/balance')).toHaveLength(6);
    expect(throttled() - before, 'every request went through ccxt throttle once').toBe(8);
  });

  it('without priorities the same requests go out in the order they were asked for (ccxt FIFO)', async () => {
    const { ex, sent, hold, release } = client();
    await ex.loadMarkets();
    sent.length = 0;
    hold();
    const reads = Array.from({ length: 4 }, () => ex.fetchBalance());
    const order = ex.fetchPositions();
    await queued();
    release();
    await Promise.all([...reads, order]);
    expect(sent.indexOf('/api/v1/account/positions')).toBe(4);
  });
});
