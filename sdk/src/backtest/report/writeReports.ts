import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BacktestResult } from '../runBacktest.js';
import { toJsonText } from '../runStore.js';
import { equityCsv, tradesCsv } from './csv.js';
import { renderHtmlReport } from './html.js';
import { writeXlsx } from './xlsx.js';

export interface ReportFiles {
  json: string;
  tradesCsv: string;
  equityCsv: string;
  xlsx: string;
  html: string;
}

/** Writes to a temporary name first, then renames: a reader never sees half a file. */
function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.partial`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Writes the JSON result, trade and equity CSVs, the workbook and the HTML report into `dir`. */
export async function writeReports(result: BacktestResult, dir: string): Promise<ReportFiles> {
  const out = resolve(dir);
  mkdirSync(out, { recursive: true });
  const files: ReportFiles = {
    json: join(out, 'result.json'),
    tradesCsv: join(out, 'trades.csv'),
    equityCsv: join(out, 'equity.csv'),
    xlsx: join(out, 'report.xlsx'),
    html: join(out, 'report.html'),
  };
  writeAtomic(files.json, toJsonText(result, 1));
  writeAtomic(files.tradesCsv, tradesCsv(result.trades));
  writeAtomic(files.equityCsv, equityCsv(result.equity));
  await writeXlsx(result, `${files.xlsx}.partial`);
  renameSync(`${files.xlsx}.partial`, files.xlsx);
  writeAtomic(files.html, renderHtmlReport(result));
  return files;
}
