import { describe, expect, it } from 'vitest';
import type { RankingSideView } from '@perpscope/shared';
import { rankingSideText } from '../../src/renderer/lib/rankingSide.js';

const fitted: RankingSideView = {
  basis: 'reversal',
  horizonBars: 4,
  timeframe: '1h',
  evidence: [
    { sample: 'set A, walk-forward', windows: 746, ic: 0.0191, t: 2.74, bestBaseline: '24h reversal', bestBaselineIc: 0.0317 },
    { sample: 'set B', windows: 100, ic: 0.07, t: 5.1, bestBaseline: '24h reversal', bestBaselineIc: 0.0623 },
  ],
};

describe('renderer: the rankings side rule in words', () => {
  it('names the side and every out-of-sample figure, and says when the baseline did better', () => {
    const { label, title } = rankingSideText(fitted);
    expect(label).toBe('Side: against the trend');
    expect(title.split('\n')).toEqual([
      'Side: against the trend, chosen from recorded history. Out of sample, score vs side-signed return over 4 x 1h:',
      'set A, walk-forward: rank IC +0.0191 (t +2.74, 746 windows); 24h reversal +0.0317',
      'set B: rank IC +0.0700 (t +5.10, 100 windows); 24h reversal +0.0623',
      'Above the best naive baseline on 1 of 2 samples: the score is not evidence of an edge.',
    ]);
  });

  it('momentum without evidence says the side is by construction, not measured', () => {
    const { label, title } = rankingSideText({ basis: 'momentum', horizonBars: null, timeframe: null, evidence: [] });
    expect(label).toBe('Side: with the trend');
    expect(title).toMatch(/No out-of-sample evidence/);
    const all = rankingSideText({ ...fitted, evidence: [fitted.evidence[1]!] });
    expect(all.title).toMatch(/Above the best naive baseline on every sample\.$/);
  });
});
