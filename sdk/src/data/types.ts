import type { Candle } from '@perpscope/shared';

/** The file layouts `readCandleFile` understands. */
export const CandleFileFormat = {
  /** data.binance.vision klines: 12 columns, optional header, open time in ms or µs; `.csv` or `.zip`. */
  binanceVision: 'binance-vision',
  /** freqtrade `[[ts, o, h, l, c, v], ...]` (ms). */
  freqtradeJson: 'freqtrade-json',
  /** freqtrade Arrow IPC file with columns date, open, high, low, close, volume. */
  freqtradeFeather: 'freqtrade-feather',
  /** A CSV with a header naming time and OHLCV columns (the recorded sets, or any file with `map`). */
  ohlcvCsv: 'ohlcv-csv',
} as const;
export type CandleFileFormat = (typeof CandleFileFormat)[keyof typeof CandleFileFormat];

/** What to do with a file's last row, which recorders often write while the bar is still forming. */
export const LastRowPolicy = {
  /**
   * Recorded `ohlcv-csv` sets: dropped, unless the bar closes exactly on a UTC month boundary (a
   * set cut at a month end, like Binance Vision's monthly files). Every other format: kept.
   */
  auto: 'auto',
  keep: 'keep',
  drop: 'drop',
} as const;
export type LastRowPolicy = (typeof LastRowPolicy)[keyof typeof LastRowPolicy];

/** Header names of a CSV's columns, for files whose header the reader does not know. */
export interface ColumnMap {
  time: string;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
}

/** A candle as read, with where it came from: the CSV line, or the 1-based row of a JSON/Arrow file. */
export interface SourcedCandle extends Candle {
  line: number;
}

/** One file, parsed: a single series, in file order, not yet checked or repaired. */
export interface CandleFileContents {
  file: string;
  format: CandleFileFormat;
  /** `line` in a text file, `row` in a JSON array or Arrow table: how positions are named. */
  positionName: 'line' | 'row';
  exchange: string;
  /** ccxt unified (`BTC/USDT:USDT`). */
  symbol: string;
  timeframe: string;
  candles: SourcedCandle[];
  /** The file's last row was left out as an unfinished candle. */
  droppedLastRow: boolean;
}

export interface ReadCandleFileOptions {
  /** Store key; default: inferred from the path (`binance` -> `binanceusdm`, `bybit`...), else `unknown`. */
  exchange?: string;
  /** Exchange (`BTCUSDT`) or unified symbol; default: from the file name. */
  symbol?: string;
  /** `1m`..`1w`; default: from the file name or its folder. */
  timeframe?: string;
  /** Column names for a CSV whose header the reader does not know; unnamed columns keep their usual names. */
  map?: Partial<ColumnMap>;
  lastRow?: LastRowPolicy;
}
