import { createHash, type Hash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { timeframeMs, type Candle, type Timeframe } from '@perpscope/shared';
import { ConfigError } from '../core/errors.js';
import type { BacktestConfig } from './config.js';
import { loadRecordedDir } from '../sim/replayFiles.js';
import { derivativesFilesFor, readFundingCsv, readOpenInterestCsv, type RecordedOpenInterest } from '../data/readers/derivativesCsv.js';

/** One recorded funding settlement. */
/**
 * Versioned so that a stored run's or a calibration's fingerprint is never compared with one made
 * by another hashing scheme as if the data had changed (v1, unprefixed, hashed a string per bar).
 */
const FINGERPRINT_VERSION = 'v2:';

export interface FundingEvent {
  fundingTimeMs: number;
  /** Fraction per settlement; positive: longs pay shorts. */
  rate: number;
}

/** Candles (and funding where recorded) per unified symbol, the unit a backtest replays. */
export interface BacktestData {
  timeframe: Timeframe;
  /** Unified symbols (`BTC/USDT:USDT`), sorted. */
  symbols: string[];
  candles: Map<string, Candle[]>;
  /** Recorded funding per symbol; a symbol without an entry uses the flat rate. */
  funding: Map<string, FundingEvent[]>;
  /** Recorded open interest per symbol (oldest first), for the radar; absent for symbols without a file. */
  openInterest?: Map<string, RecordedOpenInterest[]>;
  /** sha256 over every bar and funding row replayed: two runs on the same data share it. */
  fingerprint: string;
}

export interface LoadDataOptions {
  dir: string;
  timeframe: Timeframe;
  /** Unified (`BTC/USDT:USDT`) or exchange (`BTCUSDT`) symbols; all when absent. */
  symbols?: readonly string[];
  /** Bars opening before this are kept only as warm-up (`warmupBars` of them). */
  fromMs?: number;
  /** Bars opening at or after this are dropped. */
  toMs?: number;
  warmupBars: number;
}

/** What to read for a backtest's options: its directory, timeframe, symbols, period and warm-up. */
export function loadOptionsFor(config: BacktestConfig): LoadDataOptions {
  return {
    dir: config.data,
    timeframe: config.timeframe,
    ...(config.symbols.length ? { symbols: config.symbols } : {}),
    ...(config.from !== undefined ? { fromMs: config.from } : {}),
    ...(config.to !== undefined ? { toMs: config.to } : {}),
    warmupBars: config.warmupBars,
  };
}

/** `BTCUSDT` -> `BTC/USDT:USDT`. */
export function unifiedFromExchange(exchangeSymbol: string): string {
  return `${exchangeSymbol.slice(0, -4)}/USDT:USDT`;
}

/** `BTC/USDT:USDT`, `BTCUSDT` or `BTC` -> `BTCUSDT`. */
export function exchangeFromInput(symbol: string): string {
  const base = symbol.includes('/') ? symbol.split('/')[0]! : symbol.toUpperCase().endsWith('USDT') ? symbol.toUpperCase().slice(0, -4) : symbol.toUpperCase();
  return `${base.toUpperCase()}USDT`;
}

/**
 * Reads the recorded OHLCV files of `dir` (the layouts of the shared data sets, see
 * `loadRecordedDir`; the last row of each file is dropped as unfinished), the funding files
 * under `funding/` or `data/funding/` (`timestamp,symbol,funding_rate`, ms) and the open-interest
 * files under `oi_1h/`, `oi_4h/` or `oi_1d/` (`timestamp,symbol,sum_open_interest,
 * sum_open_interest_value`; see `derivativesFilesFor`), keeps the selected
 * symbols and period plus `warmupBars` bars before it, and fingerprints what it kept.
 */
export function loadBacktestData(o: LoadDataOptions): BacktestData {
  if (!existsSync(o.dir) || !statSync(o.dir).isDirectory()) {
    throw new ConfigError([{ path: 'data', received: JSON.stringify(o.dir), expected: 'a directory of recorded OHLCV CSV files (<SYM>_<tf>.csv or <tf>/<SYM>.csv)' }]);
  }
  const tfMs = timeframeMs(o.timeframe);
  let recorded;
  try {
    recorded = loadRecordedDir(o.dir);
  } catch (err) {
    throw new ConfigError([{ path: 'data', received: JSON.stringify(o.dir), expected: `readable OHLCV CSV files (${err instanceof Error ? err.message : String(err)})` }]);
  }
  const wanted = o.symbols?.length ? new Set(o.symbols.map(exchangeFromInput)) : null;
  if (wanted) {
    const missing = [...wanted].filter((s) => !recorded.get(s)?.has(tfMs));
    if (missing.length) {
      throw new ConfigError([{ path: 'symbols', received: missing.join(','), expected: `symbols with ${o.timeframe} files in ${o.dir}` }]);
    }
  }
  const candles = new Map<string, Candle[]>();
  const funding = new Map<string, FundingEvent[]>();
  const openInterest = new Map<string, RecordedOpenInterest[]>();
  const hash = createHash('sha256');
  hash.update(`${o.timeframe}|${o.fromMs ?? ''}|${o.toMs ?? ''}|${o.warmupBars}`);
  for (const exchangeSymbol of [...recorded.keys()].sort()) {
    if (wanted && !wanted.has(exchangeSymbol)) continue;
    const series = recorded.get(exchangeSymbol)!.get(tfMs);
    if (!series) continue;
    const all: Candle[] = [];
    for (let i = 0; i < series.openMs.length; i++) {
      const openTimeMs = series.openMs[i]!;
      if (o.toMs !== undefined && openTimeMs >= o.toMs) break;
      all.push({ openTimeMs, open: series.open[i]!, high: series.high[i]!, low: series.low[i]!, close: series.close[i]!, volume: series.volume[i]! });
    }
    const firstIn = o.fromMs === undefined ? 0 : all.findIndex((c) => c.openTimeMs >= o.fromMs!);
    if (firstIn < 0) continue;
    const kept = all.slice(Math.max(0, firstIn - o.warmupBars));
    if (kept.length <= o.warmupBars) continue;
    const symbol = unifiedFromExchange(exchangeSymbol);
    candles.set(symbol, kept);
    const files = derivativesFilesFor(o.dir, exchangeSymbol);
    const events = files.funding ? readFundingCsv(files.funding).map((f) => ({ fundingTimeMs: f.timeMs, rate: f.rate })) : [];
    if (events.length) funding.set(symbol, events);
    const oi = files.openInterest ? readOpenInterestCsv(files.openInterest) : [];
    if (oi.length) openInterest.set(symbol, oi);
    hashSeries(hash, symbol, kept, events, oi);
  }
  if (candles.size === 0) {
    throw new ConfigError([{ path: 'data', received: `${o.dir} (${o.timeframe}${o.fromMs !== undefined ? ` from ${new Date(o.fromMs).toISOString()}` : ''})`, expected: `at least one symbol with more than ${o.warmupBars} ${o.timeframe} bars in the period` }]);
  }
  return { timeframe: o.timeframe, symbols: [...candles.keys()].sort(), candles, funding, openInterest, fingerprint: `${FINGERPRINT_VERSION}${hash.digest('hex')}` };
}

/**
 * Feeds one symbol's bars and funding to the fingerprint as one block of float64s each. A string
 * per bar cost about 700 MB of transient memory on 500 symbols x 1 year, and was 8x slower.
 */
function hashSeries(hash: Hash, symbol: string, candles: readonly Candle[], funding: readonly FundingEvent[], openInterest: readonly RecordedOpenInterest[] = []): void {
  const bars = new Float64Array(candles.length * 6);
  candles.forEach((c, i) => bars.set([c.openTimeMs, c.open, c.high, c.low, c.close, c.volume], i * 6));
  const rates = new Float64Array(funding.length * 2);
  funding.forEach((e, i) => rates.set([e.fundingTimeMs, e.rate], i * 2));
  hash.update(`${symbol}|${candles.length}|${funding.length}|`);
  hash.update(bars);
  hash.update(rates);
  // Only sets with OI add to the hash, so fingerprints of candle-and-funding data stay as they were.
  if (openInterest.length) {
    const oi = new Float64Array(openInterest.length * 2);
    openInterest.forEach((p, i) => oi.set([p.timeMs, p.amountBase], i * 2));
    hash.update(`oi|${openInterest.length}|`);
    hash.update(oi);
  }
}

/** Wraps candles already in memory (generated, or read elsewhere) as backtest data, fingerprinted. */
export function backtestDataFrom(
  timeframe: Timeframe,
  candles: ReadonlyMap<string, readonly Candle[]>,
  funding: ReadonlyMap<string, readonly FundingEvent[]> = new Map(),
  openInterest: ReadonlyMap<string, readonly RecordedOpenInterest[]> = new Map(),
): BacktestData {
  const hash = createHash('sha256');
  hash.update(timeframe);
  const symbols = [...candles.keys()].sort();
  for (const symbol of symbols) hashSeries(hash, symbol, candles.get(symbol)!, funding.get(symbol) ?? [], openInterest.get(symbol) ?? []);
  return {
    timeframe,
    symbols,
    candles: new Map(symbols.map((s) => [s, [...candles.get(s)!]])),
    funding: new Map([...funding].map(([s, f]) => [s, [...f]])),
    openInterest: new Map([...openInterest].map(([s, p]) => [s, [...p]])),
    fingerprint: `${FINGERPRINT_VERSION}${hash.digest('hex')}`,
  };
}
