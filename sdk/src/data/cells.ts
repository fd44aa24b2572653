import { parseRecordedTimeMs } from '../sim/replayFiles.js';
import type { FileIssues } from './candleFileError.js';

/** Open times outside this range are a unit or format mistake, not history. */
export const EARLIEST_MS = Date.UTC(2000, 0, 1);
export const LATEST_MS = Date.UTC(2100, 0, 1);

export const TIME_EXPECTED = 'a time in ms, s or µs since 1970 (2000..2100), or a UTC date-time like 2025-01-31 13:00:00';
export const NUMBER_EXPECTED = 'a finite number';

/** Splits CSV text into lines (1-based numbers kept), skipping empty ones; a BOM and quotes are removed. */
export function csvLines(text: string): { line: number; cells: string[] }[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const out: { line: number; cells: string[] }[] = [];
  const lines = body.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === '') continue;
    out.push({ line: i + 1, cells: raw.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1')) });
  }
  return out;
}

/** A number cell; NaN (and an issue) when it is not one. */
export function numberCell(issues: FileIssues, raw: string | undefined, position: number, column: number, name: string): number {
  const text = (raw ?? '').trim();
  const n = text === '' ? NaN : Number(text);
  if (!Number.isFinite(n)) issues.cell(position, column, name, raw ?? '', NUMBER_EXPECTED);
  return n;
}

/** An open-time cell in ms (s, ms, µs or a UTC date-time); NaN (and an issue) when it is none. */
export function timeCell(issues: FileIssues, raw: string | undefined, position: number, column: number, name: string): number {
  const t = parseRecordedTimeMs(raw ?? '');
  if (!Number.isFinite(t) || t < EARLIEST_MS || t >= LATEST_MS) {
    issues.cell(position, column, name, raw ?? '', TIME_EXPECTED);
    return NaN;
  }
  return Math.floor(t);
}
