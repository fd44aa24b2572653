import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataFrame } from 'data-forge';
import { backtest as grademarkBacktest, type IBar, type IStrategy, type ITrade } from 'grademark';
import type { Candle } from '@perpscope/shared';
import { backtest, type BacktestResult } from '../../sdk/src/backtest/runBacktest.js';
import { backtestDataFrom, loadBacktestData, type BacktestData } from '../../sdk/src/backtest/data.js';
import type { PerpscopeConfigInput } from '../../sdk/src/config/index.js';
import { BUILTIN_STRATEGY_IDS } from '../../sdk/src/strategies/builtins.js';
import { TpSlConfigSchema } from '../../sdk/src/trading/tpsl.js';
import { median, writeResult } from '../lib.js';
import { mulberry32 } from '../../test/support/rng.js';

// Backtest scenario, two parts, each in its own process so that one's heap never colours the other.
//
// 1. Speed against grademark 0.3 (with data-forge) on the same real bars: 15 liquid Binance USD-M
//    perps, the whole five-month 1h set (300 warm-up bars, then every bar to the end).
//    "Equivalent strategy": EMA 21/50 cross, long on a golden cross and short on a death cross,
//    entered at the next bar's open, stop 1.2 ATR(14) and target 1.6 ATR(14) (the signal bar's
//    ATR) from the entry price. Perpscope runs its built-in `ema-cross` strategy alone, with the
//    score, probability, cooldown, exposure, position-count, daily-loss and manipulation gates
//    opened so that every cross is placed unless the symbol already holds a position, and its
//    protection set to one target (both ladder steps at 1.6 ATR) with no break-even or trailing
//    move. Grademark runs the same rule on the same bars, its indicators
//    computed in `prepIndicators` by plain loops over arrays (the fastest way to feed it).
//    What Perpscope does per bar and grademark does not: the full feature set (EMAs, ATR, ADX, RSI,
//    Supertrend, Donchian, volume, realized volatility), regime, bandit, labeler, manipulation
//    scoring and ranking, signal selection, the AutoTrader and RiskPolicy, protection orders
//    written to a SQLite ledger, the paper broker matching each held bar's path against a
//    synthetic depth book with fees and funding, an equity point per bar and the metrics report.
//    Bars are counted alike for both: symbol-bars replayed after the warm-up (a bar closing in
//    (startMs, endMs]); both also compute indicators over the warm-up bars.
//    Asserted (exit 1 otherwise):
//    - the bars: for every symbol, grademark's series holds exactly the candles Perpscope loaded
//      (same count, same first and last open time), Perpscope's replay covers startMs..endMs with
//      one equity point per bar step, and both sides count the same replayed symbol-bars;
//    - the crosses: the set of (symbol, bar, side) of Perpscope's ema-cross signals equals the set
//      of EMA crosses an independent EMA (SMA-seeded, computed in grademark's prepIndicators over
//      the same closes) finds in the replayed bars: grademark's entry candidates before its own
//      position logic drops those that arrive while a position is open;
//    - every Perpscope signal was placed or skipped as `position_open` (no other gate acted), and
//      every grademark entry is the bar after a cross of its direction.
//    Speed is bars per CPU-second (the process is single-threaded apart from GC); wall time is
//    recorded too.
//
// 2. Memory: 500 symbols x 1 year of 1h bars (8,760 each, seeded random walks) handed to
//    `backtest()` through `backtestDataFrom`, default config (every built-in strategy). Peak RSS
//    (VmHWM) and RSS at every bar step are recorded, the live heap (after a full GC) every 20
//    steps. The engine is warmed up on 2,000 bars so its candle rings are at their steady size from
//    the start; a full-year replay (8,460 steps, about 4.2 million symbol-bars) at the measured
//    throughput takes hours, so BACKTEST_MEMORY_STEPS bar steps are replayed and the live heap's
//    growth per step over them is extrapolated to the rest of the year, reported as such.

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
const DATA_DIR = join(process.env.PERPSCOPE_TEST_DATA ?? resolve(repoRoot, '../shared/data'), 'binance-usdm-2024-10-2025-03');
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT', 'DOGEUSDT', 'BNBUSDT', 'ADAUSDT', 'AVAXUSDT', 'LINKUSDT', 'SUIUSDT', 'LTCUSDT', 'BCHUSDT', 'AAVEUSDT', 'CRVUSDT', '1000PEPEUSDT'];
const WARMUP_BARS = 300;
const TF_MS = 3_600_000;
const EMA_FAST = 21;
const EMA_SLOW = 50;
const ATR_PERIOD = 14;
const STOP_ATR = 1.2;
const TARGET_ATR = 1.6;
const GRADEMARK_ROUNDS = Number(process.env.BACKTEST_GRADEMARK_ROUNDS ?? 5);

const MEM_SYMBOLS = Number(process.env.BACKTEST_MEMORY_SYMBOLS ?? 500);
const MEM_BARS = 8_760;
const MEM_WARMUP_BARS = 2_000;
const MEM_STEPS = Number(process.env.BACKTEST_MEMORY_STEPS ?? 100);
const MEM_START_MS = Date.UTC(2024, 0, 1);
const RSS_TARGET_BYTES = 1.5 * 1024 ** 3;

const cpuMs = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};
const mb = (bytes: number) => bytes / 1024 ** 2;

function peakRssBytes(): number {
  const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : process.memoryUsage.rss();
}

// ---- Part 1: speed against grademark ----

/** Perpscope's ema-cross alone, with every gate that could refuse a cross opened. */
function emaCrossOnlyConfig(symbols: number): PerpscopeConfigInput {
  const strategies = Object.fromEntries(BUILTIN_STRATEGY_IDS.filter((id) => id !== 'ema-cross').map((id) => [id, { enabled: false }]));
  return {
    signals: {
      strategies,
      features: { emaFastPeriod: EMA_FAST, emaSlowPeriod: EMA_SLOW, atrPeriod: ATR_PERIOD },
      blend: { minScore: 0 },
      labeler: { slAtrMult: STOP_ATR, tpAtrMult: TARGET_ATR },
      selection: { cooldownMs: 0, maxPerTimeframe: symbols, maxPerCycle: symbols },
    },
    risk: {
      gates: { minScore: 0, minProbability: 0, cooldownMs: 0, maxPositions: symbols, maxExposureUsd: 1e12, dailyLossLimitPct: null, maxManipScore: null, minQuoteVolume24hUsd: 0 },
    },
    // Every signal is traded, as the reference trades every cross: no evidence covers generated bars.
    autotrade: { edge: { require: false } },
  };
}

interface GmBar extends IBar {
  openTimeMs: number;
  /** +1 golden cross, -1 death cross, 0 none, on this bar's close (replayed bars only). */
  cross: number;
  /** ATR of the bar before: the signal bar when this bar is the entry bar. */
  signalAtr: number;
}

/** SMA-seeded EMA (NaN before `period` values), the definition Perpscope's features document. */
function emaOf(xs: readonly number[], period: number): Float64Array {
  const out = new Float64Array(xs.length).fill(NaN);
  const alpha = 2 / (period + 1);
  const keep = 1 - alpha;
  let sum = 0;
  let value = 0;
  for (let i = 0; i < xs.length; i++) {
    if (i < period) {
      sum += xs[i]!;
      if (i === period - 1) value = sum / period;
      else continue;
    } else value = alpha * xs[i]! + keep * value;
    out[i] = value;
  }
  return out;
}

/** Wilder ATR, SMA-seeded over the first `period` true ranges. */
function atrOf(bars: readonly IBar[], period: number): Float64Array {
  const out = new Float64Array(bars.length).fill(NaN);
  let sum = 0;
  let value = 0;
  for (let i = 0; i < bars.length; i++) {
    const b = bars[i]!;
    const tr = i === 0 ? b.high - b.low : Math.max(b.high - b.low, Math.abs(b.high - bars[i - 1]!.close), Math.abs(b.low - bars[i - 1]!.close));
    if (i < period) {
      sum += tr;
      if (i === period - 1) value = sum / period;
      else continue;
    } else value = (value * (period - 1) + tr) / period;
    out[i] = value;
  }
  return out;
}

type Direction = NonNullable<NonNullable<Parameters<Parameters<IStrategy['entryRule']>[0]>[0]>['direction']>;
const LONG = 'long' as unknown as Direction;
const SHORT = 'short' as unknown as Direction;

/** The grademark strategy; `crosses` collects the cross keys prepIndicators finds in the replayed bars. */
function grademarkStrategy(symbol: string, firstReplayedOpenMs: number, crosses: Set<string> | null): IStrategy<IBar, GmBar> {
  return {
    lookbackPeriod: 1,
    prepIndicators: ({ inputSeries }) => {
      const bars = inputSeries.toArray();
      const closes = bars.map((b) => b.close);
      const fast = emaOf(closes, EMA_FAST);
      const slow = emaOf(closes, EMA_SLOW);
      const atr = atrOf(bars, ATR_PERIOD);
      const out: GmBar[] = new Array<GmBar>(bars.length);
      for (let i = 0; i < bars.length; i++) {
        const b = bars[i]!;
        const openTimeMs = b.time.getTime();
        let cross = 0;
        if (i > 0 && openTimeMs >= firstReplayedOpenMs) {
          if (fast[i - 1]! <= slow[i - 1]! && fast[i]! > slow[i]!) cross = 1;
          else if (fast[i - 1]! >= slow[i - 1]! && fast[i]! < slow[i]!) cross = -1;
        }
        if (cross !== 0) crosses?.add(`${symbol}|${openTimeMs}|${cross > 0 ? 'long' : 'short'}`);
        out[i] = { ...b, openTimeMs, cross, signalAtr: i > 0 ? atr[i - 1]! : NaN };
      }
      return new DataFrame<number, GmBar>(out);
    },
    entryRule: (enter, { bar }) => {
      if (bar.cross !== 0) enter({ direction: bar.cross > 0 ? LONG : SHORT });
    },
    stopLoss: ({ bar }) => STOP_ATR * (bar as GmBar).signalAtr,
    profitTarget: ({ bar }) => TARGET_ATR * (bar as GmBar).signalAtr,
  };
}

interface GrademarkRun {
  trades: Map<string, ITrade[]>;
  crosses: Set<string>;
  barsIterated: number;
}

function runGrademark(data: BacktestData, firstReplayedOpenMs: number, collect: boolean): GrademarkRun {
  const trades = new Map<string, ITrade[]>();
  const crosses = new Set<string>();
  let barsIterated = 0;
  for (const symbol of data.symbols) {
    const input = new DataFrame<number, IBar>(data.candles.get(symbol)!.map((c) => ({ time: new Date(c.openTimeMs), open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume })));
    barsIterated += input.count();
    trades.set(symbol, grademarkBacktest(grademarkStrategy(symbol, firstReplayedOpenMs, collect ? crosses : null), input));
  }
  return { trades, crosses, barsIterated };
}

function replayedBars(data: BacktestData, startMs: number, endMs: number): Map<string, Candle[]> {
  return new Map(data.symbols.map((s) => [s, data.candles.get(s)!.filter((c) => c.openTimeMs >= startMs && c.openTimeMs + TF_MS <= endMs)]));
}

async function speed(): Promise<Record<string, unknown>> {
  const failures: string[] = [];
  const data = loadBacktestData({ dir: DATA_DIR, timeframe: '1h', symbols: SYMBOLS, warmupBars: WARMUP_BARS });
  const config = { data: DATA_DIR, timeframe: '1h' as const, warmupBars: WARMUP_BARS };
  const engineConfig = emaCrossOnlyConfig(data.symbols.length);
  const autoTrader = { tpsl: TpSlConfigSchema.parse({ slAtrMult: STOP_ATR, tp1AtrMult: TARGET_ATR, tp2AtrMult: TARGET_ATR, breakEvenAfterR: null }) };

  // Untimed warm-up of both (JIT): three symbols, 700 bars.
  const small = backtestDataFrom('1h', new Map(data.symbols.slice(0, 3).map((s) => [s, data.candles.get(s)!.slice(0, WARMUP_BARS + 400)])));
  await backtest(config, { data: small, engineConfig, autoTrader });
  runGrademark(small, small.candles.get(small.symbols[0]!)![WARMUP_BARS]!.openTimeMs, false);

  const signalKeys = new Set<string>();
  let otherSignals = 0;
  globalThis.gc?.();
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const result: BacktestResult = await backtest(config, {
    data,
    engineConfig,
    autoTrader,
    onSignal: (s) => {
      if (s.components.some((c) => c.id === 'ema-cross')) signalKeys.add(`${s.symbol}|${s.openTimeMs}|${s.side}`);
      else otherSignals++;
    },
  });
  const perpscopeWallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const perpscopeCpuMs = cpuMs(c0);

  const replayed = replayedBars(data, result.startMs, result.endMs);
  const bars = [...replayed.values()].reduce((s, b) => s + b.length, 0);
  const firstReplayedOpenMs = result.startMs;

  const gmWall: number[] = [];
  const gmCpu: number[] = [];
  let gm: GrademarkRun | null = null;
  runGrademark(data, firstReplayedOpenMs, false);
  for (let r = 0; r < GRADEMARK_ROUNDS; r++) {
    globalThis.gc?.();
    const g0 = process.cpuUsage();
    const w0 = process.hrtime.bigint();
    const run = runGrademark(data, firstReplayedOpenMs, r === 0);
    gmWall.push(Number(process.hrtime.bigint() - w0) / 1e6);
    gmCpu.push(cpuMs(g0));
    if (r === 0) gm = run;
  }
  const grademarkWallMs = median(gmWall);
  const grademarkCpuMs = median(gmCpu);

  // ---- assertions ----
  const steps = Math.round((result.endMs - result.startMs) / TF_MS);
  if (result.equity.length !== steps + 1) failures.push(`Perpscope equity has ${result.equity.length} points, expected ${steps + 1} (one per bar step)`);
  if (result.symbols.join() !== data.symbols.join()) failures.push(`Perpscope replayed ${result.symbols.join()}, expected ${data.symbols.join()}`);
  const gmBarsLoaded = gm!.barsIterated;
  const loaded = data.symbols.reduce((s, sym) => s + data.candles.get(sym)!.length, 0);
  if (gmBarsLoaded !== loaded) failures.push(`grademark iterated ${gmBarsLoaded} bars, Perpscope loaded ${loaded}`);
  for (const sym of data.symbols) {
    const b = replayed.get(sym)!;
    if (b.length === 0) failures.push(`${sym}: no replayed bars`);
    else if (b[0]!.openTimeMs !== result.startMs || b[b.length - 1]!.openTimeMs + TF_MS !== result.endMs) {
      failures.push(`${sym}: replayed ${new Date(b[0]!.openTimeMs).toISOString()}..${new Date(b[b.length - 1]!.openTimeMs + TF_MS).toISOString()}, Perpscope ran ${new Date(result.startMs).toISOString()}..${new Date(result.endMs).toISOString()}`);
    }
  }
  if (bars !== steps * data.symbols.length) failures.push(`${bars} replayed symbol-bars, expected ${steps} steps x ${data.symbols.length} symbols (a gap in a series)`);
  const crosses = gm!.crosses;
  const onlyPerpscope = [...signalKeys].filter((k) => !crosses.has(k));
  const onlyIndependent = [...crosses].filter((k) => !signalKeys.has(k));
  if (onlyPerpscope.length || onlyIndependent.length) {
    failures.push(`ema-cross signals ${signalKeys.size} vs independent crosses ${crosses.size}; only Perpscope: ${onlyPerpscope.slice(0, 5).join(' ')}; only independent: ${onlyIndependent.slice(0, 5).join(' ')}`);
  }
  if (otherSignals) failures.push(`${otherSignals} signals without the ema-cross component (only ema-cross is enabled)`);
  const otherSkips = Object.entries(result.skipped).filter(([reason]) => reason !== 'position_open');
  if (otherSkips.length) failures.push(`signals skipped by gates other than position_open: ${JSON.stringify(Object.fromEntries(otherSkips))}`);
  if (result.placed + (result.skipped.position_open ?? 0) !== result.signals) failures.push(`placed ${result.placed} + position_open skips != ${result.signals} signals`);
  let gmTrades = 0;
  for (const [sym, trades] of gm!.trades) {
    const bySymbol = data.candles.get(sym)!;
    for (const t of trades) {
      gmTrades++;
      const i = bySymbol.findIndex((c) => c.openTimeMs === t.entryTime.getTime());
      const key = i > 0 ? `${sym}|${bySymbol[i - 1]!.openTimeMs}|${String(t.direction)}` : '';
      if (!crosses.has(key)) failures.push(`grademark ${sym} ${String(t.direction)} entry at ${t.entryTime.toISOString()} follows no cross of its direction`);
    }
  }

  const perpscopeBarsPerCpuS = bars / (perpscopeCpuMs / 1000);
  const grademarkBarsPerCpuS = bars / (grademarkCpuMs / 1000);
  const ratio = perpscopeBarsPerCpuS / grademarkBarsPerCpuS;
  console.log(`symbols ${data.symbols.length}, replayed ${new Date(result.startMs).toISOString()}..${new Date(result.endMs).toISOString()}, ${bars} symbol-bars after a ${WARMUP_BARS}-bar warm-up`);
  console.log(`| side | CPU ms | wall ms | bars/CPU-s | bars/wall-s | trades |`);
  console.log(`|---|---|---|---|---|---|`);
  console.log(`| Perpscope backtest() | ${perpscopeCpuMs.toFixed(0)} | ${perpscopeWallMs.toFixed(0)} | ${perpscopeBarsPerCpuS.toFixed(0)} | ${(bars / (perpscopeWallMs / 1000)).toFixed(0)} | ${result.trades.length} |`);
  console.log(`| grademark 0.3 (median of ${GRADEMARK_ROUNDS}) | ${grademarkCpuMs.toFixed(0)} | ${grademarkWallMs.toFixed(0)} | ${grademarkBarsPerCpuS.toFixed(0)} | ${(bars / (grademarkWallMs / 1000)).toFixed(0)} | ${gmTrades} |`);
  console.log(`crosses: ${signalKeys.size} Perpscope ema-cross signals = ${crosses.size} independent crosses; Perpscope placed ${result.placed}, skipped ${JSON.stringify(result.skipped)}`);
  for (const f of failures) console.error(`MISMATCH: ${f}`);
  return {
    failures,
    speed: {
      symbols: data.symbols,
      startMs: result.startMs,
      endMs: result.endMs,
      warmupBars: WARMUP_BARS,
      replayedSymbolBars: bars,
      perpscope: { cpuMs: perpscopeCpuMs, wallMs: perpscopeWallMs, barsPerCpuS: perpscopeBarsPerCpuS, barsPerWallS: bars / (perpscopeWallMs / 1000), signals: result.signals, placed: result.placed, skipped: result.skipped, trades: result.trades.length, warnings: result.warnings },
      grademark: { rounds: GRADEMARK_ROUNDS, cpuMs: grademarkCpuMs, wallMs: grademarkWallMs, barsPerCpuS: grademarkBarsPerCpuS, barsPerWallS: bars / (grademarkWallMs / 1000), trades: gmTrades },
      crosses: crosses.size,
      ratio,
      target: { ratio: 1 },
    },
  };
}

// ---- Part 2: memory ----

/** Seeded geometric random walks (mulberry32), one per symbol; BTC first so the regime has its anchor. */
function syntheticCandles(symbols: number, bars: number, startMs: number): Map<string, Candle[]> {
  const rnd = mulberry32(20240101);
  const out = new Map<string, Candle[]>();
  for (let s = 0; s < symbols; s++) {
    const symbol = s === 0 ? 'BTC/USDT:USDT' : `S${String(s).padStart(3, '0')}/USDT:USDT`;
    let price = 10 ** (rnd() * 4 - 1);
    const vol = 0.004 + rnd() * 0.012;
    const baseVolumeUsd = 2e5 + rnd() * 5e7;
    const series = new Array<Candle>(bars);
    for (let i = 0; i < bars; i++) {
      const open = price;
      price *= Math.exp((rnd() - 0.5) * 2 * vol * 1.7);
      const high = Math.max(open, price) * (1 + rnd() * vol);
      const low = Math.min(open, price) * (1 - rnd() * vol);
      series[i] = { openTimeMs: startMs + i * TF_MS, open, high, low, close: price, volume: (baseVolumeUsd * (0.5 + rnd())) / price };
    }
    out.set(symbol, series);
  }
  return out;
}

async function memory(): Promise<Record<string, unknown>> {
  const g0 = process.hrtime.bigint();
  const candles = syntheticCandles(MEM_SYMBOLS, MEM_BARS, MEM_START_MS);
  const rssAfterGenerate = process.memoryUsage.rss();
  const data = backtestDataFrom('1h', candles);
  const rssAfterWrap = process.memoryUsage.rss();
  const prepMs = Number(process.hrtime.bigint() - g0) / 1e6;
  const peakBeforeBacktest = peakRssBytes();
  globalThis.gc?.();
  const dataMem = process.memoryUsage();
  // Live heap (after a full GC) every GC_EVERY steps: its growth per step is what a longer replay
  // would add; RSS itself moves with the collector's whims.
  const GC_EVERY = 20;
  const heapSamples: Array<{ step: number; heap: number }> = [];
  let maxStepRss = 0;
  let firstStepCpu: NodeJS.CpuUsage | null = null;
  let firstStepWall = 0n;
  let lastPrint = Date.now();
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let gcCpuMs = 0;
  const toMs = MEM_START_MS + (MEM_WARMUP_BARS + MEM_STEPS) * TF_MS;
  const result = await backtest(
    { data: 'synthetic', timeframe: '1h', warmupBars: MEM_WARMUP_BARS, to: toMs },
    {
      data,
      onProgress: ({ done, total }) => {
        const rss = process.memoryUsage.rss();
        if (rss > maxStepRss) maxStepRss = rss;
        if (done === 1) {
          firstStepCpu = process.cpuUsage();
          firstStepWall = process.hrtime.bigint();
        }
        if (done % GC_EVERY === 0 || done === total) {
          const gcStart = process.cpuUsage();
          globalThis.gc?.();
          gcCpuMs += cpuMs(gcStart);
          heapSamples.push({ step: done, heap: process.memoryUsage().heapUsed });
        }
        if (Date.now() - lastPrint > 30_000) {
          lastPrint = Date.now();
          console.error(`  memory: step ${done}/${total}, RSS ${mb(rss).toFixed(0)} MB`);
        }
      },
    },
  );
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const totalCpuMs = cpuMs(c0);
  const stepsCpuMs = firstStepCpu ? cpuMs(firstStepCpu) - gcCpuMs : totalCpuMs;
  const stepsWallMs = Number(process.hrtime.bigint() - firstStepWall) / 1e6;
  const steps = Math.round((result.endMs - result.startMs) / TF_MS);
  const peak = peakRssBytes();
  // Least-squares slope of the live heap over the sampled steps.
  const mx = heapSamples.reduce((s, p) => s + p.step, 0) / heapSamples.length;
  const my = heapSamples.reduce((s, p) => s + p.heap, 0) / heapSamples.length;
  const slope = heapSamples.reduce((s, p) => s + (p.step - mx) * (p.heap - my), 0) / Math.max(1, heapSamples.reduce((s, p) => s + (p.step - mx) ** 2, 0));
  const fullYearSteps = MEM_BARS - 300;
  const extrapolatedReplay = maxStepRss + Math.max(0, slope) * (fullYearSteps - steps);
  const extrapolatedPeak = Math.max(peak, extrapolatedReplay);
  const end = process.memoryUsage();
  return {
    symbols: MEM_SYMBOLS,
    barsPerSymbol: MEM_BARS,
    warmupBars: MEM_WARMUP_BARS,
    steps,
    symbolBarsReplayed: steps * MEM_SYMBOLS,
    prepMs,
    wallMs,
    cpuMs: totalCpuMs,
    // Steps 2..N only: engine start (features over the 1,000,000 warm-up bars) and the forced GCs left out.
    barsPerCpuS: ((steps - 1) * MEM_SYMBOLS) / (stepsCpuMs / 1000),
    barsPerWallS: ((steps - 1) * MEM_SYMBOLS) / (stepsWallMs / 1000),
    rssAfterGenerateMb: mb(rssAfterGenerate),
    rssAfterWrapMb: mb(rssAfterWrap),
    peakRssBeforeBacktestMb: mb(peakBeforeBacktest),
    dataHeapUsedMb: mb(dataMem.heapUsed),
    dataRssAfterGcMb: mb(dataMem.rss),
    maxStepRssMb: mb(maxStepRss),
    peakRssMb: mb(peak),
    heapSamplesMb: heapSamples.map((p) => [p.step, Number(mb(p.heap).toFixed(1))]),
    heapSlopeMbPer1000Steps: mb(slope * 1000),
    extrapolatedFullYearSteps: fullYearSteps,
    extrapolatedReplayRssMb: mb(extrapolatedReplay),
    extrapolatedPeakRssMb: mb(extrapolatedPeak),
    heapUsedEndMb: mb(end.heapUsed),
    externalEndMb: mb(end.external),
    rssEndMb: mb(end.rss),
    signals: result.signals,
    trades: result.trades.length,
    fills: result.fills,
    targetMb: mb(RSS_TARGET_BYTES),
  };
}

if (process.argv.includes('--memory')) {
  console.log(JSON.stringify(await memory()));
} else {
  const loadAvg = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const s = await speed();
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--memory'], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 1 << 24 });
  const lines = (child.stdout ?? '').trim().split('\n');
  if (child.status !== 0) {
    console.error(`memory part failed (exit ${child.status}): ${lines.slice(-5).join('\n')}`);
    process.exit(1);
  }
  const m = JSON.parse(lines[lines.length - 1]!) as {
    peakRssMb: number;
    peakRssBeforeBacktestMb: number;
    maxStepRssMb: number;
    extrapolatedPeakRssMb: number;
    extrapolatedReplayRssMb: number;
    steps: number;
    barsPerCpuS: number;
    heapSlopeMbPer1000Steps: number;
    targetMb: number;
    [k: string]: unknown;
  };
  console.log(
    `memory: ${MEM_SYMBOLS} symbols x ${MEM_BARS} 1h bars in memory, ${m.steps} bar steps replayed after ${MEM_WARMUP_BARS} warm-up bars at ${m.barsPerCpuS.toFixed(0)} bars/CPU-s: ` +
      `peak RSS ${m.peakRssMb.toFixed(0)} MB (${m.peakRssBeforeBacktestMb.toFixed(0)} MB reached while building the data, ${m.maxStepRssMb.toFixed(0)} MB at most during the replay); ` +
      `live heap growth ${m.heapSlopeMbPer1000Steps.toFixed(1)} MB per 1,000 steps, so a full-year replay would reach about ${m.extrapolatedReplayRssMb.toFixed(0)} MB and the process peak about ${m.extrapolatedPeakRssMb.toFixed(0)} MB; target ${m.targetMb.toFixed(0)} MB`,
  );
  const sp = s.speed as { ratio: number; replayedSymbolBars: number; perpscope: { barsPerCpuS: number }; grademark: { barsPerCpuS: number } };
  const failures = s.failures as string[];
  writeResult(
    'backtest',
    { loadAvgAtStart: loadAvg, loadAvgAtEnd: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '), speed: sp, memory: m, failures },
    `${sp.replayedSymbolBars} real symbol-bars: Perpscope ${sp.perpscope.barsPerCpuS.toFixed(0)} bars/CPU-s vs grademark ${sp.grademark.barsPerCpuS.toFixed(0)} = ${sp.ratio.toFixed(3)}x (target >= 1x); ` +
      `${MEM_SYMBOLS}x1y memory: peak RSS ${m.peakRssMb.toFixed(0)} MB measured (replay ${m.maxStepRssMb.toFixed(0)} MB), ${m.extrapolatedPeakRssMb.toFixed(0)} MB extrapolated (target 1536 MB)${failures.length ? `; ${failures.length} MISMATCH(ES)` : ''}`,
  );
  if (failures.length) process.exit(1);
}
