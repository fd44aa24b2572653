import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Candle } from '@perpscope/shared';
import { replayBar } from '../../src/backtest/barReplay.js';
import { barPath, DEFAULT_DEPTH_MODEL, syntheticBook } from '../../src/backtest/fillModel.js';
import { SimulatedClock } from '../../src/core/clock.js';
import { walkBook } from '../../src/trading/paperMatching.js';
import { openStore, OrderState, type Store } from '../../src/store/index.js';
import { PaperBroker } from '../../src/trading/index.js';
import { entryRisk, permissiveRisk, tempDir } from '../trading/helpers.js';

const H = 3_600_000;
const T0 = Date.UTC(2025, 0, 6);
const SYMBOL = 'ABC/USDT:USDT';
// Touches both a stop at 95 and a target at 110 (low 94, high 112).
const wide: Candle = { openTimeMs: T0 + H, open: 100, high: 112, low: 94, close: 105, volume: 1_000 };

describe('bar path (the conservative order)', () => {
  it('a long visits the low (its stop side) before the high, with order prices on the way', () => {
    const path = barPath(wide, H, 'long', [95, 110]);
    // Every leg crosses the order prices between its ends: 95 down and up again, 110 up and down again.
    expect(path.map((p) => p.price)).toEqual([100, 95, 94, 95, 110, 112, 110, 105]);
    expect(path[0]!.atMs).toBe(wide.openTimeMs);
    expect(path.every((p, i) => i === 0 || p.atMs > path[i - 1]!.atMs)).toBe(true);
    expect(path[path.length - 1]!.atMs).toBeLessThan(wide.openTimeMs + H);
  });

  it('a short visits the high first; with no position the bar direction decides', () => {
    expect(barPath(wide, H, 'short', [105.5]).map((p) => p.price)).toEqual([100, 105.5, 112, 105.5, 94, 105]);
    expect(barPath(wide, H, null).map((p) => p.price)).toEqual([100, 94, 112, 105]);
    const falling = { ...wide, close: 96 };
    expect(barPath(falling, H, null).map((p) => p.price)).toEqual([100, 112, 94, 96]);
  });
});

describe('depth model', () => {
  it('small orders pay half the spread, large ones walk the levels, the backstop never runs dry', () => {
    const book = syntheticBook(SYMBOL, 100, 1_000_000, 0, DEFAULT_DEPTH_MODEL);
    // 2 % of 1,000,000 USD = 20,000 USD per side over 10 levels: 20 base per level at ~100.
    expect(book.asks[0]![0]).toBeCloseTo(100.01, 10);
    expect(book.bids[0]![0]).toBeCloseTo(99.99, 10);
    expect(book.asks[0]![1]).toBeCloseTo(20, 10);
    const small = walkBook(book, 'buy', 1);
    expect(small.avgPrice).toBeCloseTo(100.01, 10);
    const large = walkBook(book, 'buy', 60); // three levels: 100.01, 100.02, 100.03
    expect(large.avgPrice).toBeCloseTo(100.02, 10);
    const huge = walkBook(book, 'sell', 10_000);
    expect(huge.filledBase).toBeCloseTo(10_000, 6);
    expect(huge.fills[huge.fills.length - 1]!.price).toBeCloseTo(99.5, 10); // the 50 bps backstop
  });
});

describe('bar replay through the PaperBroker', () => {
  let store: Store;
  let cleanup: () => void;
  let clock: SimulatedClock;
  let broker: PaperBroker;

  beforeEach(async () => {
    const tmp = tempDir('perpscope-backtest-');
    cleanup = tmp.cleanup;
    store = openStore({ file: `${tmp.dir}/db.sqlite` });
    clock = new SimulatedClock(T0 + H);
    broker = new PaperBroker({ store, clock, risk: permissiveRisk(clock), exchange: 'binanceusdm', market: () => ({ makerFee: 0.0002, takerFee: 0.0005 }), initialBalanceUsd: 100_000 });
    await broker.start();
    // Long 10 at the open (100), protected by a stop at 95 and a target at 110.
    broker.onOrderBook(SYMBOL, syntheticBook(SYMBOL, 100, 10_000_000, clock.nowMs()));
    const entry = await broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: 10, tradeId: 't1', leg: 'entry', purpose: 'entry', risk: entryRisk(SYMBOL, 'long', 100), leverage: 3 });
    expect(entry.state).toBe(OrderState.Filled);
    await broker.placeOrder({ symbol: SYMBOL, side: 'sell', type: 'stop_market', triggerPrice: 95, amountBase: 10, reduceOnly: true, purpose: 'stop_loss', tradeId: 't1', leg: 'sl' });
    await broker.placeOrder({ symbol: SYMBOL, side: 'sell', type: 'take_profit_market', triggerPrice: 110, amountBase: 10, reduceOnly: true, purpose: 'take_profit', tradeId: 't1', leg: 'tp1' });
  });

  afterEach(() => {
    store.close();
    cleanup();
  });

  it('a bar touching both the stop and the target fills the stop, at the stop less the half spread', async () => {
    replayBar(broker, SYMBOL, wide, H, 'long', 10_000_000, DEFAULT_DEPTH_MODEL);
    const orders = store.orders.listByTrade(broker.ledger, 't1');
    const sl = orders.find((o) => o.purpose === 'stop_loss')!;
    const tp = orders.find((o) => o.purpose === 'take_profit')!;
    expect(sl.state).toBe(OrderState.Filled);
    expect(sl.avgFillPrice).toBeCloseTo(95 * (1 - 0.0001), 8);
    expect(tp.state).not.toBe(OrderState.Filled);
    expect(tp.filledBase).toBe(0);
    expect(await broker.fetchPositions()).toEqual([]);
  });

  it('a bar that only reaches the target fills the target', async () => {
    replayBar(broker, SYMBOL, { ...wide, low: 97 }, H, 'long', 10_000_000, DEFAULT_DEPTH_MODEL);
    const orders = store.orders.listByTrade(broker.ledger, 't1');
    expect(orders.find((o) => o.purpose === 'take_profit')!.state).toBe(OrderState.Filled);
    expect(orders.find((o) => o.purpose === 'take_profit')!.avgFillPrice).toBeCloseTo(110 * (1 - 0.0001), 8);
    expect(orders.find((o) => o.purpose === 'stop_loss')!.filledBase).toBe(0);
  });

  it('a bar gapping through the stop fills at the open, not at the stop', async () => {
    replayBar(broker, SYMBOL, { openTimeMs: T0 + H, open: 90, high: 92, low: 89, close: 91, volume: 1_000 }, H, 'long', 10_000_000, DEFAULT_DEPTH_MODEL);
    const sl = store.orders.listByTrade(broker.ledger, 't1').find((o) => o.purpose === 'stop_loss')!;
    expect(sl.state).toBe(OrderState.Filled);
    expect(sl.avgFillPrice).toBeCloseTo(90 * (1 - 0.0001), 8);
  });
});

describe('liquidation on the bar path', () => {
  it('an unprotected 10x long is liquidated when the path marks below its liquidation price', async () => {
    const tmp = tempDir('perpscope-backtest-liq-');
    const store = openStore({ file: `${tmp.dir}/db.sqlite` });
    try {
      const clock = new SimulatedClock(T0 + H);
      const broker = new PaperBroker({ store, clock, risk: permissiveRisk(clock), exchange: 'binanceusdm', market: () => ({ makerFee: 0.0002, takerFee: 0.0005 }), initialBalanceUsd: 100_000 });
      await broker.start();
      broker.onOrderBook(SYMBOL, syntheticBook(SYMBOL, 100, 10_000_000, clock.nowMs()));
      await broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: 10, tradeId: 'liq', leg: 'entry', purpose: 'entry', risk: entryRisk(SYMBOL, 'long', 100), leverage: 10, marginMode: 'isolated' });
      const [before] = await broker.fetchPositions();
      expect(before!.liquidationPrice).toBeGreaterThan(85);
      const alerts: string[] = [];
      broker.on((e) => {
        if (e.type === 'alert') alerts.push(e.reason);
      });
      replayBar(broker, SYMBOL, { openTimeMs: T0 + H, open: 100, high: 101, low: 85, close: 99, volume: 1_000 }, H, 'long', 10_000_000, DEFAULT_DEPTH_MODEL);
      expect(await broker.fetchPositions()).toEqual([]);
      expect(alerts).toContain('liquidation');
    } finally {
      store.close();
      tmp.cleanup();
    }
  });
});
