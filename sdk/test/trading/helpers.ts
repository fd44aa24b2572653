import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { SimulatedClock, type Clock } from '../../src/core/clock.js';
import { openStore, type Store } from '../../src/store/index.js';
import { createTradingStack, type TradingStack } from '../../src/trading/index.js';
import { RiskConfigSchema, RiskPolicy, type RiskConfigInput, type RiskOrderRequest } from '../../src/risk/index.js';
import type { OrderBook } from '@perpscope/shared';

/** The SimExchange test key of the live trading tests. */
export const SIM_KEY = { apiKey: 'trading-key', secret: 'trading-secret', password: 'trading-pass' };
export const SIM_SYMBOL = 'ETH/USDT:USDT';

export function tempDir(prefix = 'perpscope-trading-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A policy whose gates let test orders through (the gates themselves are tested in risk/). */
export function permissiveRisk(clock: Clock, overrides: RiskConfigInput = {}, isKillSwitchOn?: () => boolean): RiskPolicy {
  const config = RiskConfigSchema.parse({
    gates: { minScore: 0, minProbability: 0, minQuoteVolume24hUsd: 0, cooldownMs: 0, maxPositions: 50, maxExposureUsd: 1e9, singlePositionPerSymbol: false, dailyLossLimitPct: null, maxManipScore: null, ...overrides.gates },
    sizing: { mode: 'fixed', fixedNotionalUsd: 1e6, leverage: 3, minMarginUsd: 0, checkBalance: false, ...overrides.sizing },
  });
  return new RiskPolicy(config, { clock, ...(isKillSwitchOn ? { isKillSwitchOn } : {}) });
}

/** The risk context of a manual entry at `price`. */
export function entryRisk(symbol: string, side: 'long' | 'short', price: number, atr = price * 0.01): RiskOrderRequest {
  return { symbol, side, score: 10, probability: 0.9, manipScore: null, quoteVolume24hUsd: 1e9, entryPrice: price, atr };
}

/**
 * A fresh store in a temp home and a simulated clock for each test of the calling suite, closed
 * and removed after it. Read `store`, `clock` and `dir` inside the tests.
 */
export function freshStorePerTest(startMs = 1_700_000_000_000): { readonly store: Store; readonly clock: SimulatedClock; readonly dir: string } {
  let current: { dir: { dir: string; cleanup: () => void }; store: Store; clock: SimulatedClock } | null = null;
  beforeEach(() => {
    const dir = tempDir();
    current = { dir, store: openStore({ home: dir.dir }), clock: new SimulatedClock(startMs) };
  });
  afterEach(() => {
    current?.store.close();
    current?.dir.cleanup();
    current = null;
  });
  const now = () => {
    if (!current) throw new Error('freshStorePerTest: read store/clock inside a test');
    return current;
  };
  return {
    get store() {
      return now().store;
    },
    get clock() {
      return now().clock;
    },
    get dir() {
      return now().dir.dir;
    },
  };
}

/** A paper trading stack over `fx`'s store with every entry gate open: a fixed 100 USD, no fees. */
export function openGatePaperStack(fx: { store: Store; clock: SimulatedClock; dir: string }): TradingStack {
  return createTradingStack({
    mode: 'paper',
    store: fx.store,
    clock: fx.clock,
    risk: RiskConfigSchema.parse({ gates: { minScore: 0, minProbability: 0, minQuoteVolume24hUsd: 0, cooldownMs: 0, maxManipScore: null, dailyLossLimitPct: null }, sizing: { mode: 'fixed', fixedNotionalUsd: 100, minMarginUsd: 0 } }),
    exchangeId: 'blofin',
    paperMarket: () => ({ makerFee: 0, takerFee: 0 }),
    home: fx.dir,
  });
}

/** A deep book around `mid`: 20 levels a side, 50 units each, 0.1 apart. */
export function deepBook(symbol: string, mid: number): OrderBook {
  const bids: [number, number][] = [];
  const asks: [number, number][] = [];
  for (let i = 1; i <= 20; i++) {
    bids.push([mid - 0.1 * i, 50]);
    asks.push([mid + 0.1 * i, 50]);
  }
  return { symbol, timestampMs: 0, bids, asks };
}
