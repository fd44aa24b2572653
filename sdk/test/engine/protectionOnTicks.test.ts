import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ccxt, { type Exchange } from 'ccxt';
import { ErrorCode } from '@perpscope/shared';
import { SimulatedClock, SystemClock, type Clock } from '../../src/core/clock.js';
import { ExchangeRejectedError, TemporaryError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { parseConfig } from '../../src/config/index.js';
import { createEngine, type Engine } from '../../src/engine/createEngine.js';
import { HeldPriceStream, LatestPerKey } from '../../src/engine/heldPriceStream.js';
import { TradingBridge } from '../../src/engine/tradingBridge.js';
import { BLOFIN_LIMITS, CcxtMarketData, type PriceTick } from '../../src/market/index.js';
import { createBinanceUsdmClient, startSimExchange, type SimExchange } from '../../src/sim/index.js';
import type { PaperBroker, TradingStack } from '../../src/trading/index.js';
import { SIM_START_MS, until } from '../../../test/support/sim.js';
import { deepBook, entryRisk, freshStorePerTest, openGatePaperStack } from '../trading/helpers.js';

/** A promise with its resolve and reject in hand, so a test decides when a call finishes. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every queued microtask and I/O callback run (state-driven: no time passes on any clock). */
const turn = () => new Promise((r) => setImmediate(r));

describe('LatestPerKey: one price update per symbol at a time, newest next', () => {
  it('never overlaps calls for one key, coalesces a burst to the newest value, and keeps keys independent', async () => {
    const calls: { key: string; value: number }[] = [];
    const gates: ReturnType<typeof deferred<void>>[] = [];
    const running = new Map<string, number>();
    let maxOverlap = 0;
    const queue = new LatestPerKey<number>(
      async (key, value) => {
        calls.push({ key, value });
        running.set(key, (running.get(key) ?? 0) + 1);
        maxOverlap = Math.max(maxOverlap, running.get(key)!);
        const gate = deferred();
        gates.push(gate);
        await gate.promise;
        running.set(key, running.get(key)! - 1);
      },
      () => undefined,
    );
    const first = queue.offer('A', 1);
    // A burst while the first call is held: only the newest of them may run next.
    const burst = [2, 3, 4, 5].map((v) => queue.offer('A', v));
    const other = queue.offer('B', 10);
    await turn();
    expect(calls, 'A and B run side by side; the burst waits').toEqual([
      { key: 'A', value: 1 },
      { key: 'B', value: 10 },
    ]);
    gates[0]!.resolve();
    await turn();
    expect(calls.map((c) => c.value), 'after 1, only the newest of the burst').toEqual([1, 10, 5]);
    expect(queue.busy('A')).toBe(true);
    gates[1]!.resolve();
    gates[2]!.resolve();
    await Promise.all([first, ...burst, other]);
    expect(maxOverlap, 'never two calls for one key at once').toBe(1);
    expect(queue.busy('A')).toBe(false);
    expect(calls).toHaveLength(3);
  });

  it('reports a failing call and goes on with the next value', async () => {
    const errors: string[] = [];
    const seen: number[] = [];
    const gate = deferred();
    const queue = new LatestPerKey<number>(
      async (_key, value) => {
        seen.push(value);
        if (value === 1) {
          await gate.promise;
          throw new Error('venue said no');
        }
      },
      (key, err) => errors.push(`${key}: ${(err as Error).message}`),
    );
    const a = queue.offer('A', 1);
    const b = queue.offer('A', 2);
    gate.resolve();
    await Promise.all([a, b]);
    expect(errors).toEqual(['A: venue said no']);
    expect(seen).toEqual([1, 2]);
  });
});

describe('HeldPriceStream: one websocket loop per held symbol', () => {
  it('resubscribes after a failed watch with backoff on its clock, and stops with the position', async () => {
    const clock = new SimulatedClock(0);
    const pending = new Map<string, ReturnType<typeof deferred<PriceTick>>[]>();
    const watch = (symbol: string) => {
      const d = deferred<PriceTick>();
      pending.set(symbol, [...(pending.get(symbol) ?? []), d]);
      return d.promise;
    };
    const ticks: PriceTick[] = [];
    const stream = new HeldPriceStream({ watch, onTick: (t) => Promise.resolve(void ticks.push(t)), clock, logger: silentLogger, backoff: { baseMs: 1_000, maxMs: 1_000 }, random: () => 1 });
    stream.sync(['X']);
    expect(stream.watching()).toEqual(['X']);
    pending.get('X')![0]!.resolve({ symbol: 'X', timestampMs: 0, price: 101, basis: 'last' });
    await turn();
    expect(ticks.map((t) => t.price)).toEqual([101]);
    expect(stream.pushedSince('X', 0)).toBe(true);
    pending.get('X')![1]!.reject(new TemporaryError(ErrorCode.NetworkError, 'socket dropped'));
    await turn();
    expect(pending.get('X'), 'no resubscribe before the backoff').toHaveLength(2);
    await clock.advance(1_000);
    expect(pending.get('X'), 'resubscribed after the backoff').toHaveLength(3);
    stream.sync([]);
    expect(stream.watching()).toEqual([]);
    expect(stream.pushedSince('X', 0), 'a closed position forgets its pushes').toBe(false);
    pending.get('X')![2]!.resolve({ symbol: 'X', timestampMs: 1, price: 999, basis: 'last' });
    await turn();
    expect(ticks.map((t) => t.price), 'a push after the position closed is not acted on').toEqual([101]);
  });

  it('starts no loop once the source answers NOT_SUPPORTED (REST marks move the stops)', async () => {
    let watches = 0;
    const stream = new HeldPriceStream({
      watch: () => {
        watches++;
        return Promise.reject(new ExchangeRejectedError(ErrorCode.NotSupported, 'no price stream'));
      },
      onTick: () => Promise.resolve(),
      clock: new SimulatedClock(0),
      logger: silentLogger,
    });
    stream.sync(['X']);
    await turn();
    expect(stream.watching()).toEqual([]);
    stream.sync(['X', 'Y']);
    await turn();
    expect(watches, 'asked once, never again').toBe(1);
  });
});

/**
 * Break-even and trailing on websocket prices, end to end: the engine reads SimExchange through
 * ccxt pro's real blofin class on loopback, its `tickers` pushes reach the trading bridge, and the
 * paper stop moves on them. Bar closes and signals are kept from the bridge, and the REST refresh
 * is set to a day, so a push is the only thing that can move the stop.
 */
describe('protection on ticks over SimExchange through ccxt pro blofin', () => {
  const fx = freshStorePerTest();
  let engine: Engine;
  let sim: SimExchange;
  let symbol: string;

  beforeAll(async () => {
    const config = parseConfig({ exchange: 'sim', timeframes: ['1m'], backfillBars: 50, sim: { symbols: 4, seed: 21, startTimeMs: SIM_START_MS }, universe: { minQuoteVolumeUsd: 0, maxSpreadBps: null } });
    engine = createEngine(config, { logger: silentLogger });
    await engine.start();
    sim = engine.sim()!;
    symbol = engine.universe()[0]!.symbol;
  }, 120_000);

  afterAll(async () => {
    await engine?.stop();
  });

  /** A paper position with a far stop and trailing on, the bridge seeing only prices (no bars, no signals), REST refreshes counted. */
  async function rig(clock: Clock, positionRefreshMs: number, minAmendIntervalMs: number) {
    const stack: TradingStack = openGatePaperStack(fx);
    const paper = stack.broker as PaperBroker;
    let restRefreshes = 0;
    const routed: Engine = {
      ...engine,
      on: ((event: string, fn: unknown) => (event === 'bar' || event === 'signal' ? () => undefined : (engine.on as (e: string, f: unknown) => () => void)(event, fn))) as Engine['on'],
      refreshOrderFlow: (s: string) => {
        restRefreshes++;
        return engine.refreshOrderFlow(s);
      },
    };
    const prices: number[] = [];
    const onPrice = stack.autoTrader.onPrice.bind(stack.autoTrader);
    stack.autoTrader.onPrice = async (s, price) => {
      prices.push(price);
      await onPrice(s, price);
    };
    const bridge = new TradingBridge({ engine: routed, stack, paper, clock, logger: silentLogger, autotrade: false, positionRefreshMs });
    const price = (await engine.refreshOrderFlow(symbol)).markPrice!.markPrice;
    restRefreshes = 0;
    bridge.start();
    paper.onOrderBook(symbol, deepBook(symbol, price));
    const amountBase = 100 / price;
    const entry = await paper.placeOrder({ symbol, side: 'buy', type: 'market', amountBase, tradeId: 't1', leg: 'entry', risk: entryRisk(symbol, 'long', price) });
    const initialStop = price * 0.9;
    await stack.protection.arm({
      tradeId: 't1',
      symbol,
      side: 'long',
      entryPrice: entry.avgFillPrice!,
      sizeBase: amountBase,
      initialStopPrice: initialStop,
      takeProfits: [],
      breakEven: null,
      trailing: { mode: 'bps', bps: 200, minStepBps: 1, minAmendIntervalMs },
    });
    const stop = () => stack.protection.plans()[0]?.stopPrice ?? Number.NaN;
    const stopOrderPrice = () => stack.broker.openOrders(symbol).find((o) => o.reduceOnly && o.triggerPrice !== null)?.triggerPrice;
    return { stack, bridge, prices, initialStop, stop, stopOrderPrice, restRefreshes: () => restRefreshes };
  }

  it('trails the stop on the websocket ticker, with no REST refresh and no bar, and at most once per amend interval', async () => {
    // The plan's amend interval runs on this clock, which the test never moves: after the first trail, no push may amend again.
    const r = await rig(fx.clock, 86_400_000, 10_000);
    try {
      await until('the stop trailing a pushed price', () => (r.stop() > r.initialStop ? true : null), 30_000);
      const moves = fx.store.events.list({ type: 'stop_moved' }).map((e) => e.payload as { to: number; price: number });
      expect(moves).toHaveLength(1);
      expect(r.prices, 'the move was made at a pushed price').toContain(moves[0]!.price);
      expect(Math.abs(moves[0]!.to / moves[0]!.price - 0.98), 'trailing 2 % under the pushed price').toBeLessThan(1e-4);
      expect(r.stopOrderPrice(), 'the paper stop order moved with the plan').toBeCloseTo(r.stop(), 9);
      expect(r.restRefreshes(), 'no REST refresh ran').toBe(0);
      // More pushes: each reaches protection, none amends inside the interval.
      const seen = r.prices.length;
      await until('three more pushes handled', () => (r.prices.length >= seen + 3 ? true : null), 30_000);
      expect(fx.store.events.list({ type: 'stop_moved' }), 'a burst of pushes is not a burst of amends').toHaveLength(1);
    } finally {
      r.bridge.stop();
    }
  }, 90_000);

  it('falls back to the REST refresh while the socket is cut and silent', async () => {
    const before = sim.wsCounters().dataMessages;
    sim.faults.silenceWebsockets(true);
    sim.faults.dropWebsockets();
    try {
      // Wall time here: the fallback is the bridge's own refresh timer, and the sim's pushes are in wall time.
      const r = await rig(new SystemClock(), 500, 0);
      try {
        await until('the stop trailing a REST mark', () => (r.stop() > r.initialStop ? true : null), 30_000);
        expect(r.restRefreshes(), 'a REST refresh read the mark').toBeGreaterThan(0);
        expect(sim.wsCounters().dataMessages, 'nothing came over the socket').toBe(before);
        expect(r.stopOrderPrice()).toBeCloseTo(r.stop(), 9);
        const moves = fx.store.events.list({ type: 'stop_moved' });
        expect(moves.length).toBeGreaterThanOrEqual(1);
      } finally {
        r.bridge.stop();
      }
    } finally {
      sim.faults.reset();
      sim.faults.silenceWebsockets(false);
    }
  }, 90_000);
});

describe('CcxtMarketData.watchPrice', () => {
  /** A stand-in ccxt exchange whose websocket answers are scripted: only the methods watchPrice calls. */
  function scripted(pushes: (Record<string, unknown> | Error)[], has: Record<string, boolean>) {
    const exchange = {
      id: 'blofin',
      has,
      enableRateLimit: true,
      next: () => {
        const p = pushes.shift();
        if (!p) return new Promise(() => undefined);
        return p instanceof Error ? Promise.reject(p) : Promise.resolve(p);
      },
      watchTicker() {
        return this.next();
      },
      watchMarkPrice() {
        return this.next();
      },
      close: () => Promise.resolve(),
    };
    return exchange as unknown as Exchange;
  }

  it('returns the ticker last as a price, drops garbage and out-of-order pushes, and counts socket errors', async () => {
    const limits = { ...BLOFIN_LIMITS, capabilities: { ...BLOFIN_LIMITS.capabilities, watchTicker: true, watchMarkPrice: false } };
    const exchange = scripted(
      [
        { symbol: 'X', last: Number.NaN, timestamp: 10 },
        { symbol: 'X', last: 101, timestamp: 11 },
        { symbol: 'X', last: 99, timestamp: 5 },
        { symbol: 'X', last: 102, timestamp: 12 },
        new ccxt.NetworkError('socket closed'),
      ],
      {},
    );
    const source = new CcxtMarketData({ exchange, clock: new SimulatedClock(20), limits });
    expect(await source.watchPrice('X')).toEqual({ symbol: 'X', timestampMs: 11, price: 101, basis: 'last' });
    expect(await source.watchPrice('X')).toEqual({ symbol: 'X', timestampMs: 12, price: 102, basis: 'last' });
    expect(Object.values(source.health().badData?.markPrice ?? {}).reduce((a, b) => a + b, 0), 'the NaN and the out-of-order push were dropped and counted').toBe(2);
    await expect(source.watchPrice('X')).rejects.toMatchObject({ code: ErrorCode.NetworkError, retryable: true });
    expect(source.health().wsErrors).toBe(1);
  });

  it('prefers the mark-price stream where the exchange has one', async () => {
    const limits = { ...BLOFIN_LIMITS, capabilities: { ...BLOFIN_LIMITS.capabilities, watchTicker: true, watchMarkPrice: true } };
    const source = new CcxtMarketData({ exchange: scripted([{ symbol: 'X', markPrice: 100.5, last: 100, timestamp: 1 }], {}), clock: new SimulatedClock(5), limits });
    expect(await source.watchPrice('X')).toEqual({ symbol: 'X', timestampMs: 1, price: 100.5, basis: 'mark' });
  });

  it('answers NOT_SUPPORTED over the Binance USD-M sim client (REST only), so stops move on REST marks there', async () => {
    const sim = await startSimExchange({ dialect: 'binanceusdm', symbols: 2, seed: 3, startTimeMs: SIM_START_MS, historyBars: 10 });
    try {
      const exchange = createBinanceUsdmClient(sim) as unknown as Exchange;
      const source = new CcxtMarketData({ exchange, clock: new SystemClock() });
      const [m] = await source.loadMarkets();
      await expect(source.watchPrice(m!.symbol)).rejects.toMatchObject({ code: ErrorCode.NotSupported });
      await source.close();
    } finally {
      await sim.stop();
    }
  });
});
