import type { Signal } from '@perpscope/sdk';

/**
 * A selected 1m signal on `symbol` at `entry`, as the signal engine emits it, for tests that
 * deliver a signal to the trading bridge themselves: stop 1 % and target 2 % away, uncalibrated
 * probability 0.9, one component with no evidence (the edge gate passes it only when off).
 */
export function selectedSignal(symbol: string, side: 'long' | 'short', entry: number, closeTimeMs: number): Signal {
  const dir = side === 'long' ? 1 : -1;
  return {
    id: `test-${symbol}-${side}-${closeTimeMs}`,
    symbol,
    timeframe: '1m',
    openTimeMs: closeTimeMs - 60_000,
    closeTimeMs,
    side,
    score: 50,
    calibrated: false,
    probability: 0.9,
    expectedValue: 0.01,
    regime: null,
    riskMultiplier: 1,
    components: [{ id: 'test', side, score: 50, weight: 1, level: null }],
    evidence: [],
    tags: [],
    levels: { entry, stop: entry * (1 - dir * 0.01), takeProfit: entry * (1 + dir * 0.02), byComponent: {} },
    entryPlan: null,
  };
}
