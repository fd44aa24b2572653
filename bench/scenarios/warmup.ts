import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { SystemClock } from '../../sdk/src/core/clock.js';
import { BLOFIN_LIMITS, CcxtMarketData, MarketDataService, rateLimitFloorMs, scaleLimits } from '../../sdk/src/market/index.js';
import { createBlofinClient, startSimExchange, type SimExchange, type SimExchangeOptions, type SimStats } from '../../sdk/src/sim/index.js';
import type { Timeframe } from '@perpscope/shared';
import { median, writeResult } from '../lib.js';

// Warm-up scenario: SimExchange enforces BloFin's documented windows (500/min, 1,500/5 min) scaled
// by RATE_SCALE, and the market-data service warms up 400 symbols x 4 timeframes x 500 candles
// through ccxt's real blofin class. The reference is the rate-limit floor: the least time the
// scaled windows allow for the requests actually sent (greedy schedule, infinitely fast server).
// The sim counts its windows in wall time, so a rate-bound run lasts at least one 60 s window.
//
// RATE_SCALE 1.5 (750/min, 2,250/5 min) makes the 1,602 requests (instruments, tickers, 1,600
// candle pages) need three minute-windows: a floor of 120 s. Each burst of 750 must be served
// within its minute, so on an overloaded machine the sim's own throughput, not the limiter, can
// set the pace; WARMUP_RATE_SCALE and WARMUP_RUNS override the defaults.

// The sim runs in a worker thread, as a real exchange runs elsewhere: the client and the server
// do not share one event loop.
type SimRequest = { cmd: 'start'; opts: SimExchangeOptions } | { cmd: 'stats' } | { cmd: 'stop' };
type SimReply = { url: string; wsUrl: string } | SimStats | { stopped: true };

if (!isMainThread) {
  let sim: SimExchange | undefined;
  parentPort!.on('message', (req: SimRequest) => {
    void (async () => {
      if (req.cmd === 'start') {
        sim = await startSimExchange(req.opts);
        parentPort!.postMessage({ url: sim.url, wsUrl: sim.wsUrl } satisfies SimReply);
      } else if (req.cmd === 'stats') {
        parentPort!.postMessage(sim!.stats() satisfies SimReply);
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
  stats(): Promise<SimStats>;
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
    stats: () => ask<SimStats>({ cmd: 'stats' }),
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

interface RunResult {
  elapsedMs: number;
  requests: number;
  rejected429: number;
  floorMs: number;
}

async function warmUp(timeframes: readonly Timeframe[]): Promise<RunResult> {
  // A few spare symbols so a delisted or gated-out one never leaves the universe short.
  const sim = await startRemoteSim({ port: 0, symbols: SYMBOLS + 10, seed: 42, historyBars: BARS + 50, rateLimitScale: RATE_SCALE });
  try {
    const clock = new SystemClock();
    const limits = scaleLimits(BLOFIN_LIMITS, RATE_SCALE);
    const source = new CcxtMarketData({ exchange: createBlofinClient(sim, { timeout: 30_000 }), clock, limits });
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
    const members = service.universe();
    if (members.length !== SYMBOLS) throw new Error(`universe has ${members.length} symbols, expected ${SYMBOLS}`);
    for (const m of members) {
      for (const tf of timeframes) {
        const n = service.candles(m.symbol, tf).length;
        if (n !== BARS) throw new Error(`${m.symbol} ${tf}: ${n} candles, expected ${BARS}`);
      }
    }
    await service.stop();
    const { requests, rejected429 } = await sim.stats();
    return { elapsedMs, requests, rejected429, floorMs: rateLimitFloorMs(limits.windows, requests) };
  } finally {
    await sim.stop();
  }
}

if (isMainThread) await main();

async function main(): Promise<void> {
  // Warm-up run: JIT and sockets, small enough not to touch the rate limit.
  await warmUp(['1m']);

  const firstUniverse: RunResult[] = [];
  const full: RunResult[] = [];
  for (let i = 0; i < RUNS; i++) {
    firstUniverse.push(await warmUp(['1m']));
    full.push(await warmUp(TIMEFRAMES));
    console.log(`run ${i + 1}/${RUNS}: full ${(full[i]!.elapsedMs / 1000).toFixed(1)} s (floor ${(full[i]!.floorMs / 1000).toFixed(0)} s), one timeframe ${(firstUniverse[i]!.elapsedMs / 1000).toFixed(1)} s`);
  }

  const fullMs = median(full.map((r) => r.elapsedMs));
  const floorMs = median(full.map((r) => r.floorMs));
  // With a scale so large that every request fits one window there is no floor to compare with.
  const ratio = floorMs > 0 ? fullMs / floorMs : null;
  const rejected429 = full.reduce((s, r) => s + r.rejected429, 0) + firstUniverse.reduce((s, r) => s + r.rejected429, 0);
  const firstUniverseMs = median(firstUniverse.map((r) => r.elapsedMs));

  writeResult(
    'warmup',
    {
      symbols: SYMBOLS,
      timeframes: TIMEFRAMES,
      bars: BARS,
      rateLimitScale: RATE_SCALE,
      runs: RUNS,
      requests: full[0]?.requests,
      fullWarmupMs: fullMs,
      rateLimitFloorMs: floorMs,
      ratioToFloor: ratio,
      rejected429,
      firstUniverseOneTimeframeMs: firstUniverseMs,
      targets: { ratioToFloor: 1.05, rejected429: 0, firstUniverseMs: 15_000 },
    },
    `400x4x500 warm-up ${(fullMs / 1000).toFixed(1)} s = ${ratio === null ? 'n/a' : ratio.toFixed(3)}x the rate-limit floor (${(floorMs / 1000).toFixed(0)} s at ${RATE_SCALE}x BloFin limits), ` +
      `${rejected429} x 429; first full universe with one timeframe ${(firstUniverseMs / 1000).toFixed(1)} s`,
  );
}
