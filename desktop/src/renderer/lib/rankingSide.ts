import type { RankingSideView } from '@perpscope/shared';

const signed = (x: number | null, digits: number): string => (x === null ? 'n/a' : `${x > 0 ? '+' : ''}${x.toFixed(digits)}`);

/**
 * The rankings' side rule in words: a short label for the toolbar and a tooltip with every
 * out-of-sample figure behind it, so a trader reads the side as the evidence allows.
 */
export function rankingSideText(side: RankingSideView): { label: string; title: string } {
  const label = side.basis === 'reversal' ? 'Side: against the trend' : 'Side: with the trend';
  if (side.evidence.length === 0) {
    return { label, title: `${label}. No out-of-sample evidence for this profile's side: the side follows the momentum by construction.` };
  }
  const horizon = side.horizonBars !== null && side.timeframe !== null ? `${side.horizonBars} x ${side.timeframe}` : 'the fitted horizon';
  const lines = side.evidence.map(
    (e) => `${e.sample}: rank IC ${signed(e.ic, 4)} (t ${signed(e.t, 2)}, ${e.windows} windows); ${e.bestBaseline} ${signed(e.bestBaselineIc, 4)}`,
  );
  const beaten = side.evidence.filter((e) => e.ic !== null && e.bestBaselineIc !== null && e.ic > e.bestBaselineIc).length;
  const verdict =
    beaten === side.evidence.length
      ? 'Above the best naive baseline on every sample.'
      : `Above the best naive baseline on ${beaten} of ${side.evidence.length} samples: the score is not evidence of an edge.`;
  return { label, title: [`${label}, chosen from recorded history. Out of sample, score vs side-signed return over ${horizon}:`, ...lines, verdict].join('\n') };
}
