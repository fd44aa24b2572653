import type { UniverseMember } from '../../market/index.js';
import type { RankingRow } from '../../ranking/index.js';
import type { Signal } from '../../signals/index.js';
import { fmtNum, fmtPrice, fmtUsd, type Column } from '../render/table.js';

/** One line of `perpscope scan --json`: identity, universe figures, ranking, radar and signals. */
export interface ScanRow {
  rank: number;
  symbol: string;
  /** Rank by 24h quote volume in the universe. */
  volumeRank: number;
  quoteVolume24h: number;
  last: number;
  spreadBps: number | null;
  score: number;
  side: string;
  manipScore: number;
  /** Provenance of the book behind the row (`none`: no book figure or book flag was computed). */
  book: RankingRow['book'];
  flags: RankingRow['flags'];
  costPenalty: number;
  manipPenalty: number;
  metrics: RankingRow['metrics'];
  edges: RankingRow['edges'];
  signals: ScanSignal[];
}

export interface ScanSignal {
  id: string;
  timeframe: string;
  side: string;
  score: number;
  /** False: `probability` and `expectedValue` are the score's heuristic mapping, not fitted. */
  calibrated: boolean;
  probability: number;
  expectedValue: number;
  closeTimeMs: number;
  components: string[];
  tags: string[];
  entry: number;
  stop: number;
  takeProfit: number;
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

function scanSignal(s: Signal): ScanSignal {
  return {
    id: s.id,
    timeframe: s.timeframe,
    side: s.side,
    score: s.score,
    calibrated: s.calibrated,
    probability: s.probability,
    expectedValue: s.expectedValue,
    closeTimeMs: s.closeTimeMs,
    components: s.components.map((c) => c.id),
    tags: s.tags,
    entry: s.levels.entry,
    stop: s.levels.stop,
    takeProfit: s.levels.takeProfit,
  };
}

/** Joins ranking rows with universe figures and the signals of the same symbol. */
export function buildScanRows(rows: readonly RankingRow[], universe: readonly UniverseMember[], signals: readonly Signal[]): ScanRow[] {
  const members = new Map(universe.map((m) => [m.symbol, m]));
  const bySymbol = new Map<string, Signal[]>();
  for (const s of signals) {
    const list = bySymbol.get(s.symbol) ?? [];
    list.push(s);
    bySymbol.set(s.symbol, list);
  }
  return rows.map((row) => {
    const m = members.get(row.symbol);
    // Without a usable book the ticker's touch is not shown either: in a replay it is invented too.
    const spread = Number.isFinite(row.metrics.spreadBps) ? row.metrics.spreadBps : row.book === 'none' ? NaN : (m?.spreadBps ?? NaN);
    return {
      rank: row.rank,
      symbol: row.symbol,
      volumeRank: m?.rank ?? 0,
      quoteVolume24h: m?.quoteVolume24h ?? row.metrics.quoteVolume24hUsd,
      last: m?.last ?? NaN,
      spreadBps: finiteOrNull(spread),
      score: row.score,
      side: row.side,
      manipScore: row.manipScore,
      book: row.book,
      flags: row.flags,
      costPenalty: row.costPenalty,
      manipPenalty: row.manipPenalty,
      metrics: row.metrics,
      edges: row.edges,
      signals: (bySymbol.get(row.symbol) ?? []).map(scanSignal),
    };
  });
}

/** JSON without NaN: JSON.stringify would print `null` anyway; say so explicitly per field. */
export function scanRowJson(row: ScanRow | Record<string, unknown>): string {
  return JSON.stringify(row, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
}

/** Terminal badge for a manipulation score. */
export function manipBadge(score: number, flags: readonly { name: string }[]): string {
  const level = score >= 60 ? 'HIGH' : score >= 30 ? 'med' : 'low';
  const names = flags.map((f) => f.name.replace(/_/g, ' ')).join(', ');
  return names ? `${level} ${score.toFixed(0)} (${names})` : `${level} ${score.toFixed(0)}`;
}

/** The scan table's columns; `lead` columns (a multi-venue scan's venue) go after the rank. */
export function scanTableColumns<R extends ScanRow>(lead: readonly Column<R>[] = []): Column<R>[] {
  return [
    { header: '#', cell: (r) => String(r.rank) },
    ...lead,
    { header: 'symbol', align: 'left', cell: (r) => r.symbol },
    { header: 'score', cell: (r) => fmtNum(r.score, 2) },
    { header: 'bias', align: 'left', cell: (r) => r.side },
    { header: 'last', cell: (r) => fmtPrice(r.last) },
    { header: 'vol 24h $', cell: (r) => fmtUsd(r.quoteVolume24h), drop: 2 },
    { header: 'spread bps', cell: (r) => fmtNum(r.spreadBps ?? undefined, 1), drop: 3 },
    { header: 'book', align: 'left', cell: (r) => r.book, drop: 5 },
    { header: 'ATR %', cell: (r) => fmtNum(r.metrics.atrPct, 2), drop: 1 },
    { header: 'manipulation', align: 'left', cell: (r) => manipBadge(r.manipScore, r.flags), flex: true },
    { header: 'signals', align: 'left', cell: (r) => r.signals.map((s) => `${s.timeframe} ${s.side} ${s.score.toFixed(2)}`).join('; ') || '-', drop: 4 },
  ];
}
