import { basename, dirname } from 'node:path';
import { RECORDED_FILE_PLAIN, RECORDED_FILE_WITH_TF } from '../sim/replayFiles.js';
import { timeframeLengthMs } from './timeframes.js';

/** `BTCUSDT-1h-2025-01.csv` / `.zip` (monthly) or `BTCUSDT-1h-2025-01-31.csv` (daily). */
export const BINANCE_VISION_NAME = /^([A-Z0-9]+)-(\d+[smhdwM])-(\d{4}-\d{2}(?:-\d{2})?)\.(csv|zip)$/;
/** `BTC_USDT_USDT-1h-futures.json`, `BTC_USDT-1h.feather`, `XRP_USDT-8h-mark.json`. */
export const FREQTRADE_NAME = /^([A-Z0-9]+)_([A-Z0-9]+)(?:_([A-Z0-9]+))?-(\d+[smhdwM])(?:-(futures|spot|mark|index|premiumIndex|funding_rate))?\.(json|feather)$/;
/** `btcusdt-1h.csv`: the recorded `<SYM>_<tf>.csv` spelled in lower case or with a dash. */
const SYMBOL_TF_NAME = /^([A-Za-z0-9]+)[-_](\d+[smhdw])\.csv$/;

/** freqtrade candle types that hold OHLCV of the traded contract. */
const FREQTRADE_OHLCV_TYPES: ReadonlySet<string> = new Set(['', 'futures', 'spot']);

const QUOTES = ['FDUSD', 'USDT', 'USDC', 'BUSD', 'USD', 'BTC', 'ETH', 'BNB'] as const;
const PERP_QUOTES: ReadonlySet<string> = new Set(['USDT', 'USDC']);

/** What a file's name and folders say about its series. */
export interface NameFacts {
  symbol?: string;
  timeframe?: string;
  /** Set when the name marks the file as something other than OHLCV (freqtrade `mark`, `funding_rate`...). */
  notCandles?: string;
}

/**
 * Symbol and timeframe from the file name: Binance Vision (`BTCUSDT-1h-2025-01.csv`), freqtrade
 * (`BTC_USDT_USDT-1h-futures.json`), the recorded sets (`BTCUSDT_1h.csv`, `1h/BTCUSDT.csv`).
 */
export function factsFromName(file: string): NameFacts {
  const name = basename(file);
  const vision = BINANCE_VISION_NAME.exec(name);
  if (vision) return { symbol: vision[1]!, timeframe: vision[2]! };
  const ft = FREQTRADE_NAME.exec(name);
  if (ft) {
    const [, base, quote, settle, timeframe, type = ''] = ft;
    const symbol = `${base!}/${quote!}${settle ? `:${settle}` : ''}`;
    return FREQTRADE_OHLCV_TYPES.has(type) ? { symbol, timeframe: timeframe! } : { symbol, timeframe: timeframe!, notCandles: `freqtrade ${type} data` };
  }
  const recorded = RECORDED_FILE_WITH_TF.exec(name) ?? SYMBOL_TF_NAME.exec(name);
  if (recorded) return { symbol: recorded[1]!.toUpperCase(), timeframe: recorded[2]! };
  const plain = RECORDED_FILE_PLAIN.exec(name);
  const folder = basename(dirname(file));
  if (plain && timeframeLengthMs(folder) !== null) return { symbol: plain[1]!, timeframe: folder };
  return {};
}

/** Path fragments that name an exchange, most specific first (ccxt ids). */
const PATH_EXCHANGES: readonly (readonly [RegExp, string])[] = [
  [/binance[-_]?(usdm|futures)|futures\/um\//, 'binanceusdm'],
  [/(^|[/_-])binance([/_-]|$)|\/spot\//, 'binance'],
  [/(^|[/_-])bybit([/_-]|$)/, 'bybit'],
  [/(^|[/_-])okx([/_-]|$)/, 'okx'],
  [/(^|[/_-])blofin([/_-]|$)/, 'blofin'],
  [/(^|[/_-])(htx|huobi)([/_-]|$)/, 'htx'],
  [/(^|[/_-])bitget([/_-]|$)/, 'bitget'],
];

/** The exchange a path names (`.../binance-usdm-2024-10-2025-03/...` -> `binanceusdm`), if any. */
export function exchangeFromPath(file: string): string | undefined {
  const path = file.replace(/\\/g, '/').toLowerCase();
  return PATH_EXCHANGES.find(([re]) => re.test(path))?.[1];
}

/**
 * ccxt unified symbol for an exchange or file symbol: `BTCUSDT` -> `BTC/USDT:USDT` (USDT and USDC
 * quotes are read as linear perpetuals, this being a perpetuals tool), `ADABTC` -> `ADA/BTC`,
 * `BTC_USDT` -> `BTC/USDT`; a unified symbol is returned as it is. `spot` keeps USDT pairs spot.
 */
export function unifiedSymbol(symbol: string, spot = false): string {
  const s = symbol.trim().toUpperCase();
  if (s.includes('/')) return s;
  const parts = s.split(/[_-]/).filter(Boolean);
  let base: string;
  let quote: string | undefined;
  if (parts.length === 2) [base, quote] = parts as [string, string];
  else {
    base = s;
    for (const q of QUOTES) {
      if (s.length > q.length && s.endsWith(q)) {
        base = s.slice(0, -q.length);
        quote = q;
        break;
      }
    }
  }
  if (!quote) return s;
  return !spot && PERP_QUOTES.has(quote) ? `${base}/${quote}:${quote}` : `${base}/${quote}`;
}
