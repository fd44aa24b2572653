import { RECORDED_TIME_COLUMNS } from '../../sim/replayFiles.js';
import type { FileIssues } from '../candleFileError.js';
import { csvLines, numberCell, timeCell } from '../cells.js';
import type { ColumnMap, SourcedCandle } from '../types.js';

/** Header names tried for each field when no mapping names it. */
const DEFAULT_NAMES: Readonly<Record<keyof ColumnMap, readonly string[]>> = {
  time: [...RECORDED_TIME_COLUMNS, 'datetime', 'ts'],
  open: ['open', 'o'],
  high: ['high', 'h'],
  low: ['low', 'l'],
  close: ['close', 'c'],
  volume: ['volume', 'vol', 'v'],
};
const FIELDS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;

/** Column index per field, or the fields the header lacks. */
export function resolveColumns(header: readonly string[], map: Partial<ColumnMap> = {}): { columns: Record<keyof ColumnMap, number> } | { missing: string[] } {
  const names = header.map((h) => h.trim().toLowerCase());
  const columns = {} as Record<keyof ColumnMap, number>;
  const missing: string[] = [];
  for (const field of FIELDS) {
    const wanted = map[field] !== undefined ? [map[field].toLowerCase()] : DEFAULT_NAMES[field];
    const at = names.findIndex((n) => wanted.includes(n));
    if (at < 0) missing.push(map[field] !== undefined ? `${field}=${map[field]}` : field);
    else columns[field] = at;
  }
  return missing.length ? { missing } : { columns };
}

/**
 * Parses a CSV whose header names the open time and OHLCV columns: the recorded sets
 * (`time,open,high,low,close,volume` in UTC date-times; `timestamp,...,quote_volume,trades,close_time`
 * in ms; Bybit's `...,turnover`; `open_time` in µs) or any layout through `map`. Times may be s,
 * ms, µs or UTC date-times.
 */
export function parseOhlcvCsv(text: string, issues: FileIssues, map: Partial<ColumnMap> = {}): SourcedCandle[] {
  const rows = csvLines(text);
  const header = rows[0];
  if (!header) return [];
  const resolved = resolveColumns(header.cells, map);
  if ('missing' in resolved) {
    throw issues.fatal(`line ${header.line} (header)`, JSON.stringify(header.cells.join(',')), `columns for ${resolved.missing.join(', ')} (name them with --map, e.g. --map time=ts,open=o,high=h,low=l,close=c,volume=v)`);
  }
  const { columns } = resolved;
  const names = header.cells;
  const width = Math.max(...Object.values(columns)) + 1;
  const out: SourcedCandle[] = [];
  for (let r = 1; r < rows.length; r++) {
    const { line, cells } = rows[r]!;
    if (cells.length < width) {
      issues.add(`line ${line}`, `${cells.length} columns (${JSON.stringify(cells.join(','))})`, `at least ${width} columns as in the header (${names.join(',')})`);
      continue;
    }
    const cell = (field: (typeof FIELDS)[number]) => cells[columns[field]];
    const at = (field: (typeof FIELDS)[number]) => columns[field] + 1;
    const openTimeMs = timeCell(issues, cell('time'), line, at('time'), names[columns.time]!);
    const num = (field: Exclude<(typeof FIELDS)[number], 'time'>) => numberCell(issues, cell(field), line, at(field), names[columns[field]]!);
    out.push({ line, openTimeMs, open: num('open'), high: num('high'), low: num('low'), close: num('close'), volume: num('volume') });
  }
  return out;
}
