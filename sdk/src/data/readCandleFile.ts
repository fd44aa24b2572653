import { open, readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { FileIssues } from './candleFileError.js';
import { csvLines } from './cells.js';
import { BINANCE_VISION_NAME, exchangeFromPath, factsFromName, unifiedSymbol } from './fileNames.js';
import { looksLikeBinanceKlines, parseBinanceKlines } from './readers/binanceVision.js';
import { parseFreqtradeFeather, parseFreqtradeJson } from './readers/freqtrade.js';
import { parseOhlcvCsv, resolveColumns } from './readers/ohlcvCsv.js';
import { timeframeLengthMs } from './timeframes.js';
import { CandleFileFormat, LastRowPolicy, type CandleFileContents, type ReadCandleFileOptions, type SourcedCandle } from './types.js';

/** What a file would be read as, or why it is not a candle file. */
export type CandleFileKind = { format: CandleFileFormat } | { skip: string };

/** Extensions `readCandleFile` opens. */
export const CANDLE_FILE_EXTENSIONS: readonly string[] = ['.csv', '.zip', '.json', '.feather'];

/**
 * Reads one candle file (Binance Vision `.csv`/`.zip`, freqtrade `.json`/`.feather`, or an OHLCV
 * CSV with a header) into one series in file order. Nothing is checked beyond parsing: bad cells
 * throw a CandleFileError naming the file, line (or row), column, value and what was expected;
 * `repairCandles` then checks, sorts and de-duplicates.
 *
 * @example
 * const contents = await readCandleFile('BTCUSDT-1h-2025-01.zip');
 * contents.symbol // 'BTC/USDT:USDT'
 */
export async function readCandleFile(file: string, options: ReadCandleFileOptions = {}): Promise<CandleFileContents> {
  const facts = factsFromName(file);
  const ext = extname(file).toLowerCase();
  const bytes = await readFile(file);
  let text: string | undefined;
  let innerName = basename(file);
  if (ext === '.zip') ({ text, innerName } = await unzipOneCsv(file, bytes));
  else if (ext !== '.feather') text = bytes.toString('utf8');
  const innerFacts = innerName !== basename(file) ? factsFromName(innerName) : {};
  // A CSV of unknown layout is read as OHLCV CSV, whose header check names what is missing.
  const format = ext === '.zip' ? CandleFileFormat.binanceVision : (formatOf(file, text ?? '', options) ?? (ext === '.csv' ? CandleFileFormat.ohlcvCsv : undefined));
  if (format === undefined) {
    throw new FileIssues(file).fatal('file', JSON.stringify(basename(file)), `a candle file (${CANDLE_FILE_EXTENSIONS.join(', ')}): Binance Vision klines, freqtrade JSON/feather, or an OHLCV CSV`);
  }
  const positionName = format === CandleFileFormat.freqtradeJson || format === CandleFileFormat.freqtradeFeather ? 'row' : 'line';
  const issues = new FileIssues(file, positionName);
  const symbolRaw = options.symbol ?? facts.symbol ?? innerFacts.symbol;
  const timeframe = options.timeframe ?? facts.timeframe ?? innerFacts.timeframe;
  if (symbolRaw === undefined) throw issues.fatal('file name', JSON.stringify(basename(file)), 'a symbol in the name (BTCUSDT-1h-2025-01.csv, BTCUSDT_1h.csv, BTC_USDT_USDT-1h-futures.json) or --symbol');
  if (timeframe === undefined || timeframeLengthMs(timeframe) === null) {
    throw issues.fatal('timeframe', JSON.stringify(timeframe ?? basename(file)), 'a fixed-length timeframe (1m, 15m, 1h, 4h, 1d, 1w) in the name or --timeframe');
  }
  if (facts.notCandles) throw issues.fatal('file name', JSON.stringify(basename(file)), `OHLCV candles (this is ${facts.notCandles})`);
  let candles: SourcedCandle[];
  switch (format) {
    case CandleFileFormat.binanceVision:
      candles = parseBinanceKlines(text ?? '', issues);
      break;
    case CandleFileFormat.freqtradeJson:
      candles = parseFreqtradeJson(text ?? '', issues);
      break;
    case CandleFileFormat.freqtradeFeather:
      candles = await parseFreqtradeFeather(bytes, issues);
      break;
    case CandleFileFormat.ohlcvCsv:
      candles = parseOhlcvCsv(text ?? '', issues, options.map);
      break;
  }
  issues.throwIfAny();
  const policy = options.lastRow ?? LastRowPolicy.auto;
  const recorded = format === CandleFileFormat.ohlcvCsv && options.map === undefined;
  const dropLast = candles.length > 0 && (policy === LastRowPolicy.drop || (policy === LastRowPolicy.auto && recorded && !closesOnMonthBoundary(candles[candles.length - 1]!.openTimeMs, timeframeLengthMs(timeframe)!)));
  const spot = /\/spot\//i.test(file.replace(/\\/g, '/'));
  return {
    file,
    format,
    positionName,
    exchange: options.exchange ?? exchangeFromPath(file) ?? (format === CandleFileFormat.binanceVision ? 'binanceusdm' : 'unknown'),
    symbol: unifiedSymbol(symbolRaw, spot),
    timeframe,
    candles: dropLast ? candles.slice(0, -1) : candles,
    droppedLastRow: dropLast,
  };
}

/**
 * What a file in a directory would be imported as, judged from its name and first line only, so a
 * directory scan can report (not fail on) files that are not candles.
 */
export async function candleFileKind(file: string, options: ReadCandleFileOptions = {}): Promise<CandleFileKind> {
  const ext = extname(file).toLowerCase();
  if (!CANDLE_FILE_EXTENSIONS.includes(ext)) return { skip: `not a candle file extension (${CANDLE_FILE_EXTENSIONS.join(', ')})` };
  const facts = factsFromName(file);
  if (facts.notCandles) return { skip: `not OHLCV candles (${facts.notCandles})` };
  if ((options.symbol ?? facts.symbol) === undefined || (options.timeframe ?? facts.timeframe) === undefined) {
    return { skip: 'no symbol and timeframe in the name (import it alone with --symbol and --timeframe)' };
  }
  if (ext === '.zip') return { format: CandleFileFormat.binanceVision };
  if (ext === '.feather') return { format: CandleFileFormat.freqtradeFeather };
  const head = await readHead(file);
  const format = formatOf(file, head, options);
  return format === undefined ? { skip: `no OHLCV header (first line ${JSON.stringify(firstLine(head).slice(0, 80))})` } : { format };
}

function formatOf(file: string, text: string, options: ReadCandleFileOptions): CandleFileFormat | undefined {
  const ext = extname(file).toLowerCase();
  if (ext === '.json') return CandleFileFormat.freqtradeJson;
  if (ext === '.feather') return CandleFileFormat.freqtradeFeather;
  const first = csvLines(firstLine(text))[0]?.cells ?? [];
  // A Binance Vision name with a numeric first cell is a kline file even if that row is damaged.
  const visionNamed = BINANCE_VISION_NAME.test(basename(file)) && /^\d+$/.test(first[0] ?? '');
  if (options.map === undefined && (visionNamed || looksLikeBinanceKlines(first))) return CandleFileFormat.binanceVision;
  return 'columns' in resolveColumns(first, options.map) ? CandleFileFormat.ohlcvCsv : undefined;
}

/** A bar closing at 00:00 UTC on the 1st: the file was cut at a month end, so the bar is complete. */
function closesOnMonthBoundary(openTimeMs: number, tfMs: number): boolean {
  const close = new Date(openTimeMs + tfMs);
  return close.getUTCDate() === 1 && close.getUTCHours() === 0 && close.getUTCMinutes() === 0 && close.getUTCSeconds() === 0;
}

function firstLine(text: string): string {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const end = body.search(/\r?\n/);
  return end < 0 ? body : body.slice(0, end);
}

async function readHead(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(4_096);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

async function unzipOneCsv(file: string, bytes: Uint8Array): Promise<{ text: string; innerName: string }> {
  const { unzipSync, strFromU8 } = await import('fflate');
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (err) {
    throw new FileIssues(file).fatal('file', err instanceof Error ? err.message : String(err), 'a zip archive');
  }
  const csvs = Object.keys(entries).filter((n) => n.toLowerCase().endsWith('.csv'));
  if (csvs.length !== 1) throw new FileIssues(file).fatal('zip entries', JSON.stringify(Object.keys(entries).join(',')), 'exactly one .csv file (a Binance Vision kline archive)');
  return { text: strFromU8(entries[csvs[0]!]!), innerName: basename(csvs[0]!) };
}
