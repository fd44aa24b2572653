import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceleratedClock } from '../../src/market/acceleratedClock.js';
import { silentLogger } from '../../src/core/logger.js';
import { parseConfig } from '../../src/config/index.js';
import { createEngine, type Engine } from '../../src/engine/createEngine.js';
import { riskOrderFlowOf, TradingBridge } from '../../src/engine/tradingBridge.js';
import type { Signal } from '../../src/signals/index.js';
import { selectedSignal } from '../../../test/support/selectedSignal.js';
import type { SimExchange } from '../../src/sim/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { createTradingStack, paperMarketSpec, type PaperBroker, type SignalOutcome } from '../../src/trading/index.js';

/**
 * The funding window and the order-flow floors, end to end: the engine reads SimExchange through
 * ccxt's real blofin class on loopback, the trading bridge fetches the symbol's order flow and
 * funding for each signal, and RiskPolicy decides on what it fetched. The sim is paused once the
 * engine is up, so the book, tape and funding the bridge reads are the ones the test measured.
 */
const START_MS = Date.UTC(2025, 0, 6, 0, 30);
const H = 3_600_000;

describe('entry gates over SimExchange through ccxt', () => {
  let home: string;
  let store: Store;
  let engine: Engine;
  let sim: SimExchange;
  /** Only the signals a test delivers reach the bridge: the sim's own would race with them. */
  const listeners = new Set<(s: Signal) => void>();

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'perpscope-entry-gates-'));
    store = openStore({ home });
    const config = parseConfig({ exchange: 'sim', timeframes: ['1m'], backfillBars: 60, sim: { symbols: 16, seed: 11, startTimeMs: START_MS }, universe: { minQuoteVolumeUsd: 0, maxSpreadBps: null } });
    engine = createEngine(config, { logger: silentLogger });
    await engine.start();
    sim = engine.sim()!;
    sim.pause();
  }, 120_000);

  afterAll(async () => {
    await engine?.stop();
    store?.close();
    rmSync(home, { recursive: true, force: true });
  });

  /** A bridge over a paper stack with `gates`, every other gate open; resolves each delivered signal's outcome. */
  function rig(gates: Record<string, unknown>) {
    const clock = acceleratedClock(() => sim.nowMs(), 1);
    const fees = new Map(engine.markets().map((m) => [m.symbol, paperMarketSpec(m)]));
    const stack = createTradingStack({
      mode: 'paper',
      store,
      clock,
      risk: parseConfig({
        risk: {
          gates: { minScore: 0, minProbability: 0, minQuoteVolume24hUsd: 0, cooldownMs: 0, maxManipScore: null, dailyLossLimitPct: null, singlePositionPerSymbol: false, maxPositions: 50, maxExposureUsd: 1e9, ...gates },
          sizing: { mode: 'fixed', fixedNotionalUsd: 20, minMarginUsd: 0 },
        },
      }).risk,
      autoTrader: { edge: { require: false } },
      exchangeId: 'blofin',
      home,
      paperMarket: (symbol) => fees.get(symbol),
    });
    const outcomes = new Map<string, (o: SignalOutcome) => void>();
    const routed = { ...engine, on: ((event: string, fn: (s: Signal) => void) => {
      if (event !== 'signal') return (engine.on as (e: string, f: unknown) => () => void)(event, fn);
      listeners.add(fn);
      return () => listeners.delete(fn);
    }) as Engine['on'] };
    const bridge = new TradingBridge({
      engine: routed,
      stack,
      paper: stack.broker as PaperBroker,
      clock,
      logger: silentLogger,
      autotrade: true,
      positionRefreshMs: 24 * H,
      onSignalOutcome: (signal, outcome) => outcomes.get(signal.id)?.(outcome),
    });
    bridge.start();
    const deliver = (symbol: string, side: 'long' | 'short') =>
      new Promise<SignalOutcome>((resolve) => {
        const signal = selectedSignal(symbol, side, lastClose(symbol), sim.nowMs());
        outcomes.set(signal.id, resolve);
        for (const fn of listeners) fn(signal);
      });
    return { deliver, stop: () => bridge.stop() };
  }

  function lastClose(symbol: string): number {
    const bars = engine.candles(symbol, '1m');
    return bars[bars.length - 1]!.close;
  }

  it('the funding window refuses the side that would pay the coming settlement and passes the side paid by it', async () => {
    const funded = [];
    for (const m of engine.universe()) {
      const flow = await engine.refreshOrderFlow(m.symbol);
      if (flow.funding?.nextFundingTimeMs !== undefined && flow.funding.rate !== 0) funded.push({ symbol: m.symbol, rate: flow.funding.rate, nextMs: flow.funding.nextFundingTimeMs });
    }
    const f = funded[0];
    if (!f) throw new Error('SimExchange reported no funding rate on any symbol');
    expect(f.nextMs - sim.nowMs(), 'the next settlement is ahead').toBeGreaterThan(0);
    // A window to the settlement after next: whatever the wall time the engine took to start, it is inside.
    const { deliver, stop } = rig({ fundingAvoidWindowMs: 9 * H });
    try {
      const payer = f.rate > 0 ? 'long' : 'short';
      const refused = await deliver(f.symbol, payer);
      expect(refused.status === 'skipped' && refused.reason, JSON.stringify(refused)).toBe('funding_window');
      expect(refused.status === 'skipped' && refused.message).toContain(`would pay ${(Math.abs(f.rate) * 100).toFixed(4)} % funding`);
      const paid = await deliver(f.symbol, payer === 'long' ? 'short' : 'long');
      expect(paid.status, JSON.stringify(paid)).toBe('placed');
    } finally {
      stop();
    }
  });

  it('the order-flow floors refuse a thin symbol and trade a deep one, on the book the bridge fetched', async () => {
    const measured = [];
    for (const m of engine.universe()) {
      const flow = riskOrderFlowOf(await engine.refreshOrderFlow(m.symbol));
      if (flow) measured.push({ symbol: m.symbol, depthUsd: flow.depthUsd });
    }
    measured.sort((a, b) => a.depthUsd - b.depthUsd);
    const thin = measured[0]!;
    const deep = measured[measured.length - 1]!;
    expect(deep.depthUsd / thin.depthUsd, `depths ${JSON.stringify(measured)}`).toBeGreaterThan(4);
    const floorUsd = Math.sqrt(thin.depthUsd * deep.depthUsd);
    const { deliver, stop } = rig({ fundingAvoidWindowMs: 0, minDepthUsd: floorUsd });
    try {
      const refused = await deliver(thin.symbol, 'long');
      expect(refused.status === 'skipped' && refused.reason, JSON.stringify(refused)).toBe('order_flow');
      expect(refused.status === 'skipped' && refused.message).toContain(`${thin.symbol} is too thin to trade: depthUsd is`);
      const traded = await deliver(deep.symbol, 'long');
      expect(traded.status, JSON.stringify(traded)).toBe('placed');
    } finally {
      stop();
    }
  });
});
