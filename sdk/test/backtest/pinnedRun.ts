import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { backtest } from '../../src/backtest/runBacktest.js';
import { BUILTIN_STRATEGY_IDS } from '../../src/strategies/builtins.js';
import type { PerpscopeConfigInput } from '../../src/config/index.js';

/**
 * A pinned backtest on real bars (3 Binance USD-M perps, 1h, 2025-01-01 .. 2025-01-15 after 300
 * warm-up bars): once with `ema-cross` alone and every gate opened (many trades: stops, targets,
 * path replays), once with the default strategies and loosened gates. Its result, captured in
 * `fixtures/pinned-run.json` before the replay's speed work, must not move with changes that only
 * make the replay faster.
 */
export const PINNED_SET = 'binance-usdm-2024-10-2025-03';
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'];
const FROM = Date.UTC(2025, 0, 1);
const TO = Date.UTC(2025, 0, 15);

const emaCrossOnly: PerpscopeConfigInput = {
  signals: {
    strategies: Object.fromEntries(BUILTIN_STRATEGY_IDS.filter((id) => id !== 'ema-cross').map((id) => [id, { enabled: false }])),
    blend: { minScore: 0 },
    selection: { cooldownMs: 0, maxPerTimeframe: SYMBOLS.length, maxPerCycle: SYMBOLS.length },
  },
  risk: { gates: { minScore: 0, minProbability: 0, cooldownMs: 0, maxPositions: SYMBOLS.length, maxExposureUsd: 1e12, dailyLossLimitPct: null, maxManipScore: null, minQuoteVolume24hUsd: 0 } },
  autotrade: { edge: { require: false } },
};
const loosened: PerpscopeConfigInput = {
  risk: { gates: { minScore: 0, minProbability: 0, minQuoteVolume24hUsd: 0, maxPositions: SYMBOLS.length } },
  autotrade: { edge: { require: false } },
};

/** What the pinned runs must reproduce: every trade, the counts and metrics, and a digest of the equity curve. */
export async function pinnedRun(dataRoot: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [name, engineConfig] of [
    ['ema-cross', emaCrossOnly],
    ['default', loosened],
  ] as const) {
    const r = await backtest({ data: join(dataRoot, PINNED_SET), timeframe: '1h', symbols: SYMBOLS, from: FROM, to: TO, warmupBars: 300 }, { engineConfig });
    out[name] = {
      fingerprint: r.fingerprint,
      signals: r.signals,
      placed: r.placed,
      skipped: r.skipped,
      fills: r.fills,
      metrics: r.metrics,
      equityPoints: r.equity.length,
      equitySha256: createHash('sha256').update(JSON.stringify(r.equity)).digest('hex'),
      trades: r.trades,
    };
  }
  return out;
}
