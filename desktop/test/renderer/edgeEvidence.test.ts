import { describe, expect, it } from 'vitest';
import type { SignalView, StrategyEvidenceView } from '@perpscope/shared';
import { edgeMark, evidenceLine, evidenceTitle, overriddenStrategies, unmeasuredStrategies } from '../../src/renderer/lib/edgeEvidence.js';

const record: StrategyEvidenceView = { strategy: 'donchian-atr', regime: 'bear', signals: 2160, hitRate: 0.42, meanNetPct: -0.07, correctedLowerBoundPct: -0.121, tradable: false, evidenceId: 'edge-test' };

function view(evidence: StrategyEvidenceView[] | undefined, components: Record<string, number> = { 'donchian-atr': -40, 'ema-cross': -15 }): SignalView {
  return {
    id: 's1', symbol: 'BTC/USDT:USDT', timeframe: '1h', side: 'short', score: -40, probability: 0.4, expectedValue: null,
    tags: [], components, entryPrice: 100, stopPrice: 101, targetPrices: [98], createdAtMs: 0,
    ...(evidence ? { evidence } : {}),
  };
}

describe('renderer: a signal\'s out-of-sample record in words', () => {
  it('one line per strategy: regime, hit rate, mean net per signal, sample size', () => {
    expect(evidenceLine(record)).toBe('OOS donchian-atr/bear: hit 42 %, -0.07 %/signal, n 2160');
    expect(evidenceLine({ ...record, regime: null, meanNetPct: 0.2, hitRate: 0.555 })).toBe('OOS donchian-atr/all: hit 56 %, +0.20 %/signal, n 2160');
    expect(evidenceTitle(record)).toBe('No edge: corrected lower bound of the mean -0.121 % per signal (edge-test)');
  });

  it('edge when one strategy is tradable, no edge when none is or none was measured, unknown from older hosts', () => {
    expect(edgeMark(view([record, { ...record, strategy: 'ema-cross', tradable: true }]))).toBe('edge');
    expect(edgeMark(view([record]))).toBe('no_edge');
    expect(edgeMark(view([]))).toBe('no_edge');
    expect(edgeMark(view(undefined))).toBe('unknown');
  });

  it('names the overridden and the unmeasured strategies among the agreeing ones', () => {
    const s = view([record]);
    expect(overriddenStrategies(s, ['ema-cross', 'breakout'])).toEqual(['ema-cross']);
    expect(overriddenStrategies(s, [])).toEqual([]);
    expect(unmeasuredStrategies(s)).toEqual(['ema-cross']);
  });
});
