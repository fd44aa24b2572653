import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { timeframeMs, type Candle, type Timeframe } from '../../shared/src/index.js';
import { FEATURE_NAMES, type FeatureRow } from '../../sdk/src/features/index.js';
import { computeMarketContext, type BookTop, type MarketSnapshot, type SnapshotAnalysis } from '../../sdk/src/manipulation/index.js';
import { CandleRing } from '../../sdk/src/market/candleRing.js';
import { Ranker, type RankingQueryInput, type RankingResult } from '../../sdk/src/ranking/index.js';
import { createSignalEngine, IncrementalSignalEvaluator, type ClosedBar, type SignalCycle } from '../../sdk/src/signals/index.js';
import { bundleScenario, hasTsLoader, median, withoutTsLoader, writeResult } from '../lib.js';

// scan-tick scenario: the engine's live path at two universe sizes, each in its own process
// (400 symbols x 4 timeframes and 2,000 x 4, 500 generated bars per series).
// - Warm start: what `Analyzer.evaluateAll` does after a backfill. Per series the engine's
//   `CandleRing` is seeded straight from its columns (`IncrementalSignalEvaluator.seedFromRing`: no
//   candle objects), then `evaluateLatest` runs the first cycle. Timed both ways in the same run,
//   interleaved with GC settled between them: the batch warm start and the bar-by-bar replay it
//   replaced (`seedByReplay` over `ring.toArray()`, what `market.candles` returns); every tracker's
//   last two rows and the first cycle are asserted `Object.is`-equal between the two, or the scenario
//   fails.
// - First ranking: snapshots, manipulation radar and ranking from scratch, once.
// - Tick: every series closes a bar at one timestamp. The bars are pushed into the rings (the market
//   layer's part), processed incrementally (handed to the engine in a fresh seeded order each
//   tick), then every symbol is re-snapshotted from its ring as the engine's analyzer does
//   (`buildSnapshots` takes `ring.view()`: the ring's own storage, no copy), re-scored and
//   ranked. Medians of 21
//   ticks after 20 warm-up ticks (a live engine runs this on every close; V8 reaches its steady
//   state after about 20).
// - RSS: read at the end with no forced GC, holding the engine's rings (capacity 1,000, the market
//   service's default for 500 bars of history), the warm evaluator, the
//   ranker and the runtime.
// References measured in the same run: the replay for the warm start, and for the tick a
// hand-written floor advancing EMA(21) and ATR(14) by one bar on every series.
// Times are process CPU ms (other jobs on this shared machine would otherwise be billed to whatever
// ran), wall ms alongside. Generated data lives only in the rings: the ticks' bars come from each
// series' generator state, so no fixture inflates the RSS.

const TIMEFRAMES: readonly Timeframe[] = ['5m', '15m', '1h', '4h'];
const BARS = 500;
/** `MarketDataService`'s default ring capacity for 500 bars of history: max(historyBars, 1,000). */
const RING_CAPACITY = Math.max(BARS, 1_000);
const SEED_ROUNDS = 5;
const TICK_ROUNDS = 21;
const TICK_WARMUPS = 20;
const TICKS = TICK_ROUNDS + TICK_WARMUPS;
const RANKING_TF: Timeframe = '4h';
const BOOK_LEVELS = 20;
/** The engine's per-cycle ranking query (every row, default profile). */
const RANKING_QUERY: RankingQueryInput = { top: 1000 };
const LONGEST_MS = timeframeMs('4h');
const T0 = Date.UTC(2025, 9, 1);

interface CaseSpec {
  name: string;
  symbols: number;
  budgets: { warmStartMs: number; tickMs: number; rssMb: number };
}
const CASES: CaseSpec[] = [
  { name: '400x4', symbols: 400, budgets: { warmStartMs: 150, tickMs: 15, rssMb: 300 } },
  { name: '2000x4', symbols: 2_000, budgets: { warmStartMs: 1_000, tickMs: 60, rssMb: 1_024 } },
];

const round = (x: number, d = 1) => Number(x.toFixed(d));

/** Deterministic random-walk candles (LCG), with occasional volume spikes; one generator per series. */
class CandleSource {
  private s: number;
  private p: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
    this.p = 50 + 100 * this.rnd();
  }
  private rnd(): number {
    this.s = (Math.imul(this.s, 1103515245) + 12345) >>> 0;
    return this.s / 4294967296;
  }
  next(openTimeMs: number): Candle {
    const open = this.p;
    const close = (this.p = Math.max(1e-3, this.p * (1 + (this.rnd() - 0.5) * 0.02)));
    const high = Math.max(open, close) * (1 + this.rnd() * 0.004);
    const low = Math.min(open, close) * (1 - this.rnd() * 0.004);
    const volume = 1000 * (0.5 + this.rnd()) * (this.rnd() < 0.03 ? 4 : 1);
    return { openTimeMs, open, high, low, close, volume };
  }
}

/** A copy of `items` in a deterministic order drawn from `seed` (Fisher-Yates over an LCG). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = items.slice();
  let s = (seed * 2654435761 + 1) >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = Math.floor((s / 4294967296) * (i + 1));
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}

/** Deterministic uniform [0, 1) from integers (a hash, so any (symbol, tick) is reproducible). */
function unit(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35) ^ Math.imul(c + 0x27d4eb2f, 0x165667b1);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return ((h ^ (h >>> 15)) >>> 0) / 4294967296;
}

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

function cpuMs(fn: () => unknown): { cpu: number; wall: number } {
  const c0 = process.cpuUsage();
  const w0 = process.hrtime.bigint();
  fn();
  const w = Number(process.hrtime.bigint() - w0) / 1e6;
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1000, wall: w };
}

/** First leaf where two values differ under `Object.is` (NaN equals NaN, 0 and -0 differ), or null. */
function firstDifference(a: unknown, b: unknown, path = ''): string | null {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) {
    return Object.is(a, b) ? null : `${path || '.'}: ${String(a)} vs ${String(b)}`;
  }
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d) return d;
  }
  return null;
}

function rowDifference(a: FeatureRow | null, b: FeatureRow | null, where: string): string | null {
  if (!a || !b) return a === b ? null : `${where}: one row missing`;
  for (const n of FEATURE_NAMES) if (!Object.is(a[n], b[n])) return `${where}.${n}: ${a[n]} vs ${b[n]}`;
  return null;
}

/** Runs one universe size in this process and returns its figures. */
async function runCase(spec: CaseSpec): Promise<Record<string, unknown>> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const rssAtStartMb = process.memoryUsage().rss / 2 ** 20;
  const anchor = 'SYM0000/USDT:USDT';
  const config = { regime: { anchorSymbol: anchor, anchorTimeframe: '1h' as const } };

  interface Series {
    symbol: string;
    timeframe: Timeframe;
    tfMs: number;
    source: CandleSource;
    ring: CandleRing;
  }
  const series: Series[] = [];
  for (let s = 0; s < spec.symbols; s++) {
    TIMEFRAMES.forEach((tf, k) => {
      const tfMs = timeframeMs(tf);
      const source = new CandleSource(s * 16 + k + 1);
      const ring = new CandleRing(RING_CAPACITY);
      for (let i = 0; i < BARS; i++) ring.push(source.next(T0 - (BARS - i) * tfMs));
      series.push({ symbol: `SYM${String(s).padStart(4, '0')}/USDT:USDT`, timeframe: tf, tfMs, source, ring });
    });
  }
  const rankingRings = series.filter((x) => x.timeframe === RANKING_TF).map((x) => x.ring);
  const markets = rankingRings.map((_r, s) => {
    const fundingHistory = new Float64Array(30);
    for (let i = 0; i < fundingHistory.length; i++) fundingHistory[i] = (unit(s, i, 3) - 0.45) * 4e-4;
    return { symbol: series[s * TIMEFRAMES.length]!.symbol, fundingHistory, listedAtMs: s % 50 === 7 ? T0 - 2 * 86_400_000 : T0 - 400 * 86_400_000, spoofed: s % 25 === 3 };
  });
  const rssAfterDataMb = process.memoryUsage().rss / 2 ** 20;

  /** Symbol `s`'s snapshot from its ranking-timeframe ring, as the engine's adapter builds it. */
  const snapshotOf = (s: number, nowMs: number, tick: number, book: BookTop): MarketSnapshot => {
    const m = markets[s]!;
    const candles = rankingRings[s]!.view();
    const bars = candles.close.length;
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
  };
  const booksAt = (tick: number): BookTop[] => markets.map((m, s) => syntheticBook(s, tick + 1, rankingRings[s]!.last()!.close, m.spoofed));

  // Warm start, both ways, interleaved; the engine reads each series' candles out of its ring.
  const seedWith = (how: 'batch' | 'replay') => {
    const ev = new IncrementalSignalEvaluator(createSignalEngine(config));
    let first: SignalCycle | null = null;
    const seed = cpuMs(() => {
      for (const x of series) {
        if (how === 'batch') ev.seedFromRing(x.symbol, x.timeframe, x.ring);
        else ev.seedByReplay(x.symbol, x.timeframe, x.ring.toArray());
      }
    });
    const cycle = cpuMs(() => (first = ev.evaluateLatest()));
    return { ev, first: first as SignalCycle | null, seed, cycle };
  };
  const times = { batch: [] as { seed: number; cycle: number; wall: number }[], replay: [] as { seed: number; cycle: number; wall: number }[] };
  let checked = 0;
  /**
   * One round: a replay and a batch warm start, timed. Its own function so that the round's
   * evaluators die with its frame: left in `runCase`'s frame, the last replay evaluator (a second
   * engine's trackers and rows) stayed reachable through the ticks, billing its marking to them
   * and its memory to the RSS.
   */
  const warmStartRound = (r: number): { ev: IncrementalSignalEvaluator; candidates: number } => {
    gc?.();
    const replay = seedWith('replay');
    times.replay.push({ seed: replay.seed.cpu, cycle: replay.cycle.cpu, wall: replay.seed.wall + replay.cycle.wall });
    gc?.();
    const batch = seedWith('batch');
    times.batch.push({ seed: batch.seed.cpu, cycle: batch.cycle.cpu, wall: batch.seed.wall + batch.cycle.wall });
    if (r === 0) {
      for (const x of series) {
        const a = batch.ev.tracker(x.symbol, x.timeframe)!;
        const b = replay.ev.tracker(x.symbol, x.timeframe)!;
        const d = rowDifference(a.last, b.last, `${x.symbol} ${x.timeframe} last`) ?? rowDifference(a.beforeLast, b.beforeLast, `${x.symbol} ${x.timeframe} beforeLast`);
        if (d) throw new Error(`warm start differs from the replay: ${d}`);
        checked++;
      }
      const d = firstDifference(batch.first, replay.first);
      if (d) throw new Error(`first cycle differs between the warm start and the replay: ${d}`);
    }
    return { ev: batch.ev, candidates: batch.first?.candidates.length ?? 0 };
  };
  let live: IncrementalSignalEvaluator | null = null;
  let firstCandidates = 0;
  for (let r = 0; r < SEED_ROUNDS; r++) {
    // The previous round's live evaluator is released before the next round builds two more.
    live = null;
    const seeded = warmStartRound(r);
    live = seeded.ev;
    firstCandidates = seeded.candidates;
  }
  const rssAfterWarmStartMb = process.memoryUsage().rss / 2 ** 20;

  // First ranking from scratch (the rest of `evaluateAll`).
  const ranker = new Ranker();
  /**
   * The radar stage as the Ranker runs it: every symbol against the cycle's cross-section. The
   * ranking stage then finds each analysis in the radar's cache (same snapshot, same context), so
   * the radar is billed once, to this stage.
   */
  const radarWithContext = (snaps: readonly MarketSnapshot[]): SnapshotAnalysis[] => {
    const market = computeMarketContext(snaps);
    return snaps.map((snap) => ranker.radar.analyze(snap, market));
  };
  let snapshots: MarketSnapshot[] = [];
  let analyses: SnapshotAnalysis[] = [];
  let ranking: RankingResult | null = null;
  const books0 = booksAt(-1);
  const firstRanking = {
    snapshots: cpuMs(() => (snapshots = books0.map((book, s) => snapshotOf(s, T0, -1, book)))).cpu,
    manipulation: cpuMs(() => (analyses = radarWithContext(snapshots))).cpu,
    ranking: cpuMs(() => (ranking = ranker.rank(snapshots, RANKING_QUERY))).cpu,
  };

  // Floor for a tick: EMA(21) and ATR(14) advanced by one bar on every series.
  const refState = series.map((x) => {
    const last = x.ring.last()!;
    return { e: last.close, a: last.high - last.low, pc: last.close };
  });
  let sink = 0;
  const referenceTick = (bars: readonly ClosedBar[]) => {
    const alpha = 2 / 22;
    for (let j = 0; j < bars.length; j++) {
      const b = bars[j]!.candle;
      const st = refState[j]!;
      st.e += alpha * (b.close - st.e);
      st.a += ((b.high > st.pc ? b.high : st.pc) - (b.low < st.pc ? b.low : st.pc) - st.a) / 14;
      st.pc = b.close;
      sink += st.e + st.a;
    }
  };
  const tickRef: number[] = [];

  // Ticks: every series closes one bar at T0 + (k + 1) * 4h.
  const stageNames = ['rings', 'signals', 'snapshots', 'manipulation', 'ranking'] as const;
  const perStage = stageNames.map(() => [] as number[]);
  const tickTotal: number[] = [];
  const tickWall: number[] = [];
  let lastCycles: SignalCycle[] = [];
  for (let k = 0; k < TICKS; k++) {
    const closeMs = T0 + (k + 1) * LONGEST_MS;
    const bars: ClosedBar[] = series.map((x) => ({ symbol: x.symbol, timeframe: x.timeframe, candle: x.source.next(closeMs - x.tfMs) }));
    // The market layer delivers a tick's closes as its streams answer, in no particular order: the
    // engine gets them shuffled afresh each tick, so no speed-up that leans on symbol order counts.
    const arrival = shuffled(bars, k);
    const books = booksAt(k);
    const ev = live!;
    const ref = cpuMs(() => referenceTick(bars)).cpu;
    const per = [
      cpuMs(() => {
        for (let j = 0; j < bars.length; j++) series[j]!.ring.push(bars[j]!.candle);
      }),
      cpuMs(() => (lastCycles = ev.onBarsClosed(arrival).cycles)),
      cpuMs(() => (snapshots = books.map((book, s) => snapshotOf(s, closeMs, k, book)))),
      cpuMs(() => (analyses = radarWithContext(snapshots))),
      cpuMs(() => (ranking = ranker.rank(snapshots, RANKING_QUERY))),
    ];
    if (k < TICK_WARMUPS) continue;
    tickRef.push(ref);
    per.forEach((t, i) => perStage[i]!.push(t.cpu));
    tickTotal.push(per.reduce((s, t) => s + t.cpu, 0));
    tickWall.push(per.reduce((s, t) => s + t.wall, 0));
  }
  void analyses;

  // RSS with no forced GC: what the process holds after the ticks, as a live engine would.
  const memory = process.memoryUsage();
  const rssMb = memory.rss / 2 ** 20;
  const ringBytes = series.reduce((s, x) => s + x.ring.allocatedSlots * 48, 0);
  const warm = (xs: { seed: number; cycle: number; wall: number }[]) => ({
    seedCpuMs: round(median(xs.map((x) => x.seed))),
    firstCycleCpuMs: round(median(xs.map((x) => x.cycle))),
    totalCpuMs: round(median(xs.map((x) => x.seed + x.cycle))),
    totalWallMs: round(median(xs.map((x) => x.wall))),
  });
  const batch = warm(times.batch);
  const replay = warm(times.replay);
  const tickMs = median(tickTotal);
  const r = ranking as RankingResult | null;
  return {
    case: spec.name,
    universe: { symbols: spec.symbols, timeframes: TIMEFRAMES, bars: BARS, series: series.length, ringCapacity: RING_CAPACITY },
    warmStart: {
      batch,
      replay,
      speedup: round(replay.totalCpuMs / batch.totalCpuMs, 2),
      rounds: SEED_ROUNDS,
      seriesAssertedEqual: checked,
      firstCycleCandidates: firstCandidates,
      budgetMs: spec.budgets.warmStartMs,
      ratioToBudget: round(batch.totalCpuMs / spec.budgets.warmStartMs, 2),
    },
    firstRanking: { cpuMs: round(firstRanking.snapshots + firstRanking.manipulation + firstRanking.ranking), perStage: Object.fromEntries(Object.entries(firstRanking).map(([k, v]) => [k, round(v)])) },
    tick: {
      cpuMs: round(tickMs, 2),
      wallMs: round(median(tickWall), 2),
      perStage: Object.fromEntries(stageNames.map((n, i) => [n, round(median(perStage[i]!), 2)])),
      rounds: TICK_ROUNDS,
      warmups: TICK_WARMUPS,
      selectedLastTick: lastCycles.reduce((n, c) => n + c.signals.length, 0),
      candidatesLastTick: lastCycles.reduce((n, c) => n + c.candidates.length, 0),
      rankedRows: r ? r.rows.length : 0,
      flaggedRows: r ? r.rows.filter((row) => row.flags.length > 0).length : 0,
      referenceCpuMs: round(median(tickRef), 3),
      ratioToReference: round(tickMs / median(tickRef), 0),
      budgetMs: spec.budgets.tickMs,
      ratioToBudget: round(tickMs / spec.budgets.tickMs, 2),
    },
    rss: {
      mb: round(rssMb),
      atStartMb: round(rssAtStartMb),
      afterDataMb: round(rssAfterDataMb),
      afterWarmStartMb: round(rssAfterWarmStartMb),
      heapUsedMb: round(memory.heapUsed / 2 ** 20),
      arrayBuffersMb: round(memory.arrayBuffers / 2 ** 20),
      ringsMb: round(ringBytes / 2 ** 20),
      forcedGc: false,
      budgetMb: spec.budgets.rssMb,
      ratioToBudget: round(rssMb / spec.budgets.rssMb, 2),
    },
    sink,
    // How this case's process ran: the parent refuses a figure taken with a TypeScript loader.
    process: { runs: 'plain node over an esbuild bundle of the scenario', execArgv: process.execArgv, tsLoader: hasTsLoader(process.execArgv) },
  };
}

const caseName = process.env.SCAN_TICK_CASE;
if (caseName) {
  const spec = CASES.find((c) => c.name === caseName);
  if (!spec) throw new Error(`SCAN_TICK_CASE: unknown case ${caseName}; expected one of ${CASES.map((c) => c.name).join(', ')}`);
  process.stdout.write(`${JSON.stringify(await runCase(spec))}\n`);
} else {
  const loadBefore = loadavg().map((x) => round(x, 2));
  const cases: Record<string, unknown>[] = [];
  // Each case runs this scenario bundled into plain JavaScript, with no TypeScript loader in the
  // process (a shipped engine has none; see `bundleScenario`).
  const bundle = await bundleScenario(fileURLToPath(import.meta.url));
  try {
    for (const spec of CASES) {
      // Each case in its own process, so the RSS of one never includes the other's heap.
      const child = spawnSync(process.execPath, [...withoutTsLoader(process.execArgv), bundle], {
        env: { ...process.env, SCAN_TICK_CASE: spec.name, NODE_OPTIONS: '' },
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 16 * 2 ** 20,
      });
      if (child.status !== 0) throw new Error(`scan-tick case ${spec.name} failed (exit ${String(child.status)})`);
      const lines = child.stdout.toString().trim().split('\n');
      const result = JSON.parse(lines[lines.length - 1]!) as Record<string, unknown> & { process: { execArgv: string[]; tsLoader: boolean } };
      if (result.process.tsLoader) throw new Error(`scan-tick case ${spec.name} ran with a TypeScript loader (${result.process.execArgv.join(' ')})`);
      cases.push(result);
    }
  } finally {
    rmSync(dirname(bundle), { recursive: true, force: true });
  }
  const loadAfter = loadavg().map((x) => round(x, 2));
  type Figures = { warmStart: { batch: { totalCpuMs: number }; replay: { totalCpuMs: number }; speedup: number; budgetMs: number }; tick: { cpuMs: number; budgetMs: number }; rss: { mb: number; budgetMb: number } };
  const line = cases
    .map((c) => {
      const f = c as unknown as Figures & { case: string };
      const mark = (v: number, b: number) => `${v} (${v <= b ? 'within' : 'MISSES'} ${b})`;
      return (
        `${f.case}: warm start ${mark(f.warmStart.batch.totalCpuMs, f.warmStart.budgetMs)} ms (replay ${f.warmStart.replay.totalCpuMs} ms, ${f.warmStart.speedup}x), ` +
        `tick ${mark(f.tick.cpuMs, f.tick.budgetMs)} ms, RSS ${mark(f.rss.mb, f.rss.budgetMb)} MB`
      );
    })
    .join(' | ');
  writeResult('scan-tick', { loadAverage: { before: loadBefore, after: loadAfter }, cases }, line);
}
