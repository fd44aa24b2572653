import type { RankingRowView, RankingSideView } from '@perpscope/shared';

/**
 * Why a row has its score and bias, from what the row carries: the profile's edges (robust
 * z-scores across the universe), the cost and manipulation penalties, and the book and other
 * inputs the radar had. Score = sum of weight x edge - cost penalty - manipulation penalty.
 */

/** Edge name -> profile weight key and the words a trader reads. */
const EDGES: Record<string, { weight: string; label: string; what: string }> = {
  liquidityEdge: { weight: 'liquidity', label: 'Liquidity', what: 'volume and depth vs the median' },
  momentumEdge: { weight: 'momentum', label: 'Momentum', what: 'risk-adjusted trend strength' },
  volatilityEdge: { weight: 'volatility', label: 'Volatility', what: 'movement per bar (ATR%)' },
  microstructureEdge: { weight: 'microstructure', label: 'Microstructure', what: 'orderly flow and depth per bar' },
  anomalyResidual: { weight: 'anomaly', label: 'Anomaly', what: 'volume/velocity burst vs peers' },
  carryEdge: { weight: 'carry', label: 'Carry', what: 'funding received on the row\'s side' },
};

export interface ExplainLine {
  key: string;
  label: string;
  what: string;
  /** The edge's z-score, or the penalty (positive; it is subtracted). */
  value: number;
  /** weight x edge, or -penalty; null when the profile's weight is unknown. */
  contribution: number | null;
  penalty: boolean;
}

/**
 * One line per component, largest contribution (or edge, without weights) first, penalties last.
 * `weights` are the active profile's; without them the contributions stay unknown.
 */
export function explainScore(components: Readonly<Record<string, number>>, weights?: Readonly<Record<string, number>> | null): ExplainLine[] {
  const edges: ExplainLine[] = [];
  const penalties: ExplainLine[] = [];
  for (const [key, value] of Object.entries(components)) {
    if (key === 'costPenalty' || key === 'manipPenalty') {
      penalties.push({ key, label: key === 'costPenalty' ? 'Trading cost' : 'Manipulation risk', what: key === 'costPenalty' ? 'round-trip cost vs ATR' : 'manipulation score penalty', value, contribution: -value, penalty: true });
      continue;
    }
    const e = EDGES[key];
    const w = e && weights ? weights[e.weight] : undefined;
    edges.push({
      key,
      label: e?.label ?? key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase()),
      what: e?.what ?? '',
      value,
      contribution: w !== undefined && Number.isFinite(w) ? w * value : null,
      penalty: false,
    });
  }
  const size = (l: ExplainLine) => Math.abs(l.contribution ?? l.value);
  edges.sort((a, b) => size(b) - size(a) || a.key.localeCompare(b.key));
  penalties.sort((a, b) => a.key.localeCompare(b.key));
  return [...edges, ...penalties];
}

/** The bias of a row in words, under the snapshot's side rule. */
export function explainBias(bias: RankingRowView['bias'], side: RankingSideView | null): string {
  if (bias === 'neutral') return 'Flat: no trend to follow or fade, so no side.';
  const dir = bias === 'long' ? 'LONG' : 'SHORT';
  if (side?.basis === 'reversal') return `${dir}: fades the trend (the profile's side rule is reversal, chosen from recorded history).`;
  return `${dir}: follows the trend's direction (momentum side rule).`;
}

/** Short badge text and a sentence for the book behind a row's book figures and flags. */
export function bookText(book: RankingRowView['book']): { badge: string; title: string } {
  switch (book) {
    case 'exchange':
      return { badge: 'live', title: 'book: live exchange order book (feeds depth, spread, slippage and the book-based flags)' };
    case 'synthetic':
      return { badge: 'synthetic', title: 'book: synthetic (invented by the demo sim); scored here, but it is not a real market' };
    case 'none':
      return { badge: 'none', title: 'book: none (no order book, or a replay\'s invented one, not scored): no book-based flag, depth, spread or slippage' };
    default:
      return { badge: '?', title: 'book: provenance not reported by this host' };
  }
}

/** The radar's other inputs in words; empty when the host does not report them. */
export function inputsText(inputs: RankingRowView['inputs']): string[] {
  if (!inputs) return [];
  return [
    `funding: ${inputs.funding === 'history' ? 'settled history' : inputs.funding === 'current' ? 'current rate only (no funding divergence check)' : 'none'}`,
    `open interest: ${inputs.openInterest === 'history' ? 'history per bar' : 'none (no OI divergence check)'}`,
    `listing age: ${inputs.listing === 'exchange' ? 'from the exchange' : 'unknown (no fresh-listing check)'}`,
  ];
}
