import type { HistoryRowView } from '@perpscope/shared';

/**
 * The trade history as CSV: exactly the rows given, one header line naming each column with its
 * unit, times in UTC ISO 8601, numbers unformatted (full precision, `.` decimal), empty cells for
 * what a row does not have. RFC 4180 quoting, CRLF line ends.
 */

/** Column header, with units, and how a row fills it. */
const COLUMNS: readonly [string, (r: HistoryRowView) => string | number | null][] = [
  ['time_utc', (r) => new Date(r.atMs).toISOString()],
  ['kind', (r) => r.kind],
  ['symbol', (r) => r.symbol],
  ['side', (r) => r.side],
  ['price_usd', (r) => r.price],
  ['amount_base', (r) => r.amountBase],
  ['notional_usd', (r) => r.notionalUsd],
  ['fee_usd', (r) => r.feeUsd],
  ['funding_usd', (r) => r.fundingUsd],
  ['realized_pnl_usd', (r) => r.realizedPnlUsd],
  ['liquidity', (r) => r.liquidity],
  ['source', (r) => r.source],
  ['exit_reason', (r) => r.exitReason],
  ['order_id', (r) => r.orderId],
  ['row_id', (r) => r.id],
];

export const HISTORY_CSV_HEADER = COLUMNS.map(([name]) => name);

function cell(v: string | number | null): string {
  if (v === null) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function historyCsv(rows: readonly HistoryRowView[]): string {
  const lines = [HISTORY_CSV_HEADER.join(',')];
  for (const r of rows) lines.push(COLUMNS.map(([, get]) => cell(get(r))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** A file name for an export made at `atMs`: `perpscope-history-<UTC date and time>.csv`. */
export function historyCsvName(atMs: number): string {
  return `perpscope-history-${new Date(atMs).toISOString().replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z')}.csv`;
}
