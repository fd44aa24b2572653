import type { ManipFlag, ManipResult } from '../manipulation/index.js';
import { computeEdges, sideSign, type Edges } from './edges.js';
import type { SnapshotInputs, SymbolMetrics } from './metrics.js';
import { basisSign, type SideBasis } from './orientation.js';
import type { ProfileWeights } from './profiles.js';
import type { RankingQuery } from './query.js';

export type SideBias = 'long' | 'short' | 'flat';

/** One ranked symbol: `score` plus every figure that produced it. */
export interface RankingRow {
  rank: number;
  symbol: string;
  score: number;
  manipScore: number;
  flags: ManipFlag[];
  side: SideBias;
  metrics: SymbolMetrics;
  edges: Edges;
  /** Score taken away by trading costs and by manipulation risk. */
  costPenalty: number;
  manipPenalty: number;
  /** Provenance of the book behind the row's book figures and flags: `none` when none was used. */
  book: SnapshotInputs['book'];
}

export interface RankEntry {
  metrics: SymbolMetrics;
  manip: ManipResult;
}

export interface ScoreParts {
  score: number;
  costPenalty: number;
  manipPenalty: number;
}

/**
 * Score = weighted edges - cost - manipulation penalty. The cost term is non-decreasing in spread
 * and slippage and the penalty in manipScore, and their weights are non-negative, so neither can
 * raise a score. `edges.carryEdge` must be the carry of the side the row is shown on (see
 * `sidedEdges`).
 */
export function scoreParts(edges: Edges, metrics: SymbolMetrics, manipScore: number, w: ProfileWeights, includeCarry: boolean): ScoreParts {
  const gross =
    w.liquidity * edges.liquidityEdge +
    w.momentum * edges.momentumEdge +
    w.volatility * edges.volatilityEdge +
    w.microstructure * edges.microstructureEdge +
    w.anomaly * edges.anomalyResidual +
    (includeCarry ? w.carry * edges.carryEdge : 0);
  const atrBps = Math.max(metrics.atrPct * 100, 1);
  const costPenalty = w.cost * (metrics.roundTripCostBps / atrBps) * 10;
  const manipPenalty = (w.manip * manipScore) / 20;
  return { score: gross - costPenalty - manipPenalty, costPenalty, manipPenalty };
}

function passes(e: RankEntry, q: RankingQuery): boolean {
  const m = e.metrics;
  if (!(m.quoteVolume24hUsd >= q.minQuoteVolume)) return false;
  if (q.maxSpreadBps !== undefined && !(m.spreadBps <= q.maxSpreadBps)) return false;
  if (q.maxManipScore !== undefined && e.manip.manipScore > q.maxManipScore) return false;
  if (q.excludeFlags.length > 0 && e.manip.flags.some((f) => q.excludeFlags.includes(f.name))) return false;
  return true;
}

/**
 * The edges of a row shown on `basis`: `computeEdges` measures carry as funding received on the
 * momentum side, and its robust z-score is odd in the input, so fading the momentum receives the
 * negative. Every other edge is side-free.
 */
export function sidedEdges(edges: Edges, basis: SideBasis): Edges {
  return basis === 'reversal' ? { ...edges, carryEdge: -edges.carryEdge } : edges;
}

const round = (x: number, digits: number): number => {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
};

/**
 * Ranks one cycle: edges over every entry, then filters, score, sort (score desc, symbol asc for
 * ties) and the top `q.top` rows. Each row's side follows its momentum, or fades it under
 * `basis: 'reversal'`.
 */
export function rankEntries(entries: readonly RankEntry[], q: RankingQuery, weights: ProfileWeights, basis: SideBasis = 'momentum'): RankingRow[] {
  const sign = basisSign(basis);
  const edges = computeEdges(entries.map((e) => e.metrics));
  const rows: RankingRow[] = [];
  entries.forEach((e, i) => {
    if (!passes(e, q)) return;
    const edge = sidedEdges(edges[i] as Edges, basis);
    const parts = scoreParts(edge, e.metrics, e.manip.manipScore, weights, q.includeCarry);
    const s = sign * sideSign(e.metrics);
    rows.push({
      rank: 0,
      symbol: e.metrics.symbol,
      score: round(parts.score, 4),
      manipScore: e.manip.manipScore,
      flags: e.manip.flags,
      side: s > 0 ? 'long' : s < 0 ? 'short' : 'flat',
      metrics: e.metrics,
      edges: edge,
      costPenalty: round(parts.costPenalty, 4),
      manipPenalty: round(parts.manipPenalty, 4),
      // Metrics built by hand without inputs: a finite spread can only have come from a book.
      book: e.metrics.inputs?.book ?? (Number.isFinite(e.metrics.spreadBps) ? 'exchange' : 'none'),
    });
  });
  rows.sort((a, b) => b.score - a.score || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  const top = rows.slice(0, q.top);
  top.forEach((r, i) => (r.rank = i + 1));
  return top;
}
