import { SimulatedClock } from '../../src/core/clock.js';
import { RiskConfigSchema, RiskPolicy, type RiskAccountState, type RiskConfigInput, type RiskOrderRequest, type RiskPolicyDeps } from '../../src/risk/index.js';

/** 2024-03-10 12:00:00 UTC. */
export const NOON_MS = Date.UTC(2024, 2, 10, 12);

export const request = (over: Partial<RiskOrderRequest> = {}): RiskOrderRequest => ({
  symbol: 'BTC/USDT:USDT',
  side: 'long',
  score: 6,
  probability: 0.7,
  manipScore: 10,
  quoteVolume24hUsd: 1_000_000,
  entryPrice: 100,
  atr: 2,
  ...over,
});

export const account = (over: Partial<RiskAccountState> = {}): RiskAccountState => ({
  equityUsd: 1_000,
  availableBalanceUsd: 1_000,
  openPositions: [],
  lastTradeAtMs: {},
  ...over,
});

export function policy(config: RiskConfigInput = {}, deps: Partial<RiskPolicyDeps> = {}): { policy: RiskPolicy; clock: SimulatedClock } {
  const clock = deps.clock instanceof SimulatedClock ? deps.clock : new SimulatedClock(NOON_MS);
  return { policy: new RiskPolicy(RiskConfigSchema.parse(config), { ...deps, clock }), clock };
}
