import type { MethodParams, RankingRowView, RankingSnapshotView } from '@perpscope/shared';

type Query = MethodParams<'rankings.query'>;
type SortKey = NonNullable<Query['sortBy']>;

/** Default sort direction per column: best first. */
const DEFAULT_DIR: Record<SortKey, 'asc' | 'desc'> = {
  rank: 'asc',
  score: 'desc',
  symbol: 'asc',
  change24hPct: 'desc',
  quoteVolume24hUsd: 'desc',
  spreadBps: 'asc',
  atrPct: 'desc',
  fundingRate: 'desc',
  manipScore: 'asc',
};

function compare(a: RankingRowView, b: RankingRowView, key: SortKey): number {
  if (key === 'symbol') return a.symbol.localeCompare(b.symbol);
  const x = a[key];
  const y = b[key];
  // Missing figures sort last whatever the direction, so they never crowd the top of a table.
  if (x === null || y === null) return x === y ? 0 : x === null ? Infinity : -Infinity;
  return x - y;
}

/**
 * Applies a `rankings.query` to a full snapshot: filters (search, watchlist, volume, manipulation),
 * sorts and pages. `total` counts rows after filtering, before paging. Pure.
 */
export function queryRanking(snapshot: RankingSnapshotView, query: Query, watchlistSymbols: ReadonlySet<string> | null): RankingSnapshotView {
  const search = query.search?.trim().toUpperCase() ?? '';
  const rows = snapshot.rows.filter(
    (r) =>
      (search === '' || r.symbol.toUpperCase().includes(search)) &&
      (watchlistSymbols === null || watchlistSymbols.has(r.symbol)) &&
      (query.minQuoteVolumeUsd === undefined || (r.quoteVolume24hUsd ?? 0) >= query.minQuoteVolumeUsd) &&
      (query.maxManipScore === undefined || (r.manipScore ?? 0) <= query.maxManipScore),
  );
  const key = query.sortBy ?? 'rank';
  const sign = (query.sortDir ?? DEFAULT_DIR[key]) === 'asc' ? 1 : -1;
  rows.sort((a, b) => {
    const c = compare(a, b, key);
    if (!Number.isFinite(c)) return c > 0 ? 1 : -1;
    return sign * c || a.rank - b.rank;
  });
  const offset = query.offset ?? 0;
  const limit = query.limit ?? rows.length;
  return { asOfMs: snapshot.asOfMs, profile: snapshot.profile, side: snapshot.side, total: rows.length, rows: rows.slice(offset, offset + limit) };
}
