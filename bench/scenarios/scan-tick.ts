import { timeframeMs, type Candle, type Timeframe } from '../../shared/src/index.js';
import type { OhlcvColumns } from '../../sdk/src/features/types.js';
import type { BookTop, MarketSnapshot, SnapshotAnalysis } from '../../sdk/src/manipulation/index.js';
import { Ranker, type RankingQueryInput, type RankingResult } from '../../sdk/src/ranking/index.js';
import {
  createSignalEngine,
  evaluateCold,
  IncrementalSignalEvaluator,
  type ClosedBar,
  type SeriesData,
  type SignalCycle,
} from '../../sdk/src/signals/index.js';
import { median, writeResult } from '../lib.js';

// scan-tick scenario: 400 symbols x 4 timeframes x 500 generated bars.
// - cold: features + strategies + signals over the full histories, then one market snapshot per
//   symbol, the manipulation radar and the ranking, all from scratch (budget 100 ms);
// - tick: every one of the 1,600 series closes a bar at one timestamp and is processed
//   incrementally, then the universe is re-snapshotted, re-scored and ranked (budget 25 ms);
// - RSS of the process holding the universe and the warm engine, settled (budget 300 MB).
// Each figure is also a ratio to a floor measured in the same run: a hand-written single pass
// computing EMA(21) + ATR(14) over the same data (cold) or advancing both by one bar per series
// (tick). Timings are medians of interleaved rounds after warm-up rounds (ticks warm up longer: a
// live engine runs this path on every bar close, so its optimised steady state is what counts;
// V8 reaches it after about 20 ticks), in process CPU time
// (other engineers' jobs on this shared machine would otherwise be billed to whatever ran), with
// wall time alongside.
//
// The stages after the signals (snapshots, manipulation, ranking) are timed within the same cold
// and tick totals. Snapshots follow the engine's adapter: the candles of the ranking timeframe (the
// longest, 4h) as Float64Array columns, a 20-level synthetic book per side, taker-flow stats,
// funding with its history, mark/index, fees and listing time; like the engine's adapter, no
// open-interest history. Views over the history stand in for the engine's candle store, so no stage
// is billed for copying generated data. The radar and the ranker start empty in every cold round;
// the tick path keeps one ranker, whose caches miss for every symbol on each tick because every 4h
// series has just closed a bar.

const SYMBOLS = 400;
const TIMEFRAMES: readonly Timeframe[] = ['5m', '15m', '1h', '4h'];
const BARS = 500;
const ROUNDS = 11;
const WARMUP_ROUNDS = 3;
const TICK_ROUNDS = 21;
const TICK_WARMUPS = 20;
const TICKS = TICK_ROUNDS + TICK_WARMUPS;
const BUDGET_COLD_MS = 100;
const BUDGET_TICK_MS = 25;
const BUDGET_RSS_MB = 300;
const ANCHOR = 'SYM000/USDT:USDT';
const RANKING_TF: Timeframe = '4h';
const BOOK_LEVELS = 20;
/** The engine's per-cycle ranking query (every row, default profile). */
const RANKING_QUERY: RankingQueryInput = { top: 1000 };

/** Deterministic random-walk candles (LCG), with occasional volume spikes. */
function generate(seed: number, n: number, firstOpenMs: number, tfMs: number): OhlcvColumns {
  let s = seed >>> 0 || 1;
  const rnd = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
  const c: OhlcvColumns = {
    openTimeMs: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
  let p = 50 + 100 * rnd();
  for (let i = 0; i < n; i++) {
    const open = p;
    p = Math.max(1e-3, p * (1 + (rnd() - 0.5) * 0.02));
    c.openTimeMs[i] = firstOpenMs + i * tfMs;
    c.open[i] = open;
    c.close[i] = p;
    c.high[i] = Math.max(open, p) * (1 + rnd() * 0.004);
    c.low[i] = Math.min(open, p) * (1 - rnd() * 0.004);
    c.volume[i] = 1000 * (0.5 + rnd()) * (rnd() < 0.03 ? 4 : 1);
  }
  return c;
}

function candle(c: OhlcvColumns, i: number, openTimeMs: number): Candle {
  return { openTimeMs, open: c.open[i]!, high: c.high[i]!, low: c.low[i]!, close: c.close[i]!, volume: c.volume[i]! };
}

// Every history ends with a bar closing at T0; tick k closes one more bar on every series at
// T0 + k * 4h, so that all 1,600 series close together on each tick. For the shorter timeframes
// that skips bars between ticks, which the engine accepts (only increasing times are required).
const LONGEST_MS = timeframeMs('4h');
const T0 = Date.UTC(2025, 9, 1);
const rssAtStartMb = process.memoryUsage().rss / 2 ** 20;
const universe: SeriesData[] = [];
/** Per series, the bars its ticks will close. */
const tickCandles: OhlcvColumns[] = [];
/** Per symbol, its ranking-timeframe history including the bars the ticks close. */
const rankingHistory: OhlcvColumns[] = [];
/** Columns `[from, to)` as views (no copy). */
function part(all: OhlcvColumns, from: number, to: number): OhlcvColumns {
  return {
    openTimeMs: all.openTimeMs.subarray(from, to),
    open: all.open.subarray(from, to),
    high: all.high.subarray(from, to),
    low: all.low.subarray(from, to),
    close: all.close.subarray(from, to),
    volume: all.volume.subarray(from, to),
  };
}
for (let s = 0; s < SYMBOLS; s++) {
  TIMEFRAMES.forEach((tf, k) => {
    const tfMs = timeframeMs(tf);
    const all = generate(s * 16 + k + 1, BARS + TICKS, T0 - BARS * tfMs, tfMs);
    universe.push({ symbol: `SYM${String(s).padStart(3, '0')}/USDT:USDT`, timeframe: tf, candles: part(all, 0, BARS) });
    tickCandles.push(part(all, BARS, BARS + TICKS));
    if (tf === RANKING_TF) rankingHistory.push(all);
  });
}
const config = { regime: { anchorSymbol: ANCHOR, anchorTimeframe: '1h' } };

function tickBars(k: number): ClosedBar[] {
  const closeMs = T0 + (k + 1) * LONGEST_MS;
  return universe.map((s, j) => ({ symbol: s.symbol, timeframe: s.timeframe, candle: candle(tickCandles[j]!, k, closeMs - timeframeMs(s.timeframe)) }));
}

/** Per-symbol market inputs besides candles: fixed facts plus a seeded source for books and flow. */
interface SymbolMarket {
  symbol: string;
  fundingHistory: Float64Array;
  listedAtMs: number;
  /** Every 25th symbol shows a lopsided book (a bid wall) to exercise the spoofing rule. */
  spoofed: boolean;
}

/** Deterministic uniform [0, 1) from integers (a hash, so any (symbol, tick) is reproducible). */
function unit(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35) ^ Math.imul(c + 0x27d4eb2f, 0x165667b1);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return ((h ^ (h >>> 15)) >>> 0) / 4294967296;
}

const markets: SymbolMarket[] = rankingHistory.map((_h, s) => {
  const fundingHistory = new Float64Array(30);
  for (let i = 0; i < fundingHistory.length; i++) fundingHistory[i] = (unit(s, i, 3) - 0.45) * 4e-4;
  return {
    symbol: universe[s * TIMEFRAMES.length]!.symbol,
    fundingHistory,
    listedAtMs: s % 50 === 7 ? T0 - 2 * 86_400_000 : T0 - 400 * 86_400_000,
    spoofed: s % 25 === 3,
  };
});

/** A 20-level book per side around `mid`: 1-3 bps spread, 2-bps steps, 2k-20k USD per level. */
function syntheticBook(s: number, tick: number, mid: number, spoofed: boolean): BookTop {
  const half = mid * (0.5 + unit(s, tick, 4)) * 1e-4;
  const step = mid * 2e-4;
  const bids: [number, number][] = [];
  const asks: [number, number][] = [];
  for (let i = 0; i < BOOK_LEVELS; i++) {
    const bid = mid - half - i * step;
    const ask = mid + half + i * step;
    const wall = spoofed && i === 3 ? 25 : 1;
    bids.push([bid, (wall * (2_000 + 18_000 * unit(s, tick * 64 + i, 5))) / bid]);
    asks.push([ask, (2_000 + 18_000 * unit(s, tick * 64 + i, 6)) / ask]);
  }
  return { bids, asks };
}

/**
 * Symbol `s`'s snapshot with its first `bars` ranking-timeframe bars closed at `nowMs`, as the
 * engine's adapter builds it. `book` arrives from the market layer.
 */
function snapshotOf(s: number, bars: number, nowMs: number, tick: number, book: BookTop): MarketSnapshot {
  const m = markets[s]!;
  const candles = part(rankingHistory[s]!, 0, bars);
  const close = candles.close[bars - 1]!;
  const basis = (unit(s, tick, 7) - 0.5) * 2e-3;
  const buy = 500 * (0.5 + unit(s, tick, 8));
  return {
    symbol: m.symbol,
    nowMs,
    barMs: LONGEST_MS,
    candles,
    book,
    trades: { windowMs: 300_000, buyVolumeBase: buy, sellVolumeBase: 500 * (0.5 + unit(s, tick, 9)), tradeCount: 50 + Math.floor(200 * unit(s, tick, 10)) },
    fundingRate: (unit(s, tick, 11) - 0.45) * 4e-4,
    fundingIntervalHours: 8,
    fundingHistory: m.fundingHistory,
    markPrice: close * (1 + basis),
    indexPrice: close,
    market: { takerFeeRate: 0.0006, makerFeeRate: 0.0002, listedAtMs: m.listedAtMs },
    revision: `${candles.openTimeMs[bars - 1]}:${bars}:${tick}`,
  };
}

/** Books for every symbol at one moment (tick -1 is the cold start). */
function booksAt(tick: number, bars: number): BookTop[] {
  return markets.map((m, s) => syntheticBook(s, tick + 1, rankingHistory[s]!.close[bars - 1]!, m.spoofed));
}

/** What the stages hand on to the ones after them within one cold pass or one tick. */
interface StageContext {
  /** The signal stage's cycle over the latest bars (cold) or this tick's cycles. */
  signalCycles: SignalCycle[];
  /** Ranking-timeframe bars closed so far, the decision time and the books that arrived with them. */
  bars: number;
  nowMs: number;
  tick: number;
  books: BookTop[];
  snapshots: MarketSnapshot[];
  ranker: Ranker;
  analyses: SnapshotAnalysis[];
  ranking: RankingResult | null;
}

/**
 * One stage of the scan pipeline, timed on its own and within the totals. Later stages read what
 * earlier ones left in the context (e.g. ranking reads `signalCycles`).
 */
interface Stage {
  name: string;
  cold(ctx: StageContext): void;
  tick(bars: readonly ClosedBar[], ctx: StageContext): void;
}

let live = new IncrementalSignalEvaluator(createSignalEngine(config));
const emptyContext = (): StageContext => ({
  signalCycles: [],
  bars: BARS,
  nowMs: T0,
  tick: -1,
  books: booksAt(-1, BARS),
  snapshots: [],
  ranker: new Ranker(),
  analyses: [],
  ranking: null,
});
const coldCtx = emptyContext();
const tickCtx = emptyContext();
const buildSnapshots = (ctx: StageContext) => {
  ctx.snapshots = ctx.books.map((book, s) => snapshotOf(s, ctx.bars, ctx.nowMs, ctx.tick, book));
};
const radarPass = (ctx: StageContext) => {
  ctx.analyses = ctx.snapshots.map((snap) => ctx.ranker.radar.analyze(snap));
};
const stages: Stage[] = [
  {
    name: 'signals',
    cold: (ctx) => {
      ctx.signalCycles = [evaluateCold(createSignalEngine(config), universe)];
    },
    tick: (bars, ctx) => {
      ctx.signalCycles = live.onBarsClosed(bars).cycles;
    },
  },
  { name: 'snapshots', cold: buildSnapshots, tick: (_bars, ctx) => buildSnapshots(ctx) },
  {
    // The radar alone; the ranking below reuses its per-symbol analyses from the ranker's cache.
    name: 'manipulation',
    cold: (ctx) => {
      ctx.ranker = new Ranker();
      radarPass(ctx);
    },
    tick: (_bars, ctx) => radarPass(ctx),
  },
  {
    name: 'ranking',
    cold: (ctx) => {
      ctx.ranking = ctx.ranker.rank(ctx.snapshots, RANKING_QUERY);
    },
    tick: (_bars, ctx) => {
      ctx.ranking = ctx.ranker.rank(ctx.snapshots, RANKING_QUERY);
    },
  },
];

/** Floor: EMA(21) and ATR(14) in one hand-written pass over every series. */
function referenceCold(): number {
  let sink = 0;
  const alpha = 2 / 22;
  for (const s of universe) {
    const { high, low, close } = s.candles;
    let e = close[0]!;
    let a = high[0]! - low[0]!;
    for (let i = 1; i < close.length; i++) {
      const c = close[i]!;
      const pc = close[i - 1]!;
      e += alpha * (c - e);
      const h = high[i]!;
      const l = low[i]!;
      a += ((h > pc ? h : pc) - (l < pc ? l : pc) - a) / 14;
    }
    sink += e + a;
  }
  return sink;
}

/** Floor for a tick: advance EMA(21) and ATR(14) by one bar on every series. */
const refState = universe.map((s) => ({ e: s.candles.close[BARS - 1]!, a: 1, pc: s.candles.close[BARS - 1]! }));
function referenceTick(bars: readonly ClosedBar[]): number {
  let sink = 0;
  const alpha = 2 / 22;
  for (let j = 0; j < bars.length; j++) {
    const b = bars[j]!.candle;
    const st = refState[j]!;
    st.e += alpha * (b.close - st.e);
    st.a += ((b.high > st.pc ? b.high : st.pc) - (b.low < st.pc ? b.low : st.pc) - st.a) / 14;
    st.pc = b.close;
    sink += st.e + st.a;
  }
  return sink;
}

function cpuMs(fn: () => unknown): { cpu: number; wall: number } {
  const c0 = process.cpuUsage();
  const w0 = process.hrtime.bigint();
  fn();
  const w = Number(process.hrtime.bigint() - w0) / 1e6;
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1000, wall: w };
}

// Warm start: seed every tracker with its 500 bars (the live path's cold start after a backfill),
// including turning the columns into the candle objects the market layer would hand over.
const seedTimes: number[] = [];
function seedAll(): IncrementalSignalEvaluator {
  const ev = new IncrementalSignalEvaluator(createSignalEngine(config));
  for (const s of universe) {
    const c = s.candles;
    const list: Candle[] = [];
    for (let i = 0; i < BARS; i++) list.push(candle(c, i, c.openTimeMs[i]!));
    ev.seed(s.symbol, s.timeframe, list);
  }
  return ev;
}
for (let r = 0; r < 3; r++) seedTimes.push(cpuMs(() => (live = seedAll())).cpu);

// Cold rounds: every stage's cold pass, interleaved with the reference.
const cold = { total: [] as number[], wall: [] as number[], ref: [] as number[], perStage: stages.map(() => [] as number[]) };
let sink = 0;
for (let r = 0; r < ROUNDS + WARMUP_ROUNDS; r++) {
  const ref = cpuMs(() => (sink += referenceCold()));
  const per = stages.map((st) => cpuMs(() => st.cold(coldCtx)));
  if (r < WARMUP_ROUNDS) continue;
  cold.ref.push(ref.cpu);
  per.forEach((t, i) => cold.perStage[i]!.push(t.cpu));
  cold.total.push(per.reduce((s, t) => s + t.cpu, 0));
  cold.wall.push(per.reduce((s, t) => s + t.wall, 0));
}

// Tick rounds on the warm evaluator: consecutive closes, interleaved with the reference.
const tick = { total: [] as number[], wall: [] as number[], ref: [] as number[], perStage: stages.map(() => [] as number[]) };
for (let k = 0; k < TICKS; k++) {
  const bars = tickBars(k);
  // What the market layer hands over with this close: the new bar count, time and books.
  tickCtx.bars = BARS + k + 1;
  tickCtx.nowMs = T0 + (k + 1) * LONGEST_MS;
  tickCtx.tick = k;
  tickCtx.books = booksAt(k, tickCtx.bars);
  const ref = cpuMs(() => (sink += referenceTick(bars)));
  const per = stages.map((st) => cpuMs(() => st.tick(bars, tickCtx)));
  if (k < TICK_WARMUPS) continue;
  tick.ref.push(ref.cpu);
  per.forEach((t, i) => tick.perStage[i]!.push(t.cpu));
  tick.total.push(per.reduce((s, t) => s + t.cpu, 0));
  tick.wall.push(per.reduce((s, t) => s + t.wall, 0));
}

// RSS once garbage from the timing rounds is gone: the universe, the warm evaluator, the ranker's
// caches and the runtime. Straight after a collection V8 still holds the heap the timing rounds grew
// (tens of MB of pages it gives back when idle), so the budgeted figure is taken after the process
// has idled briefly between collections, as a live engine does between bar closes; the figure
// straight after the rounds is reported alongside.
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const rssAfterRoundsMb = process.memoryUsage().rss / 2 ** 20;
for (let i = 0; i < 3; i++) {
  await new Promise((resolve) => setTimeout(resolve, 300));
  gc?.();
}
const memory = process.memoryUsage();
const rssMb = memory.rss / 2 ** 20;
const coldMs = median(cold.total);
const tickMs = median(tick.total);
const coldRefMs = median(cold.ref);
const tickRefMs = median(tick.ref);
const seedMs = median(seedTimes);
const round = (x: number, d = 3) => Number(x.toFixed(d));
/** Median CPU ms of each stage, with its share of the budget and its ratio to the run's floor. */
function stageFigures(perStage: number[][], budgetMs: number, refMs: number) {
  return Object.fromEntries(
    stages.map((s, i) => {
      const ms = median(perStage[i]!);
      return [s.name, { cpuMs: round(ms), ratioToBudget: round(ms / budgetMs), ratioToReference: round(ms / refMs, 1) }];
    }),
  );
}
/** What the last ranking held, to show the stages did real work. */
function rankingSummary(r: RankingResult | null) {
  if (!r) return null;
  return {
    universe: r.universe,
    rows: r.rows.length,
    flagged: r.rows.filter((row) => row.flags.length > 0).length,
    flags: [...new Set(r.rows.flatMap((row) => row.flags.map((f) => f.name)))].sort(),
    maxManipScore: r.rows.reduce((m, row) => Math.max(m, row.manipScore), 0),
    top: r.rows[0]?.symbol ?? null,
  };
}
const result = {
  universe: { symbols: SYMBOLS, timeframes: TIMEFRAMES, bars: BARS, series: universe.length },
  rounds: ROUNDS,
  warmupRounds: WARMUP_ROUNDS,
  tickRounds: TICK_ROUNDS,
  tickWarmups: TICK_WARMUPS,
  cold: {
    cpuMs: round(coldMs),
    wallMs: round(median(cold.wall)),
    perStage: stageFigures(cold.perStage, BUDGET_COLD_MS, coldRefMs),
    referenceCpuMs: round(coldRefMs),
    ratioToBudget: round(coldMs / BUDGET_COLD_MS),
    ratioToReference: round(coldMs / coldRefMs, 1),
    candidates: coldCtx.signalCycles.reduce((n, c) => n + c.candidates.length, 0),
    selected: coldCtx.signalCycles.reduce((n, c) => n + c.signals.length, 0),
    ranking: rankingSummary(coldCtx.ranking),
  },
  warmStart: { seedCpuMs: round(seedMs), ratioToColdReference: round(seedMs / coldRefMs, 1) },
  tick: {
    cpuMs: round(tickMs),
    wallMs: round(median(tick.wall)),
    perStage: stageFigures(tick.perStage, BUDGET_TICK_MS, tickRefMs),
    referenceCpuMs: round(tickRefMs),
    ratioToBudget: round(tickMs / BUDGET_TICK_MS),
    ratioToReference: round(tickMs / tickRefMs, 1),
    selectedLastTick: tickCtx.signalCycles.reduce((n, c) => n + c.signals.length, 0),
    rankingLastTick: rankingSummary(tickCtx.ranking),
  },
  rss: {
    mb: round(rssMb, 1),
    afterRoundsMb: round(rssAfterRoundsMb, 1),
    atStartMb: round(rssAtStartMb, 1),
    heapUsedMb: round(memory.heapUsed / 2 ** 20, 1),
    typedArraysMb: round(memory.arrayBuffers / 2 ** 20, 1),
    ratioToBudget: round(rssMb / BUDGET_RSS_MB),
  },
  budgets: { coldMs: BUDGET_COLD_MS, tickMs: BUDGET_TICK_MS, rssMb: BUDGET_RSS_MB },
  sink,
};
const stageLine = (perStage: number[][], d: number) => stages.map((s, i) => `${s.name} ${round(median(perStage[i]!), d)}`).join(' + ');
writeResult(
  'scan-tick',
  result,
  `cold ${round(coldMs, 1)} ms (${result.cold.ratioToBudget}x budget, ${result.cold.ratioToReference}x EMA+ATR floor; ${stageLine(cold.perStage, 1)}) | ` +
    `tick ${round(tickMs, 2)} ms (${result.tick.ratioToBudget}x budget, ${result.tick.ratioToReference}x floor; ${stageLine(tick.perStage, 2)}) | ` +
    `warm start ${round(seedMs, 0)} ms | RSS ${round(rssMb, 0)} MB (${result.rss.ratioToBudget}x budget)`,
);
