import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FieldIssue } from '../../core/errors.js';
import { DataFileError, FileIssues } from '../candleFileError.js';
import { csvLines, EARLIEST_MS, LATEST_MS, NUMBER_EXPECTED } from '../cells.js';

const TIME_EXPECTED = 'a time in ms (or s, µs) since 1970, within 2000..2100';

/** A funding or open-interest file that cannot be read as it is; each issue names line, column, value and expectation. */
export class DerivativesFileError extends DataFileError {
  override readonly name: string = 'DerivativesFileError';
  constructor(file: string, issues: readonly FieldIssue[], issueCount: number = issues.length) {
    super('derivatives file', file, issues, issueCount);
  }
}

/** One recorded funding settlement: the rate per interval settled at `timeMs`. */
export interface RecordedFunding {
  timeMs: number;
  rate: number;
}

/** One recorded open-interest point: base units (and USD value) at `timeMs`. */
export interface RecordedOpenInterest {
  timeMs: number;
  amountBase: number;
  valueUsd: number;
}

interface Column {
  /** Header names accepted, lower case. */
  names: readonly string[];
  /** What a cell must hold. */
  kind: 'time' | 'number' | 'nonNegative';
}

function readTable<K extends string>(file: string, columns: Record<K, Column>): Record<K, number>[] {
  const rows = csvLines(readFileSync(file, 'utf8'));
  const issues = new FileIssues(file, 'line', (f, i, n) => new DerivativesFileError(f, i, n));
  const header = rows[0];
  if (!header) throw issues.fatal('line 1 (header)', '""', `a header naming ${Object.keys(columns).join(', ')}`);
  const names = header.cells.map((c) => c.toLowerCase());
  const at = {} as Record<K, number>;
  for (const key of Object.keys(columns) as K[]) {
    const i = names.findIndex((n) => columns[key].names.includes(n));
    if (i < 0) issues.add(`line ${header.line} (header)`, JSON.stringify(header.cells.join(',')), `a column named ${columns[key].names.join(' or ')}`);
    else at[key] = i;
  }
  issues.throwIfAny();
  const out: Record<K, number>[] = [];
  for (const { line, cells } of rows.slice(1)) {
    const row = {} as Record<K, number>;
    let ok = true;
    for (const key of Object.keys(columns) as K[]) {
      const raw = cells[at[key]] ?? '';
      const { kind } = columns[key];
      let v = raw === '' ? Number.NaN : Number(raw);
      // Seconds and microseconds are unit slips we can undo; anything else outside 2000..2100 is wrong.
      if (kind === 'time' && Number.isFinite(v)) v = v < 1e11 ? v * 1000 : v > 1e14 ? Math.floor(v / 1000) : v;
      const good = kind === 'time' ? Number.isFinite(v) && v >= EARLIEST_MS && v < LATEST_MS : kind === 'nonNegative' ? Number.isFinite(v) && v >= 0 : Number.isFinite(v);
      if (!good) {
        ok = false;
        const expected = kind === 'time' ? TIME_EXPECTED : kind === 'nonNegative' ? 'a finite number >= 0' : NUMBER_EXPECTED;
        issues.add(`line ${line}, column ${at[key] + 1} (${header.cells[at[key]]})`, JSON.stringify(raw), expected);
      }
      row[key] = v;
    }
    if (ok) out.push(row);
  }
  issues.throwIfAny();
  return out;
}

/** Sorted by time, one row per time (the last one read wins). */
function byTime<T extends { timeMs: number }>(rows: T[]): T[] {
  rows.sort((a, b) => a.timeMs - b.timeMs);
  return rows.filter((r, i) => i === rows.length - 1 || rows[i + 1]!.timeMs !== r.timeMs);
}

/**
 * Reads a recorded funding file (`timestamp,symbol,funding_rate`, times in ms; Binance stamps
 * settlements a few ms late, kept as they are). A bad row fails the whole file with a
 * `DerivativesFileError` naming each line, column, value and what was expected.
 */
export function readFundingCsv(file: string): RecordedFunding[] {
  const rows = readTable(file, {
    timeMs: { names: ['timestamp', 'time', 'funding_time', 'fundingtime'], kind: 'time' },
    rate: { names: ['funding_rate', 'rate', 'fundingrate'], kind: 'number' },
  });
  return byTime(rows.map((r) => ({ timeMs: r.timeMs, rate: r.rate })));
}

/**
 * Reads a recorded open-interest file (`timestamp,symbol,sum_open_interest,sum_open_interest_value`,
 * Binance's `openInterestHist`: base units and USD at each period's timestamp).
 */
export function readOpenInterestCsv(file: string): RecordedOpenInterest[] {
  const rows = readTable(file, {
    timeMs: { names: ['timestamp', 'time'], kind: 'time' },
    amountBase: { names: ['sum_open_interest', 'open_interest', 'amount_base'], kind: 'nonNegative' },
    valueUsd: { names: ['sum_open_interest_value', 'open_interest_value', 'value_usd'], kind: 'nonNegative' },
  });
  return byTime(rows.map((r) => ({ timeMs: r.timeMs, amountBase: r.amountBase, valueUsd: r.valueUsd })));
}

/**
 * Where a recorded set keeps a symbol's funding and OI next to its candles: `<dir>/funding/<SYM>.csv`
 * or `<dir>/data/funding/<SYM>.csv`, and the finest of `oi_1h/`, `oi_4h/`, `oi_1d/` likewise.
 * Undefined for a part with no file.
 */
export function derivativesFilesFor(dir: string, exchangeSymbol: string): { funding?: string; openInterest?: string } {
  const find = (sub: string) => [join(dir, sub, `${exchangeSymbol}.csv`), join(dir, 'data', sub, `${exchangeSymbol}.csv`)].find((f) => existsSync(f));
  const funding = find('funding');
  const openInterest = find('oi_1h') ?? find('oi_4h') ?? find('oi_1d');
  return { ...(funding ? { funding } : {}), ...(openInterest ? { openInterest } : {}) };
}
