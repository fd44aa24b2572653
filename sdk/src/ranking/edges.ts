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
 * Raw factors, one robust-z column each, in the order `computeEdges` reads them: log 24h quote
 * volume, log depth, |momentum|, log ATR%, flow noise (negated), log depth-to-volume, anomaly
 * pressure, and funding on the side of the momentum.
 */
const FACTORS: readonly ((m: SymbolMetrics) => number)[] = [
  (m) => safeLog(m.quoteVolume24hUsd),
  (m) => safeLog(m.depth50Usd),
  (m) => Math.abs(m.momentumScore),
  (m) => safeLog(m.atrPct),
  (m) => -(Math.abs(m.orderFlowImbalance) + Math.abs(m.volumeZ) / 3 + Math.abs(m.priceVelocity) / 2),
  (m) => safeLog(m.depthToVolume),
  (m) => Math.max(m.volumeZ, 0) / 3 + Math.abs(m.priceVelocity) + Math.max(m.volRegime - 1, 0),
  (m) => (Number.isFinite(m.fundingAnnualizedPct) ? -sideSign(m) * m.fundingAnnualizedPct : Number.NaN),
];

/**
 * One raw column and the eight z columns, reused across cycles: they never leave `computeEdges`,
 * whose result holds plain numbers, so a cycle allocates only the `Edges` it returns.
 */
let columnBuffer = new Float64Array(0);
let zBuffers: Float64Array[] = [];

/**
 * Computes every edge for a cycle. Each raw factor is z-scored across all `metrics`, so the
 * same symbol can score differently in a different universe; that is the point.
 */
export function computeEdges(metrics: readonly SymbolMetrics[]): Edges[] {
  const n = metrics.length;
  if (zBuffers.length === 0 || columnBuffer.length !== n) {
    columnBuffer = new Float64Array(n);
    zBuffers = FACTORS.map(() => new Float64Array(n));
  }
  const col = columnBuffer;
  FACTORS.forEach((factor, f) => {
    for (let i = 0; i < n; i++) col[i] = factor(metrics[i] as SymbolMetrics);
    robustZ(col, zBuffers[f]);
  });
  const [zQv, zDepth, zMom, zVol, zNoise, zD2v, zAnom, zCarry] = zBuffers as [
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
  ];
  const edges: Edges[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const hasDepth = Number.isFinite((metrics[i] as SymbolMetrics).depth50Usd);
    edges[i] = {
      liquidityEdge: hasDepth ? meanOfFinite(zQv[i] as number, zDepth[i] as number) : (zQv[i] as number),
      momentumEdge: zMom[i] as number,
      volatilityEdge: zVol[i] as number,
      microstructureEdge: hasDepth ? meanOfFinite(zNoise[i] as number, zD2v[i] as number) : (zNoise[i] as number),
      anomalyResidual: zAnom[i] as number,
      carryEdge: zCarry[i] as number,
    };
  }
  return edges;
}
