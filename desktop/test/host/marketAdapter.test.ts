import { afterAll, beforeAll, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { ErrorCode } from '@perpscope/shared';
import { silentLogger } from '@perpscope/sdk';
import { createEngine, type Engine } from '../../../sdk/src/engine/index.js';
import { adaptMarketEngine, toHealthView } from '../../src/host/marketAdapter.js';
import { createHost, marketEngineFactory, type CreateMarketEngine, type Host } from '../../src/host/index.js';
import type { HostSecretStore } from '../../src/host/ports.js';

const noSecrets: HostSecretStore = {
  set: () => Promise.reject(new Error('unused')),
  get: () => Promise.resolve(null),
  delete: () => Promise.resolve(false),
  list: () => Promise.resolve([]),
};

describe('market adapter over the real engine and SimExchange', () => {
  let engine: Engine;
  let host: Host;
  let running = false;

  beforeAll(async () => {
    engine = createEngine({
      exchange: 'sim',
      timeframes: ['1m'],
      backfillBars: 300,
      universe: { topN: 3, minQuoteVolumeUsd: 0 },
      sim: { symbols: 3, rateLimitScale: 100 },
    });
    host = createHost({ engine: adaptMarketEngine(engine, { isRunning: () => running }), secrets: noSecrets });
    await engine.start();
    running = true;
  });
  afterAll(async () => {
    host.close();
    await engine.stop();
  });

  it('serves candles with overlays from the engine', async () => {
    const symbol = engine.universe()[0]?.symbol ?? '';
    const res = await host.call('candles.get', { symbol, timeframe: '1m', limit: 200, indicators: ['ema21', 'bollinger'] });
    expect(res.ok, JSON.stringify(!res.ok && res.error)).toBe(true);
    if (!res.ok) return;
    expect(res.value.candles.length, 'limit honoured').toBe(200);
    expect(res.value.candles, 'same candles as the engine').toEqual(engine.candles(symbol, '1m').slice(-200));
    const ema = res.value.overlays.find((o) => o.indicator === 'ema21')?.series.value ?? [];
    expect(ema.length, 'one value per candle').toBe(200);
    expect(ema[0], 'warm-up is null').toBeNull();
    expect(typeof ema[199], 'then numbers').toBe('number');
    expect(Object.keys(res.value.overlays.find((o) => o.indicator === 'bollinger')?.series ?? {}).sort()).toEqual(['lower', 'middle', 'upper']);
  });

  it('serves an untracked timeframe from the tracked one that divides it', async () => {
    const symbol = engine.universe()[0]?.symbol ?? '';
    const res = await host.call('candles.get', { symbol, timeframe: '5m', limit: 1_000 });
    expect(res.ok, JSON.stringify(!res.ok && res.error)).toBe(true);
    if (!res.ok) return;
    const minutes = engine.candles(symbol, '1m');
    expect(res.value.candles.length, '300 one-minute bars make about 60 five-minute bars').toBeGreaterThanOrEqual(58);
    for (const bar of res.value.candles) {
      const parts = minutes.filter((m) => m.openTimeMs >= bar.openTimeMs && m.openTimeMs < bar.openTimeMs + 300_000);
      expect(bar.openTimeMs % 300_000, 'UTC-aligned bucket').toBe(0);
      expect(parts.length, 'only whole buckets').toBe(5);
      expect(bar.open, 'open of the first minute').toBe(parts[0]!.open);
      expect(bar.close, 'close of the last minute').toBe(parts[4]!.close);
      expect(bar.high, 'highest high').toBe(Math.max(...parts.map((m) => m.high)));
      expect(bar.low, 'lowest low').toBe(Math.min(...parts.map((m) => m.low)));
      expect(bar.volume, 'summed volume').toBeCloseTo(parts.reduce((s, m) => s + m.volume, 0), 9);
    }
  });

  it('rejects unknown symbols with a clear error', async () => {
    const unknown = await host.call('symbol.inspect', { symbol: 'NOPE/USDT:USDT' });
    expect(!unknown.ok && unknown.error.code).toBe(ErrorCode.UnknownSymbol);
  });

  it('inspects a symbol with its order-flow figures', async () => {
    const symbol = engine.universe()[0]?.symbol ?? '';
    const reads = vi.spyOn(engine, 'refreshOrderFlow');
    const res = await host.call('symbol.inspect', { symbol });
    expect(reads.mock.calls, 'a trader waits on it: read ahead of background polling').toEqual([[symbol, { priority: 'high' }]]);
    reads.mockRestore();
    expect(res.ok, JSON.stringify(!res.ok && res.error)).toBe(true);
    if (!res.ok) return;
    expect(res.value.market.symbol).toBe(symbol);
    expect(res.value.microstructure.spreadBps, 'spread from the book').toBeGreaterThanOrEqual(0);
    expect(res.value.ranking, 'no ranking capability wired here').toBeNull();
  });

  it('reports health in contract terms', async () => {
    const res = await host.call('health.get');
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.value.engine).toBe('running');
    expect(res.value.exchanges[0]?.breaker).toBe('closed');
    expect(res.value.symbolsTracked, 'tracked symbols').toBe(3);
  });
});

describe('marketEngineFactory', () => {
  it('accepts the sdk createEngine and drives its start and stop', async () => {
    expectTypeOf(createEngine).toExtend<CreateMarketEngine>();
    const configs: unknown[] = [];
    const small: CreateMarketEngine = (config, deps) => {
      configs.push(config);
      return createEngine({ ...config, timeframes: ['1m'], backfillBars: 60, universe: { topN: 2, minQuoteVolumeUsd: 0 }, sim: { symbols: 2, rateLimitScale: 100 } }, deps);
    };
    const runtime = await marketEngineFactory(small)({ home: '/tmp/perpscope-unused', sim: true, logger: silentLogger });
    expect(configs, 'sim selects the in-process SimExchange').toEqual([{ home: '/tmp/perpscope-unused', exchange: 'sim' }]);
    const host = createHost({ engine: runtime.engine, secrets: noSecrets });
    await runtime.start();
    const health = await host.call('health.get');
    expect(health.ok && health.value.engine, 'running after start').toBe('running');
    host.close();
    await runtime.stop();
  });
});

describe('the request budget in the health view', () => {
  const base = { atMs: 1_000, exchangeId: 'blofin', wsState: 'live' as const, breaker: { state: 'closed' as const }, rateLimited429: 0, backoffs: [], symbols: [] };

  it('reports the fullest window, the last minute and the queue from the limiter', () => {
    const view = toHealthView({ ...base, limiter: { queued: 3, requestsLastMinute: 240, windows: [{ limit: 500, used: 240 }, { limit: 1_500, used: 900 }] } }, true, 60_000);
    expect(view.exchanges[0]?.rateLimit, 'the 5-minute window is 60 % used, more than the minute window').toEqual({ usedRatio: 0.6, requestsLastMinute: 240, queued: 3 });
    expect(view.exchanges[0]?.latencyMs, 'no request finished yet').toBeNull();
    const answered = toHealthView({ ...base, limiter: { queued: 0, requestsLastMinute: 1, windows: [], lastRequestMs: 87 } }, true, 60_000);
    expect(answered.exchanges[0]?.latencyMs, "the latest request's round trip").toBe(87);
  });

  it('says nothing about a budget when the source has no limiter', () => {
    expect(toHealthView(base, true, 60_000).exchanges[0]).not.toHaveProperty('rateLimit');
  });
});
