import type { FileIssues } from '../candleFileError.js';
import { csvLines, numberCell, timeCell } from '../cells.js';
import type { SourcedCandle } from '../types.js';

/** Binance Vision kline columns, in file order. */
export const BINANCE_KLINE_COLUMNS = [
  'open_time',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'close_time',
  'quote_volume',
  'count',
  'taker_buy_volume',
  'taker_buy_quote_volume',
  'ignore',
] as const;

const OHLCV = ['open', 'high', 'low', 'close', 'volume'] as const;

/** True when a first CSV line looks like a Binance Vision kline row or header. */
export function looksLikeBinanceKlines(firstCells: readonly string[]): boolean {
  if (firstCells.length !== BINANCE_KLINE_COLUMNS.length) return false;
  return /^\d+$/.test(firstCells[0] ?? '') || (firstCells[0]?.toLowerCase() === 'open_time' && firstCells[6]?.toLowerCase() === 'close_time');
}

/**
 * Parses a data.binance.vision kline CSV: 12 columns, with or without a header row. Open times are
 * ms, or µs (Binance Vision writes µs from 2025 on): told apart by magnitude.
 */
export function parseBinanceKlines(text: string, issues: FileIssues): SourcedCandle[] {
  const rows = csvLines(text);
  const out: SourcedCandle[] = [];
  let start = 0;
  const first = rows[0];
  if (first && !/^\d+$/.test(first.cells[0] ?? '')) {
    if (first.cells[0]?.toLowerCase() !== 'open_time') {
      throw issues.fatal(`line ${first.line}`, JSON.stringify(first.cells.join(',')), `a Binance kline header (${BINANCE_KLINE_COLUMNS.join(',')}) or a first row of numbers`);
    }
    start = 1;
  }
  for (let r = start; r < rows.length; r++) {
    const { line, cells } = rows[r]!;
    if (cells.length !== BINANCE_KLINE_COLUMNS.length) {
      issues.add(`line ${line}`, `${cells.length} columns (${JSON.stringify(cells.join(','))})`, `${BINANCE_KLINE_COLUMNS.length} columns: ${BINANCE_KLINE_COLUMNS.join(',')}`);
      continue;
    }
    const rawTime = cells[0]!;
    if (!/^\d+$/.test(rawTime)) {
      issues.cell(line, 1, 'open_time', rawTime, 'an integer open time in ms or µs');
      continue;
    }
    const openTimeMs = timeCell(issues, rawTime, line, 1, 'open_time');
    const [open, high, low, close, volume] = OHLCV.map((name, i) => numberCell(issues, cells[i + 1], line, i + 2, name)) as [number, number, number, number, number];
    // The other columns are not stored, but a corrupt one means a corrupt row.
    for (let k = 6; k < BINANCE_KLINE_COLUMNS.length - 1; k++) numberCell(issues, cells[k], line, k + 1, BINANCE_KLINE_COLUMNS[k]!);
    out.push({ line, openTimeMs, open, high, low, close, volume });
  }
  return out;
}
