import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { SystemClock } from '../../sdk/src/core/clock.js';
import {
  BLOFIN_LIMITS,
  CcxtMarketData,
  limitsForExchange,
  MarketDataService,
  rateLimitFloorWeightedMs,
  scaleLimits,
  type ExchangeLimits,
} from '../../sdk/src/market/index.js';
import { requestWeight } from '../../sdk/src/sim/dialects/binanceusdm/weights.js';
import {
  createBinanceUsdmClient,
  createBlofinClient,
  createBybitClient,
  createHtxClient,
  parseDialect,
  startSimExchange,
  type SimDialectName,
  type SimExchange,
  type SimExchangeOptions,
  type SimStats,
} from '../../sdk/src/sim/index.js';
import type { Timeframe } from '@perpscope/shared';
import { median, writeResult } from '../lib.js';

// Warm-up scenario, once per SimExchange dialect: the sim enforces that exchange's documented
// request budget scaled by RATE_SCALE, and the market-data service warms up 400 symbols x 4
// timeframes x 500 candles through ccxt's real class for that exchange, paced by the same
// documented limits scaled the same way. The reference is the rate-limit floor: the least time the
// scaled windows allow for the requests actually sent, each at its weight (greedy schedule,
// infinitely fast server). The sim counts its windows in wall time.
//
//   blofin       500/min and 1,500/5 min      -> at 1.5x, 1,602 requests need 120 s
//   binanceusdm  2,400 weight/min (klines of 500 candles weigh 5, all tickers 40)
//                                            -> at 1.5x, ~8,000 weight needs 120 s
//   bybit        600 per 5 s                  -> at 1.5x, 5 s
//   htx          800 market requests per s    -> at 1.5x, 1 s
//
// Where the windows are seconds long (bybit, htx) the floor is a few seconds, and the client's and
// the sim's own throughput on this machine, not the limiter, set the pace: their ratios say how
// far the warm-up is from rate-bound there, not how well the limiter packs its windows.
// Each dialect therefore also runs one warm-up at UNTHROTTLED_SCALE times its limits, where no
// window binds: that time is the pace of the client and the sim alone on this machine.
// Binance counts weight in fixed clock minutes (the sim does too); the client paces sliding
// minutes, which any fixed minute also holds, so its floor is the sliding one.
//
// WARMUP_DIALECTS (default all four, comma-separated), WARMUP_RATE_SCALE and WARMUP_RUNS override
// the defaults.

// The sim runs in a worker thread, as a real exchange runs elsewhere: the client and the server
// do not share one event loop.
type SimRequest = { cmd: 'start'; opts: SimExchangeOptions } | { cmd: 'stats' } | { cmd: 'stop' };
interface SimCounts extends SimStats {
  /** Answers the sim refused with, by HTTP status (429, or 403 where an exchange suspends or blocks the IP). */
  refusedByStatus: Record<string, number>;
}
type SimReply = { url: string; wsUrl: string } | SimCounts | { stopped: true };

if (!isMainThread) {
  let sim: SimExchange | undefined;
  parentPort!.on('message', (req: SimRequest) => {
    void (async () => {
      if (req.cmd === 'start') {
        sim = await startSimExchange(req.opts);
        parentPort!.postMessage({ url: sim.url, wsUrl: sim.wsUrl } satisfies SimReply);
      } else if (req.cmd === 'stats') {
        const refusedByStatus: Record<string, number> = {};
        for (const e of sim!.requestLog()) if (e.status === 403 || e.status === 418 || e.status === 429) refusedByStatus[e.status] = (refusedByStatus[e.status] ?? 0) + 1;
        parentPort!.postMessage({ ...sim!.stats(), refusedByStatus } satisfies SimReply);
      } else {
        await sim?.stop();
        parentPort!.postMessage({ stopped: true } satisfies SimReply);
        parentPort!.close();
      }
    })();
  });
}

interface RemoteSim {
  url: string;
  wsUrl: string;
  stats(): Promise<SimCounts>;
  stop(): Promise<void>;
}

async function startRemoteSim(opts: SimExchangeOptions): Promise<RemoteSim> {
  // Workers do not inherit tsx's loader hooks: register them before importing this file.
  const code = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); });`;
  const worker = new Worker(code, { eval: true });
  const ask = <T extends SimReply>(req: SimRequest) =>
    new Promise<T>((resolve) => {
      worker.once('message', (reply: T) => resolve(reply));
      worker.postMessage(req);
    });
  const { url, wsUrl } = await ask<{ url: string; wsUrl: string }>({ cmd: 'start', opts });
  return {
    url,
    wsUrl,
    stats: () => ask<SimCounts>({ cmd: 'stats' }),
    stop: async () => {
      await ask({ cmd: 'stop' });
      await worker.terminate();
    },
  };
}

const SYMBOLS = 400;
const TIMEFRAMES: Timeframe[] = ['1m', '5m', '15m', '1h'];
const BARS = 500;
const RATE_SCALE = Number(process.env.WARMUP_RATE_SCALE ?? 1.5);
const RUNS = Number(process.env.WARMUP_RUNS ?? 5);
const DIALECTS: SimDialectName[] = (process.env.WARMUP_DIALECTS ?? 'blofin,binanceusdm,bybit,htx')
  .split(',')
  .map((d) => d.trim())
  .filter((d) => d !== '')
  .map((d) => parseDialect(d));
if (!(RATE_SCALE > 0) || !Number.isFinite(RATE_SCALE)) throw new Error(`WARMUP_RATE_SCALE: got ${process.env.WARMUP_RATE_SCALE}, expected a positive number`);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`WARMUP_RUNS: got ${process.env.WARMUP_RUNS}, expected a positive integer`);
if (DIALECTS.length === 0) throw new Error('WARMUP_DIALECTS: empty, expected a comma-separated list of blofin, binanceusdm, bybit, htx');

/** The ccxt exchange instance the market-data source reads through. */
type Exchange = ConstructorParameters<typeof CcxtMarketData>[0]['exchange'];

/** Dialects whose exchange charges each request its own weight; elsewhere every request costs 1. */
const WEIGHTED: ReadonlySet<SimDialectName> = new Set(['binanceusdm']);

/** The ccxt class the engine uses for `dialect`, pointed at the sim, with its documented limits scaled as the sim scales its own. */
function clientFor(dialect: SimDialectName, sim: RemoteSim, scale: number): { exchange: Exchange; limits: ExchangeLimits } {
  const ccxtOptions = { timeout: 30_000 };
  const target = { url: sim.url, wsUrl: sim.wsUrl };
  if (dialect === 'blofin') return { exchange: createBlofinClient(target, ccxtOptions) as unknown as Exchange, limits: scaleLimits(BLOFIN_LIMITS, scale) };
  const exchange = (
    dialect === 'binanceusdm' ? createBinanceUsdmClient(target, ccxtOptions) : dialect === 'bybit' ? createBybitClient(target, ccxtOptions) : createHtxClient(target, ccxtOptions)
  ) as unknown as Exchange;
  return { exchange, limits: scaleLimits(limitsForExchange(exchange), scale) };
}

interface SentRequest {
  path: string;
  weight: number;
}

/** Records every HTTP request ccxt sends (retries included), in order, with the weight the exchange charges for it. */
function recordRequests(dialect: SimDialectName, exchange: Exchange): SentRequest[] {
  const sent: SentRequest[] = [];
  const original = exchange.fetch.bind(exchange);
  exchange.fetch = (async (url: string, method = 'GET', headers?: unknown, body?: unknown) => {
    const u = new URL(url);
    sent.push({ path: u.pathname, weight: WEIGHTED.has(dialect) ? requestWeight(method, u.pathname, u.searchParams) : 1 });
    return original(url, method, headers as never, body as never);
  }) as Exchange['fetch'];
  return sent;
}

interface RunResult {
  elapsedMs: number;
  /** Requests the client sent; `simRequests` is what the sim received. */
  requests: number;
  simRequests: number;
  candlePages: number;
  weight: number;
  rejected429: number;
  refusedByStatus: Record<string, number>;
  floorMs: number;
  limits: ExchangeLimits;
  universe: { symbols: number; timeframes: number; candlesPerSeries: number };
}

async function warmUp(dialect: SimDialectName, timeframes: readonly Timeframe[], scale = RATE_SCALE): Promise<RunResult> {
  // A few spare symbols so a delisted or gated-out one never leaves the universe short.
  const sim = await startRemoteSim({ dialect, port: 0, symbols: SYMBOLS + 10, seed: 42, historyBars: BARS + 50, rateLimitScale: scale });
  try {
    const clock = new SystemClock();
    const { exchange, limits } = clientFor(dialect, sim, scale);
    const sent = recordRequests(dialect, exchange);
    const source = new CcxtMarketData({ exchange, clock, limits });
    const service = new MarketDataService({
      source,
      clock,
      timeframes,
      historyBars: BARS,
      gates: { topN: SYMBOLS },
      live: false,
      universeRefreshMs: 0,
      healthIntervalMs: 0,
    });
    const t0 = process.hrtime.bigint();
    await service.start();
    const elapsedMs = Number(process.hrtime.bigint() - t0) / 1e6;
    // The universe must be whole: an exchange that serves fewer candles per page needs more pages,
    // and those pages are in `sent`, so the floor counts them.
    const members = service.universe();
    if (members.length !== SYMBOLS) throw new Error(`${dialect}: universe has ${members.length} symbols, expected ${SYMBOLS}`);
    for (const m of members) {
      for (const tf of timeframes) {
        const n = service.candles(m.symbol, tf).length;
        if (n !== BARS) throw new Error(`${dialect} ${m.symbol} ${tf}: ${n} candles, expected ${BARS}`);
      }
    }
    await service.stop();
    const { requests: simRequests, rejected429, refusedByStatus } = await sim.stats();
    const weights = sent.map((r) => r.weight);
    return {
      elapsedMs,
      requests: sent.length,
      simRequests,
      candlePages: sent.filter((r) => /kline|candle/i.test(r.path)).length,
      weight: weights.reduce((s, w) => s + w, 0),
      rejected429,
      refusedByStatus,
      floorMs: rateLimitFloorWeightedMs(limits.windows, weights),
      limits,
      universe: { symbols: members.length, timeframes: timeframes.length, candlesPerSeries: BARS },
    };
  } finally {
    await sim.stop();
  }
}

const RATIO_TARGET = 1.05;
/** Scale at which no exchange's windows bind a 1,600-request warm-up (BloFin: 500,000/min). */
const UNTHROTTLED_SCALE = 1_000;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

interface DialectResult {
  windows: { limit: number; windowMs: number }[];
  maxCandlesPerCall: number;
  universe: RunResult['universe'];
  requests: number;
  simRequests: number;
  candlePages: number;
  /** Total request weight, where the exchange counts weight (Binance); null where every request costs 1. */
  weight: number | null;
  fullWarmupMs: number;
  rateLimitFloorMs: number;
  ratioToFloor: number | null;
  rejected429: number;
  refusedByStatus: Record<string, number>;
  firstUniverseOneTimeframeMs: number;
  /** One full warm-up at UNTHROTTLED_SCALE times the limits: the pace of client and sim alone. */
  unthrottledWarmupMs: number;
  meetsTargets: boolean;
}

async function benchDialect(dialect: SimDialectName): Promise<DialectResult> {
  // Warm-up run: JIT and sockets, small enough not to touch the rate limit.
  await warmUp(dialect, ['1m']);
  const firstUniverse: RunResult[] = [];
  const full: RunResult[] = [];
  for (let i = 0; i < RUNS; i++) {
    firstUniverse.push(await warmUp(dialect, ['1m']));
    full.push(await warmUp(dialect, TIMEFRAMES));
    const f = full[i]!;
    console.log(`${dialect} run ${i + 1}/${RUNS}: full ${s(f.elapsedMs)} (floor ${s(f.floorMs)}, ${f.requests} requests${WEIGHTED.has(dialect) ? `, weight ${f.weight}` : ''}, ${f.rejected429} x 429), one timeframe ${s(firstUniverse[i]!.elapsedMs)}`);
  }
  const fullMs = median(full.map((r) => r.elapsedMs));
  const floorMs = median(full.map((r) => r.floorMs));
  // With a scale so large that every request fits one window there is no floor to compare with.
  const ratio = floorMs > 0 ? fullMs / floorMs : null;
  const all = [...full, ...firstUniverse];
  const rejected429 = all.reduce((n, r) => n + r.rejected429, 0);
  const refusedByStatus: Record<string, number> = {};
  for (const r of all) for (const [status, n] of Object.entries(r.refusedByStatus)) refusedByStatus[status] = (refusedByStatus[status] ?? 0) + n;
  // The same warm-up with windows too wide to bind: what this machine's client and sim need
  // anyway, so a ratio far above 1 reads as throughput-bound rather than as a limiter fault.
  const unthrottled = await warmUp(dialect, TIMEFRAMES, UNTHROTTLED_SCALE);
  const last = full[full.length - 1]!;
  return {
    windows: last.limits.windows.map((w) => ({ ...w })),
    maxCandlesPerCall: last.limits.maxCandlesPerCall,
    universe: last.universe,
    requests: last.requests,
    simRequests: last.simRequests,
    candlePages: last.candlePages,
    weight: WEIGHTED.has(dialect) ? last.weight : null,
    fullWarmupMs: fullMs,
    rateLimitFloorMs: floorMs,
    ratioToFloor: ratio,
    rejected429,
    refusedByStatus,
    firstUniverseOneTimeframeMs: median(firstUniverse.map((r) => r.elapsedMs)),
    unthrottledWarmupMs: unthrottled.elapsedMs,
    meetsTargets: (ratio === null || ratio <= RATIO_TARGET) && Object.values(refusedByStatus).every((n) => n === 0) && rejected429 === 0,
  };
}

if (isMainThread) await main();

async function main(): Promise<void> {
  const results: Partial<Record<SimDialectName, DialectResult>> = {};
  for (const dialect of DIALECTS) results[dialect] = await benchDialect(dialect);

  const line = (d: SimDialectName, r: DialectResult) =>
    `${d} ${s(r.fullWarmupMs)} / ${s(r.rateLimitFloorMs)} = ${r.ratioToFloor === null ? 'n/a' : `${r.ratioToFloor.toFixed(3)}x`} (${r.requests} requests${r.weight !== null ? `, weight ${r.weight}` : ''}), ${r.rejected429} x 429, unthrottled ${s(r.unthrottledWarmupMs)}`;
  const blofin = results.blofin;
  writeResult(
    'warmup',
    {
      symbols: SYMBOLS,
      timeframes: TIMEFRAMES,
      bars: BARS,
      rateLimitScale: RATE_SCALE,
      runs: RUNS,
      // BloFin's figures stay at the top level, under the keys they always had.
      ...(blofin
        ? {
            requests: blofin.requests,
            fullWarmupMs: blofin.fullWarmupMs,
            rateLimitFloorMs: blofin.rateLimitFloorMs,
            ratioToFloor: blofin.ratioToFloor,
            rejected429: blofin.rejected429,
            firstUniverseOneTimeframeMs: blofin.firstUniverseOneTimeframeMs,
          }
        : {}),
      dialects: results,
      targets: { ratioToFloor: RATIO_TARGET, rejected429: 0, firstUniverseMs: 15_000 },
    },
    `400x4x500 warm-up at ${RATE_SCALE}x each exchange's limits: ${DIALECTS.map((d) => line(d, results[d]!)).join('; ')}`,
  );
}
