import type { FundingRate, MarkPrice, OpenInterest, OrderBook, Trade } from '@perpscope/shared';
import { roundTo, synthesizeBook } from './book.js';
import { planUniverse, type SymbolPlan } from './generatorSpec.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, PricePath } from './pricePath.js';
import { gaussian, uniform } from './rng.js';
import { barMs } from './timeframes.js';
import type { GroundTruthEpisode, MarketSource, SimCandle, SimMarket, Stats24h } from './types.js';
import { fundingOffset } from './venueSkew.js';

export interface MarketGeneratorOptions {
  /** Same seed (and start time) -> same universe, same candles, same episodes. */
  seed: number;
  /** Number of symbols: BTC, ETH, then SIM001, SIM002, ... */
  symbols: number;
  /** Sim start; episodes are placed around it. */
  startTimeMs: number;
  /**
   * Which of several simulated venues this generator stands for: the same seed's market with
   * that venue's synthetic basis and funding offset (see `venueSkew.ts`). Absent or index 0: the
   * market unchanged.
   */
  venue?: { index: number };
}

/** The seeded synthetic market, usable on its own or behind the SimExchange server. */
export type MarketGenerator = MarketSource;

const FUNDING_INTERVAL_MS = 8 * HOUR_MS;

interface Entry {
  plan: SymbolPlan;
  path: PricePath;
}

/**
 * Creates the deterministic synthetic market. Every value is a pure function of (seed, start time,
 * symbol, time): a candle is the same whichever window it is requested in, all timeframes
 * aggregate the same minutes, trades sum to the candle volume, and books sit around the last price.
 *
 * @example
 * const gen = createMarketGenerator({ seed: 7, symbols: 20, startTimeMs: Date.UTC(2026, 0, 1) });
 * const bars = gen.candles('BTC/USDT:USDT', '1h', t0, t1);
 */
export function createMarketGenerator(opts: MarketGeneratorOptions): MarketGenerator {
  const plan = planUniverse(opts.seed, opts.symbols, opts.startTimeMs, opts.venue?.index ?? 0);
  const bySymbol = new Map<string, Entry>();
  for (const p of plan.symbols) bySymbol.set(p.market.symbol, { plan: p, path: new PricePath(p.path) });

  const entry = (symbol: string): Entry => {
    const e = bySymbol.get(symbol);
    if (!e) throw new Error(`unknown symbol "${symbol}": expected one of the generator's markets, e.g. BTC/USDT:USDT`);
    return e;
  };
  const endMs = (e: Entry): number => e.plan.market.delistAtMs ?? Number.POSITIVE_INFINITY;
  const tfOrThrow = (tf: string): number => {
    const ms = barMs(tf);
    if (ms === null) throw new Error(`unsupported timeframe "${tf}": expected one of 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d`);
    return ms;
  };
  const bar = (e: Entry, openMs: number, toMs: number, closed: boolean): SimCandle | null => {
    const r = e.path.range(openMs, Math.min(toMs, endMs(e)));
    if (!r) return null;
    // Fields written out (not spread): the same keys in the same order, without the spread's copy loop.
    return { openTimeMs: openMs, open: r.open, high: r.high, low: r.low, close: r.close, volume: roundTo(r.volume, e.plan.path.lotSize), quoteVolume: r.quoteVolume, closed };
  };
  const fundingAt = (e: Entry, atMs: number): number => {
    const now = e.path.priceAt(atMs);
    const before = e.path.priceAt(Math.max(e.plan.market.listedAtMs ?? 0, atMs - FUNDING_INTERVAL_MS));
    const drift = Math.log(now / before);
    const noise = 0.00005 * gaussian(e.plan.path.key, 40, Math.floor(atMs / FUNDING_INTERVAL_MS));
    const shared = 0.0001 + 0.0004 * Math.tanh(10 * drift) + noise;
    const venue = e.plan.path.venue;
    const rate = venue ? shared + fundingOffset(venue, Math.floor(atMs / FUNDING_INTERVAL_MS)) : shared;
    return roundTo(Math.max(-0.0075, Math.min(0.0075, rate)), 1e-8);
  };

  return {
    markets(): SimMarket[] {
      return plan.symbols.map((p) => ({ ...p.market }));
    },
    supportsTimeframe(tfMs: number): boolean {
      return tfMs >= MINUTE_MS && tfMs <= DAY_MS;
    },
    candles(symbol, tf, fromMs, toMs): SimCandle[] {
      const e = entry(symbol);
      const len = tfOrThrow(tf);
      const out: SimCandle[] = [];
      const first = Math.max(Math.ceil(fromMs / len) * len, Math.ceil(e.plan.path.listMs / len) * len);
      const last = Math.min(toMs, endMs(e));
      for (let t = first; t < last; t += len) {
        const c = bar(e, t, t + len, true);
        if (c) out.push(c);
      }
      return out;
    },
    formingCandle(symbol, tf, atMs): SimCandle | null {
      const e = entry(symbol);
      const len = tfOrThrow(tf);
      if (atMs >= endMs(e) || atMs < e.plan.path.listMs) return null;
      const openMs = Math.floor(atMs / len) * len;
      if (atMs === openMs) {
        const p = e.path.priceAt(openMs);
        return { openTimeMs: openMs, open: p, high: p, low: p, close: p, volume: 0, quoteVolume: 0, closed: false };
      }
      return bar(e, openMs, atMs, false);
    },
    firstDataMs(symbol): number {
      return entry(symbol).plan.path.listMs;
    },
    orderBook(symbol, atMs, depth): OrderBook {
      const e = entry(symbol);
      if (atMs >= endMs(e)) return { symbol, timestampMs: atMs, bids: [], asks: [] };
      const mid = e.path.priceAt(atMs);
      const bucket = Math.floor(atMs / 1000);
      const { market, spreadBps, path } = e.plan;
      const spoof = e.plan.spoofs.find((w) => atMs >= w.startMs && atMs < w.endMs);
      const book = synthesizeBook({
        mid,
        tickSize: market.tickSize,
        lotSize: path.lotSize,
        spreadBps: spreadBps * (1 + 0.5 * uniform(path.key, 30, bucket)),
        touchSize: (path.quoteVolumeDailyUsd / 1440 / mid) * 0.15,
        depth,
        key: path.key,
        bucket,
        spoof,
      });
      return { symbol, timestampMs: atMs, ...book };
    },
    trades(symbol, fromMs, toMs): Trade[] {
      const e = entry(symbol);
      const out: Trade[] = [];
      const last = Math.min(toMs, endMs(e));
      const first = Math.max(fromMs, e.plan.path.listMs);
      for (let m = Math.floor(first / MINUTE_MS) * MINUTE_MS; m < last; m += MINUTE_MS) {
        for (const t of minuteTrades(e, symbol, m)) if (t.timestampMs >= fromMs && t.timestampMs < last) out.push(t);
      }
      return out;
    },
    stats24h(symbol, atMs): Stats24h | null {
      const e = entry(symbol);
      const r = e.path.range(atMs - DAY_MS, Math.min(atMs, endMs(e)));
      if (!r) return null;
      return {
        last: r.close,
        open24h: r.open,
        high24h: r.high,
        low24h: r.low,
        baseVolume24h: roundTo(r.volume, e.plan.path.lotSize),
        quoteVolume24h: r.quoteVolume,
      };
    },
    lastPrice(symbol, atMs): number | null {
      const e = entry(symbol);
      if (atMs < e.plan.path.listMs) return null;
      return e.path.priceAt(Math.min(atMs, endMs(e) - 1));
    },
    fundingRate(symbol, atMs): FundingRate {
      const e = entry(symbol);
      const next = Math.floor(atMs / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS + FUNDING_INTERVAL_MS;
      return { symbol, timestampMs: atMs, rate: fundingAt(e, atMs), nextFundingTimeMs: next, intervalHours: 8 };
    },
    fundingHistory(symbol, fromMs, toMs): FundingRate[] {
      const e = entry(symbol);
      const out: FundingRate[] = [];
      const first = Math.max(fromMs, e.plan.path.listMs);
      for (let t = Math.floor(first / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS + FUNDING_INTERVAL_MS; t <= toMs; t += FUNDING_INTERVAL_MS) {
        if (t >= endMs(e)) break;
        out.push({ symbol, timestampMs: t, rate: fundingAt(e, t), intervalHours: 8 });
      }
      return out;
    },
    openInterest(symbol, atMs): OpenInterest {
      const e = entry(symbol);
      const hours = atMs / HOUR_MS;
      const h = Math.floor(hours);
      const g0 = gaussian(e.plan.path.key, 60, h);
      const g1 = gaussian(e.plan.path.key, 60, h + 1);
      const pumping = e.plan.path.pumps.some((p) => atMs >= p.startMs && atMs <= p.endMs);
      const amount = e.plan.openInterestBase * Math.exp(0.15 * (g0 + (g1 - g0) * (hours - h))) * (pumping ? 1.5 : 1);
      const amountBase = roundTo(amount, e.plan.path.lotSize);
      return { symbol, timestampMs: atMs, amountBase, valueUsd: amountBase * e.path.priceAt(atMs) };
    },
    markPrice(symbol, atMs): MarkPrice {
      const e = entry(symbol);
      const p = e.path.priceAt(Math.min(atMs, endMs(e)));
      const bucket = Math.floor(atMs / 5000);
      const tick = e.plan.market.tickSize;
      return {
        symbol,
        timestampMs: atMs,
        markPrice: Math.max(tick, roundTo(p * (1 + 1e-4 * gaussian(e.plan.path.key, 50, bucket)), tick)),
        indexPrice: Math.max(tick, roundTo(p * (1 + 1e-4 * gaussian(e.plan.path.key, 51, bucket)), tick)),
      };
    },
    groundTruth(): GroundTruthEpisode[] {
      return plan.episodes.map((g) => ({ ...g }));
    },
  };
}

/** The minute's public trades: they visit the high and low, end at the close and sum to the volume. */
function minuteTrades(e: Entry, symbol: string, minuteStartMs: number): Trade[] {
  const m = e.path.minute(minuteStartMs);
  const lot = e.plan.path.lotSize;
  const totalLots = Math.round(m[4]! / lot);
  if (totalLots <= 0) return [];
  const key = e.plan.path.key;
  const minuteIdx = Math.floor(minuteStartMs / MINUTE_MS);
  const n = Math.min(totalLots, 3 + Math.floor(10 * uniform(key, 70, minuteIdx)));
  const highFirst = m[6] === 1;
  const points: { frac: number; price: number | null }[] = [
    { frac: m[7]!, price: highFirst ? m[1]! : m[2]! },
    { frac: m[8]!, price: highFirst ? m[2]! : m[1]! },
    { frac: 0.999, price: m[3]! },
  ];
  for (let k = 3; k < n; k++) points.push({ frac: 0.001 + 0.99 * uniform(key, 71, minuteIdx, k), price: null });
  points.sort((a, b) => a.frac - b.frac);
  const used = points.length > n ? points.slice(points.length - n) : points;
  const weights = used.map((_, k) => 0.2 + uniform(key, 72, minuteIdx, k));
  const wSum = weights.reduce((a, b) => a + b, 0);
  const lots = weights.map((w) => Math.floor((totalLots * w) / wSum));
  let rest = totalLots - lots.reduce((a, b) => a + b, 0);
  for (let k = 0; rest > 0; k = (k + 1) % lots.length, rest--) lots[k] = lots[k]! + 1;
  const out: Trade[] = [];
  let prev = m[0]!;
  used.forEach((pt, k) => {
    const lotsK = lots[k]!;
    if (lotsK <= 0) return;
    const ts = minuteStartMs + Math.floor(pt.frac * MINUTE_MS);
    const price = pt.price ?? e.path.priceAt(ts);
    const side = price > prev ? 'buy' : price < prev ? 'sell' : uniform(key, 73, minuteIdx, k) < 0.5 ? 'buy' : 'sell';
    out.push({ symbol, id: String(minuteIdx * 64 + k), timestampMs: ts, price, amount: roundTo(lotsK * lot, lot), side });
    prev = price;
  });
  return out;
}
