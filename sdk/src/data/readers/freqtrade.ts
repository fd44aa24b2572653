import type { FileIssues } from '../candleFileError.js';
import { NUMBER_EXPECTED, timeCell } from '../cells.js';
import type { SourcedCandle } from '../types.js';

const NAMES = ['date', 'open', 'high', 'low', 'close', 'volume'] as const;
const ROW_EXPECTED = 'an array [timestamp_ms, open, high, low, close, volume]';

/** Parses freqtrade's JSON candles: `[[timestamp_ms, open, high, low, close, volume], ...]`. */
export function parseFreqtradeJson(text: string, issues: FileIssues): SourcedCandle[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw issues.fatal('file', err instanceof Error ? err.message : String(err), `JSON: a list of ${ROW_EXPECTED}`);
  }
  if (!Array.isArray(data)) throw issues.fatal('file', `a JSON ${data === null ? 'null' : typeof data}`, `a JSON list of ${ROW_EXPECTED}`);
  const out: SourcedCandle[] = [];
  for (let i = 0; i < data.length; i++) {
    const row: unknown = data[i];
    const position = i + 1;
    if (!Array.isArray(row) || row.length < NAMES.length) {
      issues.add(`row ${position}`, JSON.stringify(row)?.slice(0, 120) ?? String(row), ROW_EXPECTED);
      continue;
    }
    const openTimeMs = typeof row[0] === 'number' ? timeCell(issues, String(row[0]), position, 1, 'date') : NaN;
    if (typeof row[0] !== 'number') issues.cell(position, 1, 'date', JSON.stringify(row[0]) ?? 'undefined', 'a timestamp in ms');
    const num = (k: number): number => {
      const v: unknown = row[k];
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      issues.cell(position, k + 1, NAMES[k]!, JSON.stringify(v) ?? 'undefined', NUMBER_EXPECTED);
      return NaN;
    };
    out.push({ line: position, openTimeMs, open: num(1), high: num(2), low: num(3), close: num(4), volume: num(5) });
  }
  return out;
}

/** Parses a freqtrade feather file (Arrow IPC) with columns date, open, high, low, close, volume. */
export async function parseFreqtradeFeather(bytes: Uint8Array, issues: FileIssues): Promise<SourcedCandle[]> {
  const { tableFromIPC } = await import('apache-arrow');
  let table: ReturnType<typeof tableFromIPC>;
  try {
    table = tableFromIPC(bytes);
  } catch (err) {
    throw issues.fatal('file', err instanceof Error ? err.message : String(err), 'an Arrow IPC (feather v2) file');
  }
  const present = table.schema.fields.map((f) => f.name);
  const missing = NAMES.filter((n) => !present.includes(n));
  if (missing.length) throw issues.fatal('columns', JSON.stringify(present.join(',')), `columns ${NAMES.join(',')} (missing ${missing.join(',')})`);
  const vectors = NAMES.map((n) => table.getChild(n)!);
  const out: SourcedCandle[] = [];
  for (let i = 0; i < table.numRows; i++) {
    const position = i + 1;
    const values = vectors.map((v, k) => {
      const raw: unknown = v.get(i);
      // Arrow gives timestamps of any unit as ms numbers; int64 columns come as bigint.
      const n = typeof raw === 'bigint' ? Number(raw) : raw instanceof Date ? raw.getTime() : raw;
      if (typeof n === 'number' && Number.isFinite(n)) return n;
      issues.cell(position, k + 1, NAMES[k]!, String(raw), k === 0 ? 'a timestamp' : NUMBER_EXPECTED);
      return NaN;
    });
    const openTimeMs = Number.isFinite(values[0]) ? timeCell(issues, String(values[0]), position, 1, 'date') : NaN;
    out.push({ line: position, openTimeMs, open: values[1]!, high: values[2]!, low: values[3]!, close: values[4]!, volume: values[5]! });
  }
  return out;
}
