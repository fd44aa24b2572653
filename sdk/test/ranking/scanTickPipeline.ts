import { createHash, type Hash } from 'node:crypto';
import { timeframeMs, type Candle, type Market, type Timeframe } from '@perpscope/shared';
import { buildSnapshots, type SnapshotMarket } from '../../src/engine/marketSnapshots.js';
import { FEATURE_NAMES } from '../../src/features/index.js';
import { computeMarketContext, type BookTop, type MarketSnapshot } from '../../src/manipulation/index.js';
import { CandleRing } from '../../src/market/candleRing.js';
import type { OrderFlowSnapshot, UniverseMember } from '../../src/market/index.js';
import { Ranker } from '../../src/ranking/index.js';
import { createSignalEngine, IncrementalSignalEvaluator, type ClosedBar } from '../../src/signals/index.js';

/**
 * The engine's live path in small (the `scan-tick` bench's pipeline, pinned): seeded random-walk
 * series in `CandleRing`s, the warm start, the first cycle, then bar closes on every series, each
 * followed by snapshots from the rings (both the bench's hand-built snapshot and the engine's
 * `buildSnapshots` adapter), the radar against the cycle's cross-section and the ranking.
 * The rings' capacity is a little over the history, so the later ticks read wrapped rings.
 * Everything the path outputs goes into one SHA-256 (numbers as IEEE-754 bytes, so a last-bit
 * difference changes it).
 */
export const PIPELINE = { symbols: 48, bars: 300, ringCapacity: 310, ticks: 24, timeframes: ['5m', '15m', '1h', '4h'] as const };

const T0 = Date.UTC(2025, 9, 1);
const RANKING_TF: Timeframe = '4h';

/** Deterministic random walk (LCG) with occasional volume spikes and, now and then, a jump. */
class CandleSource {
  private s: number;
  private p: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
    this.p = 20 + 200 * this.rnd();
  }
  private rnd(): number {
    this.s = (Math.imul(this.s, 1103515245) + 12345) >>> 0;
    return this.s / 4294967296;
  }
  next(openTimeMs: number): Candle {
    const open = this.p;
    const jump = this.rnd() < 0.01 ? (this.rnd() - 0.5) * 0.2 : 0;
    const close = (this.p = Math.max(1e-3, this.p * (1 + (this.rnd() - 0.5) * 0.03 + jump)));
    const high = Math.max(open, close) * (1 + this.rnd() * 0.006);
    const low = Math.min(open, close) * (1 - this.rnd() * 0.006);
    const volume = 1000 * (0.5 + this.rnd()) * (this.rnd() < 0.04 ? 6 : 1);
    return { openTimeMs, open, high, low, close, volume };
  }
}

function unit(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35) ^ Math.imul(c + 0x27d4eb2f, 0x165667b1);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return ((h ^ (h >>> 15)) >>> 0) / 4294967296;
}

function book(s: number, tick: number, mid: number, spoofed: boolean): BookTop {
  const half = mid * (0.5 + unit(s, tick, 4)) * 1e-4;
  const step = mid * 2e-4;
  const bids: [number, number][] = [];
  const asks: [number, number][] = [];
  for (let i = 0; i < 20; i++) {
    const wall = spoofed && i === 3 ? 25 : 1;
    bids.push([mid - half - i * step, (wall * (2_000 + 18_000 * unit(s, tick * 64 + i, 5))) / mid]);
    asks.push([mid + half + i * step, (2_000 + 18_000 * unit(s, tick * 64 + i, 6)) / mid]);
  }
  return { bids, asks };
}

/** Feeds any value into the hash in a canonical form: object keys sorted, undefined skipped, numbers as float64 bytes. */
function feed(h: Hash, v: unknown): void {
  if (v === undefined) return;
  if (v === null) return void h.update('n');
  if (typeof v === 'number') {
    const b = new Float64Array([v]);
    h.update('#');
    return void h.update(new Uint8Array(b.buffer));
  }
  if (typeof v === 'string') return void h.update(`s${v.length}:${v}`);
  if (typeof v === 'boolean') return void h.update(v ? 'T' : 'F');
  if (ArrayBuffer.isView(v)) {
    const arr = Array.from(v as Float64Array);
    h.update(`v${arr.length}[`);
    for (const x of arr) feed(h, x);
    return void h.update(']');
  }
  if (Array.isArray(v)) {
    h.update(`a${v.length}[`);
    for (const x of v) feed(h, x);
    return void h.update(']');
  }
  if (v instanceof Map) return feed(h, [...v.entries()]);
  if (v instanceof Set) return feed(h, [...v.values()]);
  if (typeof v === 'object') {
    h.update('{');
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x === undefined) continue;
      h.update(`k${k}=`);
      feed(h, x);
    }
    return void h.update('}');
  }
  throw new Error(`cannot fingerprint a ${typeof v}`);
}

export interface PipelineFingerprint {
  /** SHA-256 over everything below and every cycle, snapshot, analysis and ranking on the way. */
  sha256: string;
  cycles: number;
  candidates: number;
  signals: number;
  rankedRows: number;
  flaggedRows: number;
}

/**
 * Runs the pipeline; `seed` chooses how each series is warm-started (from candles, as the analyzer
 * does today, or another path held to the same output). The adapter's snapshots (`buildSnapshots`)
 * always read views of the rings, as the analyzer's do; with `viewColumns` the hand-built ones do
 * too, instead of fresh `ring.columns()` copies.
 */
export function runScanTickPipeline(seed: (ev: IncrementalSignalEvaluator, symbol: string, tf: Timeframe, ring: CandleRing) => void, options: { viewColumns?: boolean } = {}): PipelineFingerprint {
  const { symbols, bars, ringCapacity, ticks, timeframes } = PIPELINE;
  const h = createHash('sha256');
  const anchor = 'SYM000/USDT:USDT';
  interface Series {
    symbol: string;
    timeframe: Timeframe;
    tfMs: number;
    source: CandleSource;
    ring: CandleRing;
  }
  const series: Series[] = [];
  for (let s = 0; s < symbols; s++) {
    timeframes.forEach((tf, k) => {
      const tfMs = timeframeMs(tf);
      const source = new CandleSource(s * 16 + k + 7);
      const ring = new CandleRing(ringCapacity);
      for (let i = 0; i < bars; i++) ring.push(source.next(T0 - (bars - i) * tfMs));
      series.push({ symbol: `SYM${String(s).padStart(3, '0')}/USDT:USDT`, timeframe: tf, tfMs, source, ring });
    });
  }
  const rankingSeries = series.filter((x) => x.timeframe === RANKING_TF);
  const universe: UniverseMember[] = rankingSeries.map((x, s) => ({ symbol: x.symbol, base: `SYM${s}`, rank: s + 1, quoteVolume24h: 1e6 * (1 + unit(s, 0, 1) * 50), last: 1, spreadBps: 1 }));
  const marketList = rankingSeries.map((x, s) => ({ symbol: x.symbol, takerFee: 0.0006, makerFee: 0.0002, listedAtMs: s % 11 === 5 ? T0 - 2 * 86_400_000 : T0 - 400 * 86_400_000 }) as unknown as Market);
  const flows = new Map<string, OrderFlowSnapshot>();
  const market: SnapshotMarket = {
    markets: () => marketList,
    universe: () => universe,
    candles: () => {
      throw new Error('the snapshots read the rings');
    },
    orderFlow: (symbol) => flows.get(symbol),
    derivativesHistory: () => undefined,
    ring: (symbol, tf) => series.find((x) => x.symbol === symbol && x.timeframe === tf)?.ring,
  };

  const ev = new IncrementalSignalEvaluator(createSignalEngine({ regime: { anchorSymbol: anchor, anchorTimeframe: '1h' } }));
  for (const x of series) seed(ev, x.symbol, x.timeframe, x.ring);
  for (const x of series) {
    const t = ev.tracker(x.symbol, x.timeframe)!;
    for (const row of [t.beforeLast, t.last]) feed(h, row && FEATURE_NAMES.map((n) => row[n]));
  }
  const cycles = [ev.evaluateLatest()];
  feed(h, cycles[0]);

  const ranker = new Ranker();
  let rankedRows = 0;
  let flaggedRows = 0;
  const rankOnce = (nowMs: number, tick: number) => {
    const snaps: MarketSnapshot[] = rankingSeries.map((x, s) => {
      const candles = options.viewColumns ? x.ring.view() : x.ring.columns();
      const n = candles.close.length;
      const close = candles.close[n - 1]!;
      const b = book(s, tick + 1, close, s % 9 === 4);
      flows.set(x.symbol, {
        symbol: x.symbol,
        updatedAtMs: nowMs,
        bookTop: b,
        trades: { windowMs: 300_000, buyNotionalUsd: 1e5 * (0.5 + unit(s, tick, 8)), sellNotionalUsd: 1e5 * (0.5 + unit(s, tick, 9)), trades: 50 + Math.floor(200 * unit(s, tick, 10)) },
        funding: { rate: (unit(s, tick, 11) - 0.45) * 4e-4, intervalHours: 8 },
        markPrice: { markPrice: close * (1 + (unit(s, tick, 7) - 0.5) * 2e-3), indexPrice: close },
      } as unknown as OrderFlowSnapshot);
      return {
        symbol: x.symbol,
        nowMs,
        barMs: timeframeMs(RANKING_TF),
        candles,
        book: b,
        trades: { windowMs: 300_000, buyVolumeBase: 500 * (0.5 + unit(s, tick, 8)), sellVolumeBase: 500 * (0.5 + unit(s, tick, 9)), tradeCount: 50 + Math.floor(200 * unit(s, tick, 10)) },
        fundingRate: (unit(s, tick, 11) - 0.45) * 4e-4,
        fundingIntervalHours: 8,
        fundingHistory: Array.from({ length: 30 }, (_, i) => (unit(s, i, 3) - 0.45) * 4e-4),
        markPrice: close * (1 + (unit(s, tick, 7) - 0.5) * 2e-3),
        indexPrice: close,
        market: { takerFeeRate: 0.0006, makerFeeRate: 0.0002, listedAtMs: s % 11 === 5 ? T0 - 2 * 86_400_000 : T0 - 400 * 86_400_000 },
        revision: `${candles.openTimeMs[n - 1]}:${n}:${tick}`,
      };
    });
    const context = computeMarketContext(snaps);
    feed(h, context);
    feed(h, snaps.map((snap) => ranker.radar.analyze(snap, context)));
    const ranking = ranker.rank(snaps, { top: 1000 });
    feed(h, ranking);
    rankedRows = ranking.rows.length;
    flaggedRows = ranking.rows.filter((r) => r.flags.length > 0).length;
    const adapted = buildSnapshots(market, RANKING_TF, nowMs, { books: 'synthetic_demo' });
    feed(h, adapted);
    feed(h, new Ranker().rank(adapted, { top: 1000, profile: 'scalp' }));
  };
  rankOnce(T0, -1);

  for (let k = 0; k < ticks; k++) {
    const closeMs = T0 + (k + 1) * timeframeMs(RANKING_TF);
    const closed: ClosedBar[] = series.map((x) => ({ symbol: x.symbol, timeframe: x.timeframe, candle: x.source.next(closeMs - x.tfMs) }));
    for (let j = 0; j < closed.length; j++) series[j]!.ring.push(closed[j]!.candle);
    const result = ev.onBarsClosed(closed);
    feed(h, result);
    cycles.push(...result.cycles);
    rankOnce(closeMs, k);
  }
  feed(h, ev.engine.snapshot());
  return {
    sha256: h.digest('hex'),
    cycles: cycles.length,
    candidates: cycles.reduce((n, c) => n + c.candidates.length, 0),
    signals: cycles.reduce((n, c) => n + c.signals.length, 0),
    rankedRows,
    flaggedRows,
  };
}
