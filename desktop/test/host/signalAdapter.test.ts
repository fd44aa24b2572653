import { describe, expect, it } from 'vitest';
import type { Signal, StrategyEvidence } from '@perpscope/sdk';
import { SignalViewSchema } from '@perpscope/shared';
import { signalPort, toSignalView } from '../../src/host/signalAdapter.js';

const donchianBear: StrategyEvidence = {
  strategy: 'donchian-atr',
  regime: 'bear',
  signals: 2160,
  hitRate: 0.42,
  meanNetPct: -0.07,
  correctedLowerBoundPct: -0.12,
  tradable: false,
  evidenceId: 'edge-binance-1h-test',
};
const emaAll: StrategyEvidence = { ...donchianBear, strategy: 'ema-cross', regime: null, signals: 812, hitRate: 0.55, meanNetPct: 0.21, correctedLowerBoundPct: 0.03, tradable: true };

function signal(evidence: StrategyEvidence[], over: Partial<Signal> = {}): Signal {
  const closeTimeMs = 1_700_000_000_000;
  return {
    id: `sig-${evidence.length}`,
    symbol: 'BTC/USDT:USDT',
    timeframe: '1h',
    openTimeMs: closeTimeMs - 3_600_000,
    closeTimeMs,
    side: 'short',
    score: -40,
    calibrated: false,
    probability: 0.4,
    expectedValue: -0.001,
    regime: 'bear',
    riskMultiplier: 1,
    components: [
      { id: 'donchian-atr', side: 'short', score: -40, weight: 1, level: null },
      { id: 'ema-cross', side: 'short', score: -30, weight: 0.5, level: null },
    ],
    evidence,
    tags: [],
    levels: { entry: 100, stop: 101, takeProfit: 98, byComponent: {} },
    entryPlan: null,
    ...over,
  };
}

describe('toSignalView: out-of-sample evidence', () => {
  it('carries every agreeing strategy\'s record field by field, and the view passes the RPC schema', () => {
    const view = toSignalView(signal([donchianBear, emaAll]));
    expect(view.evidence).toEqual([
      { strategy: 'donchian-atr', regime: 'bear', signals: 2160, hitRate: 0.42, meanNetPct: -0.07, correctedLowerBoundPct: -0.12, tradable: false, evidenceId: 'edge-binance-1h-test' },
      { strategy: 'ema-cross', regime: null, signals: 812, hitRate: 0.55, meanNetPct: 0.21, correctedLowerBoundPct: 0.03, tradable: true, evidenceId: 'edge-binance-1h-test' },
    ]);
    expect(SignalViewSchema.parse(view).evidence, 'the schema keeps the evidence').toEqual(view.evidence);
  });

  it('a signal the evidence did not measure says so with an empty list, not an absent one', () => {
    const view = toSignalView(signal([], { timeframe: '1m' }));
    expect(view.evidence).toEqual([]);
  });

  it('the view is a copy: changing it leaves the engine\'s signal as it was', () => {
    const s = signal([donchianBear]);
    const view = toSignalView(s);
    view.evidence![0]!.tradable = true;
    expect(s.evidence[0]!.tradable).toBe(false);
  });

  it('signals.list returns the evidence with each signal', async () => {
    const port = signalPort(() => [signal([emaAll])]);
    const [listed] = await port.list({});
    expect(listed?.evidence?.map((e) => [e.strategy, e.tradable])).toEqual([['ema-cross', true]]);
  });

  it('older hosts without evidence still validate', () => {
    const { evidence: _dropped, ...older } = toSignalView(signal([donchianBear]));
    expect(SignalViewSchema.safeParse(older).success).toBe(true);
  });
});
