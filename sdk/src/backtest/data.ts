import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { timeframeMs, type Candle, type Timeframe } from '@perpscope/shared';
import { ConfigError } from '../core/errors.js';
import { loadRecordedDir } from '../sim/replayFiles.js';

/** One recorded funding settlement. */
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
 * `loadRecordedDir`; the last row of each file is dropped as unfinished) and the funding files
 * under `funding/` or `data/funding/` (`timestamp,symbol,funding_rate`, ms), keeps the selected
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
    hash.update(symbol);
    for (const c of kept) hash.update(`${c.openTimeMs},${c.open},${c.high},${c.low},${c.close},${c.volume};`);
    const events = readFunding(o.dir, exchangeSymbol);
    if (events.length) {
      funding.set(symbol, events);
      for (const e of events) hash.update(`f${e.fundingTimeMs},${e.rate};`);
    }
  }
  if (candles.size === 0) {
    throw new ConfigError([{ path: 'data', received: `${o.dir} (${o.timeframe}${o.fromMs !== undefined ? ` from ${new Date(o.fromMs).toISOString()}` : ''})`, expected: `at least one symbol with more than ${o.warmupBars} ${o.timeframe} bars in the period` }]);
  }
  return { timeframe: o.timeframe, symbols: [...candles.keys()].sort(), candles, funding, fingerprint: hash.digest('hex') };
}

/** Wraps candles already in memory (generated, or read elsewhere) as backtest data, fingerprinted. */
export function backtestDataFrom(timeframe: Timeframe, candles: ReadonlyMap<string, readonly Candle[]>, funding: ReadonlyMap<string, readonly FundingEvent[]> = new Map()): BacktestData {
  const hash = createHash('sha256');
  hash.update(timeframe);
  const symbols = [...candles.keys()].sort();
  for (const symbol of symbols) {
    hash.update(symbol);
    for (const c of candles.get(symbol)!) hash.update(`${c.openTimeMs},${c.open},${c.high},${c.low},${c.close},${c.volume};`);
    for (const e of funding.get(symbol) ?? []) hash.update(`f${e.fundingTimeMs},${e.rate};`);
  }
  return {
    timeframe,
    symbols,
    candles: new Map(symbols.map((s) => [s, [...candles.get(s)!]])),
    funding: new Map([...funding].map(([s, f]) => [s, [...f]])),
    fingerprint: hash.digest('hex'),
  };
}

function readFunding(dir: string, exchangeSymbol: string): FundingEvent[] {
  const file = [join(dir, 'funding', `${exchangeSymbol}.csv`), join(dir, 'data', 'funding', `${exchangeSymbol}.csv`)].find((f) => existsSync(f));
  if (!file) return [];
  const lines = readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  const iTime = header.findIndex((h) => h === 'timestamp' || h === 'time' || h === 'funding_time');
  const iRate = header.findIndex((h) => h === 'funding_rate' || h === 'rate');
  if (iTime < 0 || iRate < 0) {
    throw new ConfigError([{ path: 'data', received: `${file}: header ${JSON.stringify(lines[0] ?? '')}`, expected: 'a funding CSV with timestamp and funding_rate columns' }]);
  }
  const out: FundingEvent[] = [];
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    const t = Number(f[iTime]);
    const rate = Number(f[iRate]);
    if (!Number.isFinite(t) || !Number.isFinite(rate)) continue;
    out.push({ fundingTimeMs: t > 1e14 ? Math.floor(t / 1000) : t, rate });
  }
  return out.sort((a, b) => a.fundingTimeMs - b.fundingTimeMs);
}
