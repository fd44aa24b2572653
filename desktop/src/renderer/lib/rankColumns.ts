/**
 * The rankings table's columns a trader may show or hide. `rank` and `symbol` always show: a row
 * without them cannot be read or acted on. The chosen set is kept as the list of hidden ids, so a
 * column added in a later version shows up by default instead of staying hidden.
 */
export const RANK_COLUMN_IDS = ['rank', 'symbol', 'bias', 'score', 'strength', 'last', 'change24h', 'volume', 'spread', 'atr', 'funding', 'manip', 'book', 'flags', 'venue'] as const;
export type RankColumnId = (typeof RANK_COLUMN_IDS)[number];

export const LOCKED_COLUMNS: ReadonlySet<RankColumnId> = new Set(['rank', 'symbol']);

export const RANK_COLUMN_LABELS: Record<RankColumnId, string> = {
  rank: '#',
  symbol: 'Symbol',
  bias: 'Bias',
  score: 'Score',
  strength: 'Strength',
  last: 'Last price',
  change24h: '24h change',
  volume: 'Volume 24h',
  spread: 'Spread',
  atr: 'ATR%',
  funding: 'Funding 8h',
  manip: 'Manipulation score',
  book: 'Book provenance',
  flags: 'Flags',
  venue: 'Venue (exchange)',
};

const isColumnId = (v: unknown): v is RankColumnId => typeof v === 'string' && (RANK_COLUMN_IDS as readonly string[]).includes(v);

/** Validates a stored hidden-column list: unknown ids are dropped, locked ones never hide. */
export function parseHiddenColumns(raw: unknown): RankColumnId[] {
  if (!Array.isArray(raw)) return [];
  const out: RankColumnId[] = [];
  for (const v of raw) if (isColumnId(v) && !LOCKED_COLUMNS.has(v) && !out.includes(v)) out.push(v);
  return out;
}

/** The hidden list after showing or hiding `id` (locked columns stay shown). */
export function toggleColumn(hidden: readonly RankColumnId[], id: RankColumnId): RankColumnId[] {
  if (LOCKED_COLUMNS.has(id)) return [...hidden];
  return hidden.includes(id) ? hidden.filter((c) => c !== id) : RANK_COLUMN_IDS.filter((c) => c === id || hidden.includes(c));
}
