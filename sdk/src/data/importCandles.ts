import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError, isPerpscopeError } from '../core/errors.js';
import type { Store } from '../store/index.js';
import { candleFileKind, readCandleFile } from './readCandleFile.js';
import { OnConflict, repairCandles, type RepairStats } from './repairCandles.js';
import type { CandleFileFormat, ReadCandleFileOptions } from './types.js';

export interface ImportCandlesOptions extends ReadCandleFileOptions {
  onConflict?: OnConflict;
  /** Called after each file, in order, for progress output. */
  onFile?: (result: FileImportResult) => void;
}

export type FileImportResult =
  | {
      file: string;
      status: 'imported';
      format: CandleFileFormat;
      exchange: string;
      symbol: string;
      timeframe: string;
      /** The last row was left out as an unfinished candle. */
      droppedLastRow: boolean;
      /** Open times of the first and last imported candle (null when none survived). */
      firstOpenTimeMs: number | null;
      lastOpenTimeMs: number | null;
      stats: RepairStats;
    }
  | { file: string; status: 'skipped'; reason: string }
  | { file: string; status: 'failed'; error: string };

/** Counts over every file of an import. */
export interface ImportTotals {
  files: number;
  imported: number;
  skipped: number;
  failed: number;
  rowsRead: number;
  candles: number;
  duplicates: number;
  conflicts: number;
  reordered: number;
  gaps: number;
  missingBars: number;
  refused: number;
}

export interface ImportReport {
  files: FileImportResult[];
  totals: ImportTotals;
}

/** The store parts an import writes to. */
export type CandleImportStore = Pick<Store, 'candles' | 'transaction'>;

/**
 * Imports one candle file, or every recognised file under a directory (recursively, in name
 * order), into the candle store. Each file is read, checked and repaired (`repairCandles`) in
 * full before anything is written, then written in one transaction: a failing file leaves the
 * store as it was and the other files still import. A lone file that is not a candle file fails;
 * in a directory it is reported as skipped.
 *
 * @example
 * const report = await importCandles(store, '../shared/data/binance-usdm-2024-10-2025-03');
 * report.totals.candles // candles written
 */
export async function importCandles(store: CandleImportStore, path: string, options: ImportCandlesOptions = {}): Promise<ImportReport> {
  if (!existsSync(path)) throw new InvalidInputError('import path', [{ path: 'path', received: JSON.stringify(path), expected: 'an existing candle file or directory' }]);
  const isDir = statSync(path).isDirectory();
  const files: FileImportResult[] = [];
  const record = (result: FileImportResult) => {
    files.push(result);
    options.onFile?.(result);
  };
  for (const file of isDir ? listFiles(path) : [path]) {
    if (isDir) {
      let kind: Awaited<ReturnType<typeof candleFileKind>>;
      try {
        kind = await candleFileKind(file, options);
      } catch (err) {
        // A dangling link or an unreadable file: reported, and the other files still import.
        if (!(err instanceof Error && 'code' in err)) throw err;
        record({ file, status: 'failed', error: err.message });
        continue;
      }
      if ('skip' in kind) {
        record({ file, status: 'skipped', reason: kind.skip });
        continue;
      }
    }
    record(await importOne(store, file, options));
  }
  return { files, totals: totalsOf(files) };
}

async function importOne(store: CandleImportStore, file: string, options: ImportCandlesOptions): Promise<FileImportResult> {
  try {
    const contents = await readCandleFile(file, options);
    const { candles, stats } = repairCandles(contents, options.onConflict ?? OnConflict.refuse);
    const key = { exchange: contents.exchange, symbol: contents.symbol, timeframe: contents.timeframe };
    store.transaction(() => store.candles.upsertSeries(key, candles));
    return {
      file,
      status: 'imported',
      format: contents.format,
      ...key,
      droppedLastRow: contents.droppedLastRow,
      firstOpenTimeMs: candles[0]?.openTimeMs ?? null,
      lastOpenTimeMs: candles[candles.length - 1]?.openTimeMs ?? null,
      stats,
    };
  } catch (err) {
    if (!isPerpscopeError(err) && !(err instanceof Error && 'code' in err)) throw err;
    return { file, status: 'failed', error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Files under `dir`, depth first in name order. Linked directories are followed (a data folder
 * is often a link), but each real directory is entered once, so a link loop or a link back to an
 * ancestor ends instead of recursing forever.
 */
function listFiles(dir: string, visited = new Set<string>()): string[] {
  const real = realpathSync(dir);
  if (visited.has(real)) return [];
  visited.add(real);
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const full = join(dir, name);
    let isDir = false;
    try {
      isDir = statSync(full).isDirectory();
    } catch {
      // A dangling or self-referencing link has nothing to stat: it stays in the list and is reported as failed.
    }
    if (isDir) out.push(...listFiles(full, visited));
    else out.push(full);
  }
  return out;
}

function totalsOf(files: readonly FileImportResult[]): ImportTotals {
  const t: ImportTotals = { files: files.length, imported: 0, skipped: 0, failed: 0, rowsRead: 0, candles: 0, duplicates: 0, conflicts: 0, reordered: 0, gaps: 0, missingBars: 0, refused: 0 };
  for (const f of files) {
    if (f.status === 'skipped') t.skipped++;
    else if (f.status === 'failed') t.failed++;
    else {
      t.imported++;
      t.rowsRead += f.stats.rowsRead;
      t.candles += f.stats.imported;
      t.duplicates += f.stats.duplicates;
      t.conflicts += f.stats.conflicts;
      t.reordered += f.stats.reordered;
      t.gaps += f.stats.gaps;
      t.missingBars += f.stats.missingBars;
      t.refused += f.stats.refused;
    }
  }
  return t;
}
