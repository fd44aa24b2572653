import { importCandles, type FileImportResult, type ImportReport } from '../../data/importCandles.js';
import type { OnConflict } from '../../data/repairCandles.js';
import type { ColumnMap, LastRowPolicy } from '../../data/types.js';
import { openStore } from '../../store/index.js';
import type { CliIo } from '../io.js';
import { loadCliConfig } from '../loadCliConfig.js';
import type { GlobalOptions } from '../program.js';
import { renderTable } from '../render/table.js';

export interface DataImportCliOptions extends GlobalOptions {
  path: string;
  exchange?: string;
  symbol?: string;
  timeframe?: string;
  map?: Partial<ColumnMap>;
  onConflict?: OnConflict;
  lastRow?: LastRowPolicy;
  json?: boolean;
}

/**
 * `perpscope data import FILE|DIR`: reads, checks and repairs candle files into the home's candle
 * store, one transaction per file. A terminal gets a table per file and the totals; `--json` or a
 * pipe gets one JSON object (`files`, `totals`).
 */
export async function runDataImport(opts: DataImportCliOptions, io: CliIo): Promise<ImportReport> {
  const { home } = loadCliConfig(opts, io.env, {});
  const asJson = opts.json === true || !io.isTTY;
  const store = openStore({ home });
  let report: ImportReport;
  try {
    report = await importCandles(store, opts.path, {
      ...(opts.exchange !== undefined ? { exchange: opts.exchange } : {}),
      ...(opts.symbol !== undefined ? { symbol: opts.symbol } : {}),
      ...(opts.timeframe !== undefined ? { timeframe: opts.timeframe } : {}),
      ...(opts.map !== undefined ? { map: opts.map } : {}),
      ...(opts.onConflict !== undefined ? { onConflict: opts.onConflict } : {}),
      ...(opts.lastRow !== undefined ? { lastRow: opts.lastRow } : {}),
      onFile: (f) => {
        if (f.status === 'failed') io.err(`perpscope: ${f.error}`);
      },
    });
  } finally {
    store.close();
  }
  if (asJson) {
    io.out(JSON.stringify(report));
    return report;
  }
  const imported = report.files.filter((f): f is Extract<FileImportResult, { status: 'imported' }> => f.status === 'imported');
  if (imported.length) {
    io.out(
      renderTable(imported, [
        { header: 'file', align: 'left', cell: (f) => f.file },
        { header: 'series', align: 'left', cell: (f) => `${f.exchange} ${f.symbol} ${f.timeframe}` },
        { header: 'read', cell: (f) => String(f.stats.rowsRead) },
        { header: 'imported', cell: (f) => String(f.stats.imported) },
        { header: 'dup', cell: (f) => String(f.stats.duplicates) },
        { header: 'reordered', cell: (f) => String(f.stats.reordered) },
        { header: 'gaps', cell: (f) => (f.stats.gaps ? `${f.stats.gaps} (${f.stats.missingBars} bars)` : '0') },
        { header: 'refused', cell: (f) => String(f.stats.refused) },
      ]),
    );
  }
  for (const f of report.files) {
    if (f.status === 'skipped') io.out(`skipped ${f.file}: ${f.reason}`);
    if (f.status === 'imported') for (const r of f.stats.refusals) io.out(`refused ${f.file} line ${r.line}: ${r.reason}`);
  }
  const t = report.totals;
  io.out(
    `${t.imported} file(s) imported, ${t.skipped} skipped, ${t.failed} failed | ${t.rowsRead} rows read, ${t.candles} imported, ${t.duplicates} duplicates, ${t.reordered} reordered, ${t.gaps} gaps (${t.missingBars} bars missing), ${t.refused} refused`,
  );
  return report;
}
