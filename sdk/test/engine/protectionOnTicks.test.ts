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
import type { BrokerEvent, PaperBroker, TradingStack } from '../../src/trading/index.js';
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
const turn = () => new Promise((r) => setImmediate(r)); // one macrotask turn: queued promise callbacks run, no time passes

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

  it('starts no loop once the source itself answers NOT_SUPPORTED (REST marks move the stops)', async () => {
    let watches = 0;
    const stream = new HeldPriceStream({
      watch: () => {
        watches++;
        return Promise.reject(new ExchangeRejectedError(ErrorCode.NotSupported, 'no price stream', { details: { scope: 'source' } }));
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

  it('gives up only on the symbol an exchange refuses to stream; the others keep streaming', async () => {
    const asked: string[] = [];
    const stream = new HeldPriceStream({
      watch: (symbol) => {
        asked.push(symbol);
        return symbol === 'X' ? Promise.reject(new ExchangeRejectedError(ErrorCode.NotSupported, 'no mark stream for X')) : new Promise<PriceTick>(() => undefined);
      },
      onTick: () => Promise.resolve(),
      clock: new SimulatedClock(0),
      logger: silentLogger,
    });
    stream.sync(['X']);
    await turn();
    stream.sync(['X', 'Y']);
    await turn();
    expect(stream.watching()).toEqual(['Y']);
    expect(asked, 'X asked once; Y still streams').toEqual(['X', 'Y']);
  });

  it('drops the price a closed position left waiting and unsubscribes, so a reopened position never gets it', async () => {
    const pending: ReturnType<typeof deferred<PriceTick>>[] = [];
    const unwatched: string[] = [];
    const seen: number[] = [];
    const gate = deferred();
    const stream = new HeldPriceStream({
      watch: () => {
        const d = deferred<PriceTick>();
        pending.push(d);
        return d.promise;
      },
      unwatch: (symbol) => Promise.resolve(void unwatched.push(symbol)),
      onTick: async (t) => {
        seen.push(t.price);
        if (t.price === 1) await gate.promise;
      },
      clock: new SimulatedClock(0),
      logger: silentLogger,
    });
    stream.sync(['X']);
    pending[0]!.resolve({ symbol: 'X', timestampMs: 0, price: 1, basis: 'mark' });
    await turn();
    pending[1]!.resolve({ symbol: 'X', timestampMs: 1, price: 2, basis: 'mark' });
    await turn();
    expect(seen, 'the second push waits behind the first').toEqual([1]);
    stream.sync([]);
    expect(unwatched).toEqual(['X']);
    gate.resolve();
    stream.sync(['X']);
    await stream.idle();
    expect(seen, 'the price left waiting by the closed position never ran').toEqual([1]);
    pending[pending.length - 1]!.resolve({ symbol: 'X', timestampMs: 2, price: 3, basis: 'mark' });
    await until('the reopened position’s push handled', () => (seen.length === 2 ? true : null), 5_000);
    expect(seen).toEqual([1, 3]);
    stream.stop();
  });
});

describe('LatestPerKey: each offer settles with the call that used it', () => {
  it('resolves an offer once the call that consumed it finished, not when a busy key finally drains', async () => {
    const gates = new Map<number, ReturnType<typeof deferred<void>>>();
    const queue = new LatestPerKey<number>(
      async (_key, value) => {
        const gate = deferred();
        gates.set(value, gate);
        await gate.promise;
      },
      () => undefined,
    );
    let secondDone = false;
    void queue.offer('A', 1);
    const second = queue.offer('A', 2).then(() => (secondDone = true));
    gates.get(1)!.resolve();
    await until('the second value’s call started', () => (gates.has(2) ? true : null), 5_000);
    // A newer value arrives while 2 is being handled: 2's offer must not wait for it.
    void queue.offer('A', 3);
    expect(secondDone).toBe(false);
    gates.get(2)!.resolve();
    await second;
    expect(queue.busy('A'), 'the key is still busy with 3').toBe(true);
    expect(gates.has(3)).toBe(true);
    gates.get(3)!.resolve();
    await queue.idle();
    expect(queue.busy('A')).toBe(false);
  });
});

/** A trading stack and engine reduced to what the bridge calls, each call scripted or recorded by the test. */
function bridgeRig(positionRefreshMs: number) {
  const clock = new SimulatedClock(0);
  const watches = new Map<string, ReturnType<typeof deferred<PriceTick>>[]>();
  const unwatched: string[] = [];
  const onPrice: { symbol: string; price: number }[] = [];
  let priceGate: Promise<void> | null = null;
  const marks: { symbol: string; price: number }[] = [];
  const lastPrices: { symbol: string; price: number }[] = [];
  const listeners: ((e: BrokerEvent) => void)[] = [];
  let positions: () => Promise<{ symbol: string }[]> = () => Promise.resolve([]);
  let restReads = 0;
  let heldView: () => Iterable<string> = () => [];
  const REST_MARK = 555;
  const engine = {
    watchPrice: (symbol: string) => {
      const d = deferred<PriceTick>();
      watches.set(symbol, [...(watches.get(symbol) ?? []), d]);
      return d.promise;
    },
    unwatchPrice: (symbol: string) => Promise.resolve(void unwatched.push(symbol)),
    on: () => () => undefined,
    watchSymbols: (fn: () => Iterable<string>) => {
      heldView = fn;
      return () => undefined;
    },
    refreshOrderFlow: (symbol: string) => {
      restReads++;
      return Promise.resolve({ symbol, updatedAtMs: clock.nowMs(), markPrice: { symbol, timestampMs: clock.nowMs(), markPrice: REST_MARK } });
    },
    latestRanking: () => undefined,
    universe: () => [],
  } as unknown as Engine;
  const stack = {
    broker: {
      on: (fn: (e: BrokerEvent) => void) => {
        listeners.push(fn);
        return () => undefined;
      },
      fetchPositions: () => positions(),
      openOrders: () => [],
      cancelOrder: () => Promise.resolve(),
    },
    autoTrader: {
      onPrice: async (symbol: string, price: number) => {
        onPrice.push({ symbol, price });
        if (priceGate) await priceGate;
      },
    },
    killSwitch: { state: () => ({ on: false, sources: [], reason: null }) },
    protection: { sync: () => Promise.resolve() },
  } as unknown as TradingStack;
  const paper = {
    onMarkPrice: (symbol: string, price: number) => void marks.push({ symbol, price }),
    onLastPrice: (symbol: string, price: number) => void lastPrices.push({ symbol, price }),
    onOrderBook: () => undefined,
    onTrades: () => undefined,
    onFunding: () => undefined,
  } as unknown as PaperBroker;
  const bridge = new TradingBridge({ engine, stack, paper, clock, logger: silentLogger, autotrade: false, positionRefreshMs });
  /** Resolves the symbol's oldest pending watch with a pushed price, once the loop is waiting on one. */
  const push = async (symbol: string, price: number, basis: 'mark' | 'last' = 'mark') => {
    const d = await until(`a watch pending on ${symbol}`, () => watches.get(symbol)?.shift() ?? null, 5_000);
    d.resolve({ symbol, timestampMs: clock.nowMs(), price, basis });
  };
  return {
    clock,
    bridge,
    push,
    onPrice,
    marks,
    lastPrices,
    unwatched,
    REST_MARK,
    restReads: () => restReads,
    watching: (symbol: string) => (watches.get(symbol)?.length ?? 0) > 0,
    held: () => [...heldView()].sort(),
    emit: (e: BrokerEvent) => listeners.forEach((fn) => fn(e)),
    setPositions: (fn: () => Promise<{ symbol: string }[]>) => (positions = fn),
    holdPrices: (gate: Promise<void> | null) => {
      priceGate = gate;
    },
  };
}

describe('TradingBridge price paths (scripted engine and stack)', () => {
  it('moves no stop on a REST poll while pushes flow, and falls back to it once they stop', async () => {
    const r = bridgeRig(1_000);
    r.setPositions(() => Promise.resolve([{ symbol: 'X' }]));
    r.bridge.start();
    for (let i = 0; i < 4; i++) {
      await r.push('X', 100 + i);
      await until(`push ${i} handled`, () => (r.onPrice.some((p) => p.price === 100 + i) ? true : null), 5_000);
      const reads = r.restReads();
      await r.clock.advance(1_000); // the bridge's refresh interval on its simulated clock
      await until('the refresh read the mark', () => (r.restReads() > reads ? true : null), 5_000);
      await r.bridge.idle();
    }
    expect(r.onPrice.map((p) => p.price), 'only pushed prices reached protection').toEqual([100, 101, 102, 103]);
    // No push since the last refresh: the next one offers its REST mark (so the gate, not chance, kept it out above).
    await r.clock.advance(1_000); // one more refresh interval with the socket silent
    await until('the REST mark reaching protection', () => (r.onPrice.some((p) => p.price === r.REST_MARK) ? true : null), 5_000);
    r.bridge.stop();
  });

  it('feeds the paper broker a pushed mark as its mark, a pushed last-trade price only as its last price; protection gets both', async () => {
    const r = bridgeRig(86_400_000);
    r.setPositions(() => Promise.resolve([{ symbol: 'X' }]));
    r.bridge.start();
    await r.push('X', 101, 'last');
    await until('the last price handled', () => (r.onPrice.length === 1 ? true : null), 5_000);
    await r.push('X', 102, 'mark');
    await until('the mark handled', () => (r.onPrice.length === 2 ? true : null), 5_000);
    expect(r.onPrice.map((p) => p.price)).toEqual([101, 102]);
    expect(r.marks, 'only the mark became the paper mark').toEqual([{ symbol: 'X', price: 102 }]);
    expect(r.lastPrices, 'the last-trade price is what a new paper stop is checked against').toEqual([{ symbol: 'X', price: 101 }]);
    r.bridge.stop();
  });

  it('after stop, idle waits for the price being handled and no waiting price runs', async () => {
    const r = bridgeRig(86_400_000);
    r.setPositions(() => Promise.resolve([{ symbol: 'X' }]));
    const gate = deferred();
    r.holdPrices(gate.promise);
    r.bridge.start();
    await r.push('X', 101);
    await until('the first price in protection', () => (r.onPrice.length === 1 ? true : null), 5_000);
    await r.push('X', 102);
    await turn();
    r.bridge.stop();
    let idle = false;
    const done = r.bridge.idle().then(() => (idle = true));
    await turn();
    expect(idle, 'the call under way has not finished').toBe(false);
    gate.resolve();
    await done;
    expect(r.onPrice.map((p) => p.price), 'the waiting price was dropped at stop').toEqual([101]);
  });

  it('keeps one held set: a positions read a position event overtook does not stop the new symbol’s stream', async () => {
    const r = bridgeRig(1_000);
    r.bridge.start();
    await turn();
    // A refresh whose positions read answers from before a position opened on W.
    const stale = deferred<{ symbol: string }[]>();
    r.setPositions(() => stale.promise);
    await r.clock.advance(1_000); // one refresh interval on the bridge's simulated clock
    r.emit({ type: 'position', symbol: 'W', position: { symbol: 'W' } } as unknown as BrokerEvent);
    stale.resolve([]);
    await until('the refresh past its positions read (it reads W’s order flow)', () => (r.restReads() > 0 ? true : null), 5_000);
    await r.bridge.idle();
    expect(r.held(), 'the stale read was dropped').toEqual(['W']);
    expect(r.unwatched).toEqual([]);
    await r.push('W', 42);
    await until('the push on W reaching protection', () => (r.onPrice.some((p) => p.symbol === 'W' && p.price === 42) ? true : null), 5_000);
    // A read with no event meanwhile is the truth: W closed without an event reaching us, Z opened.
    r.setPositions(() => Promise.resolve([{ symbol: 'Z' }]));
    await r.clock.advance(1_000); // one refresh interval on the bridge's simulated clock
    await until('the refresh applied', () => (r.held().includes('Z') ? true : null), 5_000);
    expect(r.held()).toEqual(['Z']);
    expect(r.unwatched, 'the stream of the closed symbol ended').toEqual(['W']);
    r.bridge.stop();
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

  it('ends a price subscription with ccxt unWatchMarkPrice / unWatchTicker where the exchange has them, else does nothing', async () => {
    const calls: string[] = [];
    const exchange = (has: Record<string, boolean>) =>
      ({
        id: 'binanceusdm',
        has,
        unWatchMarkPrice: (symbol: string) => Promise.resolve(void calls.push(`mark ${symbol}`)),
        unWatchTicker: (symbol: string) => Promise.resolve(void calls.push(`ticker ${symbol}`)),
        close: () => Promise.resolve(),
      }) as unknown as Exchange;
    const marks = { ...BLOFIN_LIMITS, capabilities: { ...BLOFIN_LIMITS.capabilities, watchTicker: true, watchMarkPrice: true } };
    const tickers = { ...BLOFIN_LIMITS, capabilities: { ...BLOFIN_LIMITS.capabilities, watchTicker: true, watchMarkPrice: false } };
    await new CcxtMarketData({ exchange: exchange({ unWatchMarkPrice: true }), clock: new SimulatedClock(0), limits: marks }).unwatchPrice('X');
    await new CcxtMarketData({ exchange: exchange({ unWatchTicker: true }), clock: new SimulatedClock(0), limits: tickers }).unwatchPrice('Y');
    await new CcxtMarketData({ exchange: exchange({}), clock: new SimulatedClock(0), limits: tickers }).unwatchPrice('Z');
    expect(calls).toEqual(['mark X', 'ticker Y']);
  });

  it('streams marks over the Binance USD-M sim client (`markPrice@1s`), so stops move on pushed marks there', async () => {
    const sim = await startSimExchange({ dialect: 'binanceusdm', symbols: 2, seed: 3, startTimeMs: SIM_START_MS, historyBars: 10, pausedAtStart: true });
    try {
      const exchange = createBinanceUsdmClient(sim) as unknown as Exchange;
      const source = new CcxtMarketData({ exchange, clock: new SystemClock() });
      const [m] = await source.loadMarkets();
      expect(source.limits.capabilities.watchMarkPrice).toBe(true);
      const tick = await source.watchPrice(m!.symbol);
      expect(tick.basis).toBe('mark');
      // Paused: the pushed mark is the sim's mark at its start.
      expect(tick.price).toBeCloseTo(sim.source.markPrice(m!.symbol, SIM_START_MS).markPrice, 6);
      await source.close();
    } finally {
      await sim.stop();
    }
  });
});
