import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../sdk/src/store/database.js';
import { migrate } from '../../sdk/src/store/migrate.js';
import { MIGRATIONS, openStore, type CandleRow } from '../../sdk/src/store/index.js';
import { median, writeResult } from '../lib.js';

// Store scenario: 1,000,000 OHLCV rows (400 series x 2,500 one-minute bars) into a fresh WAL file
// (synchronous=NORMAL, as the app opens it) per run, through the real CandleRepository.
//   backfill       series by series, one upsertSeries call (one transaction) per series;
//   live           every series at one timestamp, then the next timestamp; upsertRows gets 100
//                  timestamps (40,000 rows) per call, i.e. a replay or catch-up ingest;
//   live per bar   the same order with one call per timestamp (400 rows per transaction), the
//                  real-time pattern; measured on the first 250 timestamps (100,000 rows).
// The references are naive per-row inserts (one prepared single-row INSERT OR REPLACE per row)
// inside exactly the same transactions, on a connection opened with the same pragmas and schema:
// the ratio isolates what the repository adds (multi-row statements, key-ordered batches).
// Variants run in interleaved rounds so load from other processes hits all of them alike.

const SERIES = 400;
const BARS = 2_500;
const LIVE_BATCH_BARS = 100;
const PER_BAR_BARS = 250;
const ROUNDS = Number(process.env.STORE_BENCH_ROUNDS ?? 5);
const WARMUP_ROUNDS = 1;
const T0 = Date.UTC(2024, 0, 1);

const symbols = Array.from({ length: SERIES }, (_, s) => `S${String(s).padStart(3, '0')}/USDT:USDT`);
/** One object per row, shared by every ordering, so the heap is the same for every variant. */
const bySeries: CandleRow[][] = symbols.map((symbol, s) =>
  Array.from({ length: BARS }, (_, i) => {
    const p = 100 + s + Math.sin(i / 50) * 5;
    return { exchange: 'blofin', symbol, timeframe: '1m', openTimeMs: T0 + i * 60_000, open: p, high: p * 1.01, low: p * 0.99, close: p * 1.002, volume: 1_000 + i };
  }),
);
/** Live order, grouped per timestamp. */
const liveBars: CandleRow[][] = Array.from({ length: BARS }, (_, i) => bySeries.map((rows) => rows[i]!));
const gc = (globalThis as { gc?: () => void }).gc;

function withFreshFile<T>(fn: (file: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'perpscope-bench-store-'));
  try {
    return fn(join(dir, 'perpscope.db'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Wall time, the figure the targets are about. CPU time is kept too: on a shared machine it shows how much of the wall time was waiting for a core. */
interface Timing {
  wallMs: number;
  cpuMs: number;
}

function timeMs(fn: () => void): Timing {
  // Each variant starts from a collected heap so that garbage left by the previous one is not billed to it.
  gc?.();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  fn();
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

function viaStore(ingest: (store: ReturnType<typeof openStore>) => void): Timing {
  return withFreshFile((file) => {
    const store = openStore({ file });
    try {
      return timeMs(() => ingest(store));
    } finally {
      store.close();
    }
  });
}

function naive(batches: readonly (readonly CandleRow[])[]): Timing {
  return withFreshFile((file) => {
    const db = openDatabase(file);
    migrate(db, MIGRATIONS, file);
    const insert = db.prepare(
      'INSERT OR REPLACE INTO candles (exchange, symbol, timeframe, open_time_ms, open, high, low, close, volume) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const tx = db.transaction((rows: readonly CandleRow[]) => {
      for (const r of rows) insert.run(r.exchange, r.symbol, r.timeframe, r.openTimeMs, r.open, r.high, r.low, r.close, r.volume);
    });
    try {
      return timeMs(() => batches.forEach((b) => tx(b)));
    } finally {
      db.close();
    }
  });
}

const liveBatches: CandleRow[][] = [];
for (let i = 0; i < BARS; i += LIVE_BATCH_BARS) liveBatches.push(liveBars.slice(i, i + LIVE_BATCH_BARS).flat());

const variants = {
  backfill: () =>
    viaStore((store) => {
      for (const [s, candles] of bySeries.entries()) store.candles.upsertSeries({ exchange: 'blofin', symbol: symbols[s]!, timeframe: '1m' }, candles);
    }),
  live: () => viaStore((store) => liveBatches.forEach((b) => store.candles.upsertRows(b))),
  livePerBar: () => viaStore((store) => liveBars.slice(0, PER_BAR_BARS).forEach((b) => store.candles.upsertRows(b))),
  naiveBackfill: () => naive(bySeries),
  naiveLive: () => naive(liveBatches),
  naiveLivePerBar: () => naive(liveBars.slice(0, PER_BAR_BARS)),
};
type Variant = keyof typeof variants;
const rowsOf: Record<Variant, number> = {
  backfill: SERIES * BARS,
  live: SERIES * BARS,
  livePerBar: SERIES * PER_BAR_BARS,
  naiveBackfill: SERIES * BARS,
  naiveLive: SERIES * BARS,
  naiveLivePerBar: SERIES * PER_BAR_BARS,
};

const names = Object.keys(variants) as Variant[];
const wall = Object.fromEntries(names.map((k) => [k, [] as number[]])) as Record<Variant, number[]>;
const cpu = Object.fromEntries(names.map((k) => [k, [] as number[]])) as Record<Variant, number[]>;
for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
  for (const name of names) {
    const t = variants[name]();
    if (round >= WARMUP_ROUNDS) {
      wall[name].push(t.wallMs);
      cpu[name].push(t.cpuMs);
    }
  }
}

const perSec = (samples: Record<Variant, number[]>) =>
  Object.fromEntries(names.map((k) => [k, Math.round(rowsOf[k] / (median(samples[k]) / 1000))])) as Record<Variant, number>;
const rowsPerSec = perSec(wall);
const rowsPerCpuSec = perSec(cpu);
const targets = { backfill: 400_000, live: 250_000 };
const result = {
  rows: SERIES * BARS,
  series: SERIES,
  barsPerSeries: BARS,
  rounds: ROUNDS,
  synchronous: 'NORMAL',
  transactions: {
    backfill: `one per series (${BARS} rows)`,
    live: `one per ${LIVE_BATCH_BARS} timestamps (${LIVE_BATCH_BARS * SERIES} rows)`,
    livePerBar: `one per timestamp (${SERIES} rows), first ${PER_BAR_BARS} timestamps`,
    naive: 'the same transactions as the matching variant, one single-row INSERT per row',
  },
  rowsPerSec,
  rowsPerCpuSec,
  medianWallMs: Object.fromEntries(names.map((k) => [k, Number(median(wall[k]).toFixed(1))])),
  loadAverage: os.loadavg(),
  ratioToNaive: {
    backfill: Number((rowsPerSec.backfill / rowsPerSec.naiveBackfill).toFixed(2)),
    live: Number((rowsPerSec.live / rowsPerSec.naiveLive).toFixed(2)),
    livePerBar: Number((rowsPerSec.livePerBar / rowsPerSec.naiveLivePerBar).toFixed(2)),
  },
  targets,
  meetsTargets: { backfill: rowsPerSec.backfill >= targets.backfill, live: rowsPerSec.live >= targets.live },
};
const k = (n: number) => `${Math.round(n / 1000)}k`;
writeResult(
  'store',
  result,
  `backfill ${k(rowsPerSec.backfill)} rows/s (target ${k(targets.backfill)}, ${result.ratioToNaive.backfill}x naive); ` +
    `live ${k(rowsPerSec.live)} rows/s (target ${k(targets.live)}, ${result.ratioToNaive.live}x naive); ` +
    `live per bar ${k(rowsPerSec.livePerBar)} rows/s (${result.ratioToNaive.livePerBar}x naive); ` +
    `per CPU-second: backfill ${k(rowsPerCpuSec.backfill)}, live ${k(rowsPerCpuSec.live)}; load ${os.loadavg()[0]!.toFixed(1)}`,
);
