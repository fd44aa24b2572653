import type { SymbolMetrics } from './metrics.js';
import { robustZ } from './robust.js';

/** Cross-sectional edges of one symbol in one cycle: robust z-scores against its peers. */
export interface Edges {
  /** Deeper and more traded than the median (log 24h quote volume, log depth within 50 bps). */
  liquidityEdge: number;
  /** Stronger risk-adjusted trend, either direction (|momentumScore|). */
  momentumEdge: number;
  /** More movement per bar (log ATR%). */
  volatilityEdge: number;
  /** More orderly flow: lower |imbalance|, volume shock and velocity, more depth per bar of volume. */
  microstructureEdge: number;
  /** Anomaly pressure relative to peers (volume burst, velocity, volatility jump): market-wide moves cancel out. */
  anomalyResidual: number;
  /** Funding received by a position on the side of the momentum (funding paid counts negative). */
  carryEdge: number;
}

/** Sign of the momentum: +1 long bias, -1 short bias, 0 none. */
export function sideSign(m: SymbolMetrics): -1 | 0 | 1 {
  return m.momentumScore > 0 ? 1 : m.momentumScore < 0 ? -1 : 0;
}

const safeLog = (x: number): number => (x > 0 ? Math.log(x) : Number.NaN);

function meanOfFinite(a: number, b: number): number {
  const fa = Number.isFinite(a);
  const fb = Number.isFinite(b);
  return fa && fb ? (a + b) / 2 : fa ? a : fb ? b : 0;
}

/**
 * Computes every edge for a cycle. Each raw factor is z-scored across all `metrics`, so the
 * same symbol can score differently in a different universe; that is the point.
 */
export function computeEdges(metrics: readonly SymbolMetrics[]): Edges[] {
  const n = metrics.length;
  const col = (f: (m: SymbolMetrics) => number): Float64Array => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = f(metrics[i] as SymbolMetrics);
    return out;
  };
  const zQv = robustZ(col((m) => safeLog(m.quoteVolume24hUsd)));
  const zDepth = robustZ(col((m) => safeLog(m.depth50Usd)));
  const zMom = robustZ(col((m) => Math.abs(m.momentumScore)));
  const zVol = robustZ(col((m) => safeLog(m.atrPct)));
  const zNoise = robustZ(
    col((m) => -(Math.abs(m.orderFlowImbalance) + Math.abs(m.volumeZ) / 3 + Math.abs(m.priceVelocity) / 2)),
  );
  const zD2v = robustZ(col((m) => safeLog(m.depthToVolume)));
  const zAnom = robustZ(
    col((m) => Math.max(m.volumeZ, 0) / 3 + Math.abs(m.priceVelocity) + Math.max(m.volRegime - 1, 0)),
  );
  const zCarry = robustZ(
    col((m) => (Number.isFinite(m.fundingAnnualizedPct) ? -sideSign(m) * m.fundingAnnualizedPct : Number.NaN)),
  );
  const hasDepth = metrics.map((m) => Number.isFinite(m.depth50Usd));
  const edges: Edges[] = new Array(n);
  for (let i = 0; i < n; i++) {
    edges[i] = {
      liquidityEdge: hasDepth[i] ? meanOfFinite(zQv[i] as number, zDepth[i] as number) : (zQv[i] as number),
      momentumEdge: zMom[i] as number,
      volatilityEdge: zVol[i] as number,
      microstructureEdge: hasDepth[i] ? meanOfFinite(zNoise[i] as number, zD2v[i] as number) : (zNoise[i] as number),
      anomalyResidual: zAnom[i] as number,
      carryEdge: zCarry[i] as number,
    };
  }
  return edges;
}
