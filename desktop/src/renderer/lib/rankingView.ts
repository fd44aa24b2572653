import type { RankingRowView } from '@perpscope/shared';

/** Columns the rankings table sorts by (the same keys `rankings.query` accepts). */
export type RankSortKey = 'rank' | 'score' | 'symbol' | 'exchange' | 'change24hPct' | 'quoteVolume24hUsd' | 'spreadBps' | 'atrPct' | 'fundingRate' | 'manipScore';
export type SortDir = 'asc' | 'desc';

export interface RankFilter {
  /** Case-insensitive substring of the symbol. */
  search: string;
  /** Only these symbols (a watchlist); null = all. */
  symbols: ReadonlySet<string> | null;
  /** Hide rows whose manipScore is above this. */
  maxManipScore: number | null;
  /** Hide rows whose 24h quote volume (USD) is below this, or unknown; null: no floor. */
  minVolumeUsd?: number | null;
  /** Keep rows whose ATR% (percent units) lies in [minAtrPct, maxAtrPct]; unknown ATR fails an active bound. */
  minAtrPct?: number | null;
  maxAtrPct?: number | null;
}

/** True when the row passes the volume and ATR% bounds of `filter` (a missing figure fails an active bound). */
export function passesBounds(r: RankingRowView, filter: RankFilter): boolean {
  const { minVolumeUsd, minAtrPct, maxAtrPct } = filter;
  if (minVolumeUsd != null && !(r.quoteVolume24hUsd != null && r.quoteVolume24hUsd >= minVolumeUsd)) return false;
  if (minAtrPct != null && !(r.atrPct != null && r.atrPct >= minAtrPct)) return false;
  if (maxAtrPct != null && !(r.atrPct != null && r.atrPct <= maxAtrPct)) return false;
  return true;
}

/**
 * Filters and sorts a ranking snapshot in the renderer. The host pushes every row each cycle, so
 * doing this locally keeps a 1 Hz stream to one pass over 500 rows and no extra round trip.
 * Missing values sort last in either direction.
 */
export function viewRows(rows: readonly RankingRowView[], filter: RankFilter, sortKey: RankSortKey, dir: SortDir): RankingRowView[] {
  const q = filter.search.trim().toUpperCase();
  const out = rows.filter(
    (r) =>
      (!q || r.symbol.includes(q)) &&
      (!filter.symbols || filter.symbols.has(r.symbol)) &&
      (filter.maxManipScore == null || r.manipScore == null || r.manipScore <= filter.maxManipScore) &&
      passesBounds(r, filter),
  );
  const sign = dir === 'asc' ? 1 : -1;
  if (sortKey === 'symbol') {
    out.sort((a, b) => sign * a.symbol.localeCompare(b.symbol));
    return out;
  }
  if (sortKey === 'exchange') {
    // By venue, then by rank within it; a row without one sorts last either way.
    out.sort((a, b) => (a.exchange === undefined ? (b.exchange === undefined ? 0 : 1) : b.exchange === undefined ? -1 : sign * a.exchange.localeCompare(b.exchange)) || a.rank - b.rank);
    return out;
  }
  out.sort((a, b) => {
    const x = a[sortKey];
    const y = b[sortKey];
    if (x == null) return y == null ? 0 : 1;
    if (y == null) return -1;
    return sign * (x - y);
  });
  return out;
}
