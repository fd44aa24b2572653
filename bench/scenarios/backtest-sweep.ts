import { deepStrictEqual } from 'node:assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { loadBacktestData, type LoadDataOptions } from '../../sdk/src/backtest/data.js';
import { gridCandidates, parseSpaceSpec } from '../../sdk/src/backtest/paramSpace.js';
import { sweep, type SweepResult, type SweepSetup } from '../../sdk/src/backtest/sweep.js';
import { createPoolEvaluator, type PoolEvaluator } from '../../sdk/src/backtest/sweepPool.js';
import { median, writeResult } from '../lib.js';
import { writeGeneratedData } from '../../sdk/test/backtest/sweepFixtures.js';

// Sweep scaling: the same candidates on the same data, on a pool of 1 worker thread and on a pool
// of 2 (the machinery is the same, only the thread count differs). Each pool is warmed first (one
// short task per worker: module load, data load, JIT), so the timed batches measure throughput,
// not start-up. Rounds alternate 1, 2, 1, 2, ... so drift on a shared machine hits both alike;
// the figure is the ratio of the median wall times, with the cores the process kept busy (CPU
// time of all its threads over wall time): on a machine whose other jobs leave no second core,
// the ratio cannot reach 2 and the cores figure says so. For scale, the same 1-vs-2 comparison of
// a pure CPU loop on worker threads (no memory traffic, no I/O) gives the machine's own ceiling.
// Asserted (exit 1 otherwise): every timed batch, on 1 or 2 threads, gives exactly the same ranked
// rows.
//
// Data: 4 liquid Binance USD-M perps from the shared set, 1h, 2025-01-01 .. 2025-01-15 after 300
// warm-up bars (generated bars when the set is absent). Candidates: a 12-point grid over the
// breakout volume burst, the ema-cross ADX floor and the ema-pullback touch distance, with gates
// loosened so that every candidate trades (candidates differ in length: with few per worker, the
// worker that finishes first idles while the other runs its last one). Target: 2 workers >= 1.8x
// the throughput of 1.

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
const REAL_DIR = join(process.env.PERPSCOPE_TEST_DATA ?? resolve(repoRoot, '../shared/data'), 'binance-usdm-2024-10-2025-03');
const ROUNDS = Number(process.env.BENCH_SWEEP_ROUNDS ?? 3);
const TARGET = 1.8;
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT'];

const tmp = mkdtempSync(join(tmpdir(), 'perpscope-bench-sweep-'));
const real = existsSync(REAL_DIR);
if (!real) writeGeneratedData(join(tmp, 'data'), { symbols: 4, bars: 640, seed: 3 });
const from = real ? Date.UTC(2025, 0, 1) : undefined;
const to = real ? Date.UTC(2025, 0, 15) : undefined;
const load: LoadDataOptions = {
  dir: real ? REAL_DIR : join(tmp, 'data'),
  timeframe: '1h',
  ...(real ? { symbols: SYMBOLS, fromMs: from!, toMs: to! } : {}),
  warmupBars: 300,
};
const setup: SweepSetup = {
  backtest: { data: load.dir, timeframe: '1h', warmupBars: 300, ...(real ? { symbols: SYMBOLS, from: from!, to: to! } : {}) },
  engineConfig: { risk: { gates: { minScore: 0, minProbability: 0, minQuoteVolume24hUsd: 0, maxPositions: 4 } }, autotrade: { edge: { require: false } } },
};
const candidates = gridCandidates(parseSpaceSpec('breakout.volumeBurstMin=1.2,1.5,2;ema-cross.minAdx=0,20;ema-pullback.touchAtr=0.25,0.5'));
const data = loadBacktestData(load);

async function warm(pool: PoolEvaluator, workers: number): Promise<void> {
  const [first] = data.candles.values();
  const startMs = first![300]!.openTimeMs;
  const window = { fromMs: startMs, toMs: startMs + 24 * 3_600_000, warmupBars: 300 };
  await pool.run(Array.from({ length: workers }, () => ({ candidate: candidates[0]!, window, cut: false, keepTrades: false })), data);
}

const pools = new Map<number, PoolEvaluator>();
for (const workers of [1, 2]) {
  const pool = createPoolEvaluator({ workers, load, setup });
  await warm(pool, workers);
  pools.set(workers, pool);
}

const times: Record<1 | 2, number[]> = { 1: [], 2: [] };
const coresUsed: Record<1 | 2, number[]> = { 1: [], 2: [] };
let reference: SweepResult | undefined;
let mismatches = 0;
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const workers of [1, 2] as const) {
      const t0 = process.hrtime.bigint();
      const cpu0 = process.cpuUsage();
      const result = await sweep({ setup, data, candidates, evaluator: pools.get(workers)! });
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      const cpu = process.cpuUsage(cpu0);
      times[workers].push(wallMs);
      // CPU of every thread of this process over the batch, in cores: shows whether a second core was free at all.
      coresUsed[workers].push((cpu.user + cpu.system) / 1000 / wallMs);
      reference ??= result;
      try {
        deepStrictEqual(result, reference);
      } catch (err) {
        mismatches++;
        console.error(`workers=${workers} round ${round}: rows differ from the first batch`, err);
      }
    }
  }
} finally {
  for (const pool of pools.values()) await pool.close();
  rmSync(tmp, { recursive: true, force: true });
}

/** Wall time of a fixed CPU-bound loop on `n` threads at once: what the machine gives a second thread. */
async function spinMs(n: number): Promise<number> {
  const code = `const { parentPort } = require('node:worker_threads'); let x = 0; for (let i = 0; i < 2e8; i++) x = (x + i * 1.000001) % 1e9; parentPort.postMessage(x);`;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: n }, () => new Promise((done) => new Worker(code, { eval: true }).once('message', done))));
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
const spin: Record<1 | 2, number[]> = { 1: [], 2: [] };
for (let round = 0; round < ROUNDS; round++) for (const n of [1, 2] as const) spin[n].push(await spinMs(n));
const ceiling = (2 * median(spin[1])) / median(spin[2]);

const ms1 = median(times[1]);
const ms2 = median(times[2]);
const ratio = ms1 / ms2;
writeResult(
  'backtest-sweep',
  {
    data: real ? { dir: load.dir, symbols: load.symbols, fromMs: from, toMs: to } : { generated: true, symbols: 4, bars: 640 },
    candidates: candidates.map((c) => c.key),
    cores: cpus().length,
    rounds: ROUNDS,
    wallMs: times,
    coresUsed,
    candidatesPerSecond: { 1: candidates.length / (ms1 / 1000), 2: candidates.length / (ms2 / 1000) },
    ratio,
    spinMs: spin,
    machineCeiling: ceiling,
    target: TARGET,
    identical: mismatches === 0,
    best: reference?.rows[0]?.key,
  },
  `${candidates.length} candidates x ${data.symbols.length} symbols: 1 worker ${(ms1 / 1000).toFixed(1)} s, 2 workers ${(ms2 / 1000).toFixed(1)} s (medians of ${ROUNDS}) = ${ratio.toFixed(2)}x (target >= ${TARGET}x); cores busy ${median(coresUsed[1]).toFixed(2)} vs ${median(coresUsed[2]).toFixed(2)}; a pure CPU loop scales ${ceiling.toFixed(2)}x here; results ${mismatches ? `DIFFER in ${mismatches} batch(es)` : 'identical'}`,
);
if (mismatches) process.exit(1);
