import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Columns of a fixture CSV keyed by header; `open_time` is in microseconds in these files. */
export type Columns = Record<string, number[]>;

export function readCsv(path: string): Columns {
  const lines = readFileSync(path, 'utf8').trim().split(/\r?\n/);
  const header = (lines[0] ?? '').split(',');
  const cols: Columns = Object.fromEntries(header.map((h) => [h, [] as number[]]));
  for (const line of lines.slice(1)) {
    const cells = line.split(',');
    header.forEach((h, j) => cols[h]!.push(Number(cells[j])));
  }
  return cols;
}

/** OHLCV bars of the talipp fixture (all 744 rows: the month is complete). */
export interface Ohlcv {
  openTimeMs: number[];
  open: number[];
  high: number[];
  low: number[];
  close: number[];
  volume: number[];
}

export function readFixtureBars(dir: string): Ohlcv {
  const c = readCsv(join(dir, 'btcusdt-1h.csv'));
  return {
    openTimeMs: c.open_time!.map((us) => us / 1000),
    open: c.open!,
    high: c.high!,
    low: c.low!,
    close: c.close!,
    volume: c.volume!,
  };
}
