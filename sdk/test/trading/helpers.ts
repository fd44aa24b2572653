import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/core/clock.js';
import { RiskConfigSchema, RiskPolicy, type RiskConfigInput, type RiskOrderRequest } from '../../src/risk/index.js';

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
