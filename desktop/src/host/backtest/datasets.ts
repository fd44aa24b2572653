import { closeSync, existsSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { TIMEFRAMES, type BacktestDatasetView, type Timeframe } from '@perpscope/shared';
import { parseRecordedTimeMs } from '@perpscope/sdk/data';

/**
 * Finds recorded datasets by file name only (the layouts `perpscope backtest --data` reads:
 * `<SYM>_<tf>.csv` in the directory or its `data/`, or `<tf>/<SYM>.csv` there), so listing a
 * thousand files stays cheap; the replay itself parses them.
 */

const FILE_WITH_TF = /^([A-Z0-9]+)_(\d+[mhd])\.csv$/;
const FILE_PLAIN = /^([A-Z0-9]+)\.csv$/;
const KNOWN_TIMEFRAMES: ReadonlySet<string> = new Set(TIMEFRAMES);

/** One recorded dataset: per timeframe, the file of each exchange symbol (`BTCUSDT`). */
export interface RecordedDataset {
  /** Absolute directory; the id `backtest.start` takes. */
  dir: string;
  name: string;
  files: Map<Timeframe, Map<string, string>>;
}

export interface DatasetScan {
  datasets: RecordedDataset[];
  problems: { dir: string; message: string }[];
}

/** `BTCUSDT` -> `BTC/USDT:USDT`, as the replay names its symbols. */
export function unifiedSymbol(exchangeSymbol: string): string {
  return `${exchangeSymbol.slice(0, -4)}/USDT:USDT`;
}

/** `BTC/USDT:USDT` -> `BTCUSDT`. */
export function exchangeSymbol(unified: string): string {
  return `${unified.split('/')[0]!}USDT`;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function add(files: RecordedDataset['files'], symbol: string, tf: string, path: string): void {
  if (!KNOWN_TIMEFRAMES.has(tf) || !symbol.endsWith('USDT') || symbol === 'USDT') return;
  const timeframe = tf as Timeframe;
  let bySymbol = files.get(timeframe);
  if (!bySymbol) files.set(timeframe, (bySymbol = new Map()));
  bySymbol.set(symbol, path);
}

/** The recorded files directly in `dir` (or its `data/`); empty when it is not a dataset. */
export function datasetFiles(dir: string): RecordedDataset['files'] {
  const files: RecordedDataset['files'] = new Map();
  for (const root of [dir, join(dir, 'data')].filter(isDir)) {
    for (const name of readdirSync(root).sort()) {
      const full = join(root, name);
      const withTf = FILE_WITH_TF.exec(name);
      if (withTf) add(files, withTf[1]!, withTf[2]!, full);
      else if (KNOWN_TIMEFRAMES.has(name) && isDir(full)) {
        for (const inner of readdirSync(full).sort()) {
          const plain = FILE_PLAIN.exec(inner);
          if (plain) add(files, plain[1]!, name, join(full, inner));
        }
      }
    }
  }
  return files;
}

/**
 * The datasets under the configured directories: a directory holding recorded files is one; one
 * that does not contributes each immediate subdirectory that does. A directory that is missing or
 * holds none is reported as a problem, never thrown.
 */
export function scanDatasets(dirs: readonly string[]): DatasetScan {
  const datasets: RecordedDataset[] = [];
  const problems: DatasetScan['problems'] = [];
  const seen = new Set<string>();
  const push = (dir: string, files: RecordedDataset['files']) => {
    if (seen.has(dir)) return;
    seen.add(dir);
    datasets.push({ dir, name: basename(dir), files });
  };
  for (const raw of dirs) {
    const dir = resolve(raw);
    if (!existsSync(dir) || !isDir(dir)) {
      problems.push({ dir, message: 'not a directory' });
      continue;
    }
    try {
      const own = datasetFiles(dir);
      if (own.size > 0) {
        push(dir, own);
        continue;
      }
      let found = 0;
      for (const name of readdirSync(dir).sort()) {
        const sub = join(dir, name);
        if (!isDir(sub)) continue;
        const files = datasetFiles(sub);
        if (files.size === 0) continue;
        push(sub, files);
        found++;
      }
      if (found === 0) problems.push({ dir, message: 'holds no recorded OHLCV files (<SYM>_<tf>.csv or <tf>/<SYM>.csv), nor do its subdirectories' });
    } catch (e) {
      problems.push({ dir, message: e instanceof Error ? e.message : String(e) });
    }
  }
  return { datasets, problems };
}

function readSlice(path: string, fromEnd: boolean, bytes: number): string {
  const fd = openSync(path, 'r');
  try {
    const size = statSync(path).size;
    const length = Math.min(bytes, size);
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, fromEnd ? size - length : 0);
    return buf.toString('utf8');
  } catch {
    return '';
  } finally {
    closeSync(fd);
  }
}

/** First and last finished bar of one file from its head and tail (the last row is unfinished and not replayed). */
function fileSpan(path: string): { first: number; last: number } | null {
  const head = readSlice(path, false, 1024).split(/\r?\n/);
  const tail = readSlice(path, true, 2048).split(/\r?\n/).filter((l) => l.length > 0);
  const header = (head[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  const col = header.findIndex((h) => ['time', 'timestamp', 'open_time', 'date'].includes(h));
  const timeCol = col < 0 ? 0 : col;
  const first = parseRecordedTimeMs((head[1] ?? '').split(',')[timeCol] ?? '');
  const last = parseRecordedTimeMs((tail[tail.length - 2] ?? '').split(',')[timeCol] ?? '');
  return Number.isFinite(first) && Number.isFinite(last) ? { first, last } : null;
}

/** The dataset as the form shows it: timeframes in order, unified symbols, the recorded period. */
export function datasetView(d: RecordedDataset): BacktestDatasetView {
  const timeframes = TIMEFRAMES.filter((tf) => d.files.has(tf)).map((timeframe) => {
    const bySymbol = d.files.get(timeframe)!;
    let firstBarMs: number | null = null;
    let lastBarMs: number | null = null;
    for (const path of bySymbol.values()) {
      const span = fileSpan(path);
      if (!span) continue;
      firstBarMs = firstBarMs === null ? span.first : Math.min(firstBarMs, span.first);
      lastBarMs = lastBarMs === null ? span.last : Math.max(lastBarMs, span.last);
    }
    return { timeframe, symbols: [...bySymbol.keys()].sort().map(unifiedSymbol), firstBarMs, lastBarMs };
  });
  return { id: d.dir, name: d.name, timeframes };
}
