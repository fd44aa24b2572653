import { usdtSwapMarket, type FundingRate, type MarkPrice, type OpenInterest, type OrderBook, type Trade } from '@perpscope/shared';
import { roundTo, synthesizeBook } from './book.js';
import { contractSpecFor, lotBase } from './contractSpecs.js';
import { HOUR_MS } from './pricePath.js';
import { loadRecordedDir, type BarSeries } from './replayFiles.js';
import { stringHash, uniform } from './rng.js';
import type { GroundTruthEpisode, MarketSource, SimCandle, SimMarket, Stats24h } from './types.js';
import { barMs } from './timeframes.js';

const FUNDING_INTERVAL_MS = 8 * HOUR_MS;
const FLAT_FUNDING_RATE = 0.0001;

interface ReplaySymbol {
  /** No listing time: where a recording starts says nothing about when the market listed. */
  market: SimMarket;
  /** Open time of the first recorded bar. */
  firstMs: number;
  /** One lot in base units: the grain of the synthesized books and trades. */
  lotBase: number;
  key: number;
  series: Map<number, BarSeries>;
  derived: Map<number, BarSeries>;
}

/** A replay of recorded candles, plus the start time that makes the whole recording history. */
export interface ReplaySource extends MarketSource {
  /** Just after the last complete 1h candle across all files. */
  defaultStartMs: number;
}

/**
 * Serves a recorded directory (see {@link loadRecordedDir}) as a BloFin market. `BTCUSDT` becomes
 * instrument `BTC-USDT` and ccxt symbol `BTC/USDT:USDT`. Timeframes the files do not hold are
 * aggregated from the largest recorded one that divides them; finer ones are not served. Books,
 * trades, funding and open interest are synthesized around the recorded prices. Instruments carry
 * no listing time (`listTime` "0"): the recording's first bar is not when the market listed.
 *
 * 24h quote volume is defined as the sum, over the last 24 complete 1h candles at the sim time,
 * of `volume * close` (1h candles are aggregated from finer files when no 1h file exists).
 */
export function createReplaySource(dir: string): ReplaySource {
  const recorded = loadRecordedDir(dir);
  const symbols = new Map<string, ReplaySymbol>();
  let defaultStartMs = 0;
  for (const [exchangeSymbol, series] of recorded) {
    const base = exchangeSymbol.slice(0, -4);
    const finest = [...series.values()].sort((a, b) => a.tfMs - b.tfMs)[0]!;
    const tickSize = 10 ** -finest.priceDecimals;
    // The recording's last close sizes the contract of a base BloFin's table does not list.
    const spec = contractSpecFor(base, finest.close[finest.close.length - 1] ?? Number.NaN);
    const market = usdtSwapMarket(base, {
      contractSize: spec.contractValue,
      tickSize: roundTo(tickSize, tickSize),
      lotSize: spec.lotContracts,
      minAmount: spec.minContracts,
      makerFee: 0.0002,
      takerFee: 0.0006,
      maxLeverage: 50,
    });
    const entry: ReplaySymbol = {
      market,
      firstMs: Math.min(...[...series.values()].map((s) => s.openMs[0]!)),
      lotBase: lotBase(market),
      key: stringHash(exchangeSymbol),
      series,
      derived: new Map(),
    };
    symbols.set(entry.market.symbol, entry);
    const hourly = seriesFor(entry, HOUR_MS);
    if (hourly && hourly.openMs.length > 0) {
      defaultStartMs = Math.max(defaultStartMs, hourly.openMs[hourly.openMs.length - 1]! + HOUR_MS);
    }
  }

  const get = (symbol: string): ReplaySymbol => {
    const s = symbols.get(symbol);
    if (!s) throw new Error(`unknown symbol "${symbol}": not in the replayed directory`);
    return s;
  };
  /** The finest recorded series that has begun by `atMs` (fine files often cover fewer days). */
  const finestSeries = (s: ReplaySymbol, atMs: number): BarSeries => {
    const sorted = [...s.series.values()].sort((a, b) => a.tfMs - b.tfMs);
    return sorted.find((x) => x.openMs[0]! <= atMs) ?? sorted[sorted.length - 1]!;
  };
  const lastPrice = (s: ReplaySymbol, atMs: number): number | null => {
    const f = finestSeries(s, atMs);
    const i = lastIndexAtOrBefore(f.openMs, atMs);
    if (i < 0) return null;
    const openMs = f.openMs[i]!;
    if (atMs >= openMs + f.tfMs) return f.close[i]!;
    return partial(f, i, (atMs - openMs) / f.tfMs, s.market.tickSize).close;
  };
  const stats24h = (s: ReplaySymbol, atMs: number): Stats24h | null => {
    const h = seriesFor(s, HOUR_MS);
    const last = lastPrice(s, atMs);
    if (!h || last === null) return null;
    const end = lastIndexAtOrBefore(h.openMs, atMs - HOUR_MS);
    if (end < 0) return null;
    const start = Math.max(0, end - 23);
    let high = -Infinity;
    let low = Infinity;
    let volume = 0;
    let quoteVolume = 0;
    for (let i = start; i <= end; i++) {
      high = Math.max(high, h.high[i]!);
      low = Math.min(low, h.low[i]!);
      volume += h.volume[i]!;
      quoteVolume += h.volume[i]! * h.close[i]!;
    }
    return { last, open24h: h.open[start]!, high24h: high, low24h: low, baseVolume24h: volume, quoteVolume24h: quoteVolume };
  };

  return {
    defaultStartMs,
    markets: () => [...symbols.values()].map((s) => ({ ...s.market })),
    supportsTimeframe(tfMs: number): boolean {
      for (const s of symbols.values()) if (seriesFor(s, tfMs)) return true;
      return false;
    },
    candles(symbol, tf, fromMs, toMs): SimCandle[] {
      const s = get(symbol);
      const series = seriesFor(s, barMsOrThrow(tf));
      if (!series) return [];
      const out: SimCandle[] = [];
      for (let i = firstIndexAtOrAfter(series.openMs, fromMs); i < series.openMs.length && series.openMs[i]! < toMs; i++) {
        out.push(toCandle(series, i, true));
      }
      return out;
    },
    formingCandle(symbol, tf, atMs): SimCandle | null {
      const s = get(symbol);
      const series = seriesFor(s, barMsOrThrow(tf));
      if (!series) return null;
      const i = lastIndexAtOrBefore(series.openMs, atMs);
      if (i < 0 || atMs >= series.openMs[i]! + series.tfMs) return null;
      return partial(series, i, (atMs - series.openMs[i]!) / series.tfMs, s.market.tickSize);
    },
    firstDataMs: (symbol) => get(symbol).firstMs,
    orderBook(symbol, atMs, depth): OrderBook {
      const s = get(symbol);
      const mid = lastPrice(s, atMs);
      const st = stats24h(s, atMs);
      if (mid === null) return { symbol, timestampMs: atMs, bids: [], asks: [] };
      const qv = Math.max(st?.quoteVolume24h ?? 0, 1e4);
      const bucket = Math.floor(atMs / 1000);
      const book = synthesizeBook({
        mid,
        tickSize: s.market.tickSize,
        lotSize: s.lotBase,
        spreadBps: Math.max(0.5, 1 + 2.5 * (9.5 - Math.log10(qv))) * (1 + 0.5 * uniform(s.key, 30, bucket)),
        touchSize: (qv / 1440 / mid) * 0.15,
        depth,
        key: s.key,
        bucket,
      });
      return { symbol, timestampMs: atMs, ...book };
    },
    trades(symbol, fromMs, toMs): Trade[] {
      const s = get(symbol);
      const f = finestSeries(s, fromMs);
      const out: Trade[] = [];
      for (let i = Math.max(0, lastIndexAtOrBefore(f.openMs, fromMs)); i < f.openMs.length && f.openMs[i]! < toMs; i++) {
        for (const t of barTrades(s, f, i)) if (t.timestampMs >= fromMs && t.timestampMs < toMs) out.push(t);
      }
      return out;
    },
    stats24h: (symbol, atMs) => stats24h(get(symbol), atMs),
    lastPrice: (symbol, atMs) => lastPrice(get(symbol), atMs),
    fundingRate(symbol, atMs): FundingRate {
      const next = Math.floor(atMs / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS + FUNDING_INTERVAL_MS;
      return { symbol, timestampMs: atMs, rate: FLAT_FUNDING_RATE, nextFundingTimeMs: next, intervalHours: 8 };
    },
    fundingHistory(symbol, fromMs, toMs): FundingRate[] {
      const s = get(symbol);
      const out: FundingRate[] = [];
      const first = Math.max(fromMs, s.firstMs);
      for (let t = Math.floor(first / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS + FUNDING_INTERVAL_MS; t <= toMs; t += FUNDING_INTERVAL_MS) {
        out.push({ symbol, timestampMs: t, rate: FLAT_FUNDING_RATE, intervalHours: 8 });
      }
      return out;
    },
    openInterest(symbol, atMs): OpenInterest {
      const s = get(symbol);
      const st = stats24h(s, atMs);
      const amountBase = roundTo((st?.baseVolume24h ?? 0) * 0.5, s.lotBase);
      return { symbol, timestampMs: atMs, amountBase, valueUsd: amountBase * (st?.last ?? 0) };
    },
    markPrice(symbol, atMs): MarkPrice {
      const p = lastPrice(get(symbol), atMs) ?? get(symbol).market.tickSize;
      return { symbol, timestampMs: atMs, markPrice: p, indexPrice: p };
    },
    groundTruth: (): GroundTruthEpisode[] => [],
  };
}

function barMsOrThrow(tf: string): number {
  const ms = barMs(tf);
  if (ms === null) throw new Error(`unsupported timeframe "${tf}"`);
  return ms;
}

/** The recorded series for `tfMs`, or one aggregated from the largest recorded divisor. */
function seriesFor(s: ReplaySymbol, tfMs: number): BarSeries | null {
  const direct = s.series.get(tfMs) ?? s.derived.get(tfMs);
  if (direct) return direct;
  const source = [...s.series.values()].filter((x) => x.tfMs < tfMs && tfMs % x.tfMs === 0).sort((a, b) => b.tfMs - a.tfMs)[0];
  if (!source) return null;
  const agg = aggregate(source, tfMs);
  s.derived.set(tfMs, agg);
  return agg;
}

function aggregate(src: BarSeries, tfMs: number): BarSeries {
  const opens: number[] = [];
  const o: number[] = [];
  const h: number[] = [];
  const l: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < src.openMs.length; i++) {
    const bucket = Math.floor(src.openMs[i]! / tfMs) * tfMs;
    const k = opens.length - 1;
    if (k >= 0 && opens[k] === bucket) {
      h[k] = Math.max(h[k]!, src.high[i]!);
      l[k] = Math.min(l[k]!, src.low[i]!);
      c[k] = src.close[i]!;
      v[k] = v[k]! + src.volume[i]!;
    } else {
      opens.push(bucket);
      o.push(src.open[i]!);
      h.push(src.high[i]!);
      l.push(src.low[i]!);
      c.push(src.close[i]!);
      v.push(src.volume[i]!);
    }
  }
  // A trailing bucket missing sub-bars would be an unfinished candle: drop it.
  const lastOpen = opens[opens.length - 1];
  const lastSrc = src.openMs[src.openMs.length - 1];
  if (lastOpen !== undefined && lastSrc !== undefined && lastSrc + src.tfMs < lastOpen + tfMs) {
    for (const arr of [opens, o, h, l, c, v]) arr.pop();
  }
  return {
    tfMs,
    openMs: Float64Array.from(opens),
    open: Float64Array.from(o),
    high: Float64Array.from(h),
    low: Float64Array.from(l),
    close: Float64Array.from(c),
    volume: Float64Array.from(v),
    priceDecimals: src.priceDecimals,
    volumeDecimals: src.volumeDecimals,
  };
}

function toCandle(s: BarSeries, i: number, closed: boolean): SimCandle {
  const volume = s.volume[i]!;
  return {
    openTimeMs: s.openMs[i]!,
    open: s.open[i]!,
    high: s.high[i]!,
    low: s.low[i]!,
    close: s.close[i]!,
    volume,
    quoteVolume: volume * s.close[i]!,
    closed,
  };
}

/** The bar as seen `frac` of the way through: the close walks linearly from open to close. */
function partial(s: BarSeries, i: number, frac: number, tick: number): SimCandle {
  const o = s.open[i]!;
  const close = roundTo(o + (s.close[i]! - o) * frac, tick);
  const volume = s.volume[i]! * frac;
  return {
    openTimeMs: s.openMs[i]!,
    open: o,
    high: Math.max(o, close),
    low: Math.min(o, close),
    close,
    volume,
    quoteVolume: volume * close,
    closed: false,
  };
}

/** Four prints per recorded bar (open, high, low, close) whose sizes sum to the bar volume. */
function barTrades(s: ReplaySymbol, f: BarSeries, i: number): Trade[] {
  const lot = s.lotBase;
  const lots = Math.round(f.volume[i]! / lot);
  if (lots <= 0) return [];
  const t0 = f.openMs[i]!;
  const highFirst = uniform(s.key, 80, i) < 0.5;
  const prints: [number, number][] = [
    [0.05, f.open[i]!],
    [highFirst ? 0.3 : 0.6, f.high[i]!],
    [highFirst ? 0.6 : 0.3, f.low[i]!],
    [0.95, f.close[i]!],
  ];
  prints.sort((a, b) => a[0] - b[0]);
  const share = Math.floor(lots / 4);
  const out: Trade[] = [];
  let prev = f.open[i]!;
  prints.forEach(([frac, price], k) => {
    const n = k === 3 ? lots - 3 * share : share;
    if (n <= 0) return;
    const side = price > prev ? 'buy' : price < prev ? 'sell' : k % 2 === 0 ? 'buy' : 'sell';
    out.push({ symbol: s.market.symbol, id: String(Math.floor(t0 / 1000) * 4 + k), timestampMs: t0 + Math.floor(frac * f.tfMs), price, amount: roundTo(n * lot, lot), side });
    prev = price;
  });
  return out;
}

function lastIndexAtOrBefore(arr: Float64Array, t: number): number {
  let lo = 0;
  let hi = arr.length - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (arr[mid]! <= t) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

function firstIndexAtOrAfter(arr: Float64Array, t: number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (arr[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
