import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { barMs } from './timeframes.js';

/** One recorded series: parallel arrays, oldest first, the unfinished last row already dropped. */
export interface BarSeries {
  tfMs: number;
  openMs: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  /** Decimals seen in prices and volumes, to rebuild tick and lot sizes. */
  priceDecimals: number;
  volumeDecimals: number;
}

/** Series per exchange symbol (e.g. `BTCUSDT`), per bar length. */
export type RecordedSet = Map<string, Map<number, BarSeries>>;

/** `<SYM>_<tf>.csv`, the recorded sets' per-symbol file. */
export const RECORDED_FILE_WITH_TF = /^([A-Z0-9]+)_(\d+[mhdw])\.csv$/;
/** `<SYM>.csv` inside a `<tf>/` folder. */
export const RECORDED_FILE_PLAIN = /^([A-Z0-9]+)\.csv$/;
/** Header names a recorded set uses for the bar's open time. */
export const RECORDED_TIME_COLUMNS: readonly string[] = ['time', 'timestamp', 'open_time', 'date'];

/**
 * Loads every OHLCV CSV under `dir` in the layouts of the shared data sets: `<SYM>_<tf>.csv` in
 * `dir` or `dir/data`, or `dir[/data]/<tf>/<SYM>.csv`. Only USDT-quoted symbols are kept. The last
 * row of each file is an unfinished candle and is dropped.
 */
export function loadRecordedDir(dir: string): RecordedSet {
  if (!existsSync(dir)) throw new Error(`replay directory "${dir}" does not exist: expected a folder of OHLCV CSV files`);
  const set: RecordedSet = new Map();
  const roots = [dir, join(dir, 'data')].filter((d) => existsSync(d) && statSync(d).isDirectory());
  for (const root of roots) {
    for (const name of readdirSync(root)) {
      const full = join(root, name);
      const withTf = RECORDED_FILE_WITH_TF.exec(name);
      if (withTf) {
        addFile(set, withTf[1]!, withTf[2]!, full);
        continue;
      }
      if (barMs(name) !== null && statSync(full).isDirectory()) {
        for (const inner of readdirSync(full)) {
          const plain = RECORDED_FILE_PLAIN.exec(inner);
          if (plain) addFile(set, plain[1]!, name, join(full, inner));
        }
      }
    }
  }
  if (set.size === 0) throw new Error(`replay directory "${dir}" holds no OHLCV CSV files: expected <SYM>_<tf>.csv or <tf>/<SYM>.csv`);
  return set;
}

function addFile(set: RecordedSet, exchangeSymbol: string, tf: string, path: string): void {
  const tfMs = barMs(tf);
  if (tfMs === null || !exchangeSymbol.endsWith('USDT') || exchangeSymbol === 'USDT') return;
  const series = parseRecordedCsv(readFileSync(path, 'utf8'), tfMs, path);
  if (series.openMs.length === 0) return;
  let bySymbol = set.get(exchangeSymbol);
  if (!bySymbol) {
    bySymbol = new Map();
    set.set(exchangeSymbol, bySymbol);
  }
  bySymbol.set(tfMs, series);
}

/**
 * One recorded OHLCV CSV as columns: the header names the columns, the last row (an unfinished
 * candle) is dropped, unreadable rows and rows out of time order are skipped. Everything that shows
 * recorded bars reads them here, so a chart never shows other bars than the replay traded.
 */
export function parseRecordedCsv(text: string, tfMs: number, path: string): BarSeries {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  const col = (names: string[]): number => header.findIndex((h) => names.includes(h));
  const iTime = col([...RECORDED_TIME_COLUMNS]);
  const iO = col(['open']);
  const iH = col(['high']);
  const iL = col(['low']);
  const iC = col(['close']);
  const iV = col(['volume']);
  if ([iTime, iO, iH, iL, iC, iV].some((i) => i < 0)) {
    throw new Error(`${path}: header "${lines[0] ?? ''}" lacks one of time,open,high,low,close,volume`);
  }
  // Drop the header and the last row (an unfinished candle).
  const rows = lines.slice(1, -1);
  const n = rows.length;
  const s: BarSeries = {
    tfMs,
    openMs: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
    priceDecimals: 0,
    volumeDecimals: 0,
  };
  let kept = 0;
  for (const row of rows) {
    const f = row.split(',');
    const t = parseRecordedTimeMs(f[iTime] ?? '');
    const o = Number(f[iO]);
    const h = Number(f[iH]);
    const l = Number(f[iL]);
    const c = Number(f[iC]);
    const v = Number(f[iV]);
    if (!Number.isFinite(t) || ![o, h, l, c, v].every(Number.isFinite) || o <= 0 || c <= 0) continue;
    if (kept > 0 && t <= s.openMs[kept - 1]!) continue;
    s.openMs[kept] = t;
    s.open[kept] = o;
    s.high[kept] = h;
    s.low[kept] = l;
    s.close[kept] = c;
    s.volume[kept] = v;
    if (kept < 200) {
      s.priceDecimals = Math.max(s.priceDecimals, decimals(f[iO]), decimals(f[iC]), decimals(f[iH]), decimals(f[iL]));
      s.volumeDecimals = Math.max(s.volumeDecimals, decimals(f[iV]));
    }
    kept++;
  }
  if (kept < n) {
    for (const k of ['openMs', 'open', 'high', 'low', 'close', 'volume'] as const) s[k] = s[k].slice(0, kept);
  }
  return s;
}

/**
 * Open time in ms from a recorded cell: integers in s, ms or µs (told apart by magnitude: µs from
 * 1e14, s below 1e11), or a UTC date/time (`2025-01-01 13:00:00`, ISO, with or without zone).
 * NaN when the cell is none of these.
 */
export function parseRecordedTimeMs(raw: string): number {
  const text = raw.trim();
  if (/^\d+(\.\d+)?$/.test(text)) {
    const n = Number(text);
    if (n > 1e14) return Math.floor(n / 1000);
    if (n < 1e11) return n * 1000;
    return n;
  }
  return Date.parse(`${text.replace(' ', 'T')}${/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? '' : 'Z'}`);
}

/**
 * Decimal places a number is written with, scientific notation included: `2.32e-05` has 7
 * (0.0000232), `1.5E3` has 0.
 */
export function decimals(raw: string | undefined): number {
  if (!raw) return 0;
  const text = raw.trim();
  const m = /^[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return 0;
  const frac = (m[2] ?? '').replace(/0+$/, '').length;
  const exp = m[3] ? Number(m[3]) : 0;
  return Math.max(0, frac - exp);
}
