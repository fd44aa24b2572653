import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runServe, type ServeDeps } from '../../desktop/src/cli/serve.js';
import { writeResult } from '../lib.js';
import { DEADLINE_MS, noSecrets, simConfig, WebSocket } from './serveRig.js';

// Health-during-warm-up scenario (issue #17): `health.get` round trips over `perpscope serve`'s
// WebSocket, one after another, from the moment the server listens until a 400-symbol sim has
// warmed up (backfill, seeding every series) and published its first full ranking. `health.get`
// is answered on the main thread from the engine thread's last health push while that is fresh,
// else by the engine thread itself, so a round trip waits for whatever synchronous work holds that
// thread for longer than the push's freshness: the worst is the longest stretch the thread is held.
// Samples are split at the first `warmup.progress` push: before it the engine thread is still
// loading its modules and building the engine (a call waits for the build), after it the warm-up
// (backfill, seeding, rankings of the symbols ready) runs. Also recorded: wall time from the
// spawn to the first ranking push (any number of rows), to the first full one, and the warm-up
// pushes (they must be monotone).

const SYMBOLS = Number(process.env.BENCH_SYMBOLS ?? 400);
const CONFIG = simConfig(SYMBOLS);

function figures(xs: readonly number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => Math.round((s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] ?? Number.NaN) * 10) / 10;
  return { samples: s.length, p50: at(0.5), p95: at(0.95), max: at(1) };
}

const home = mkdtempSync(join(tmpdir(), 'perpscope-bench-health-warmup-'));
writeFileSync(join(home, 'config.json'), JSON.stringify(CONFIG));
let openLine!: (line: string) => void;
const opened = new Promise<string>((done) => (openLine = done));
const deps: ServeDeps = { secrets: noSecrets, out: (l) => l.startsWith('open ') && openLine(l) };
let warmedUp = false;
const load = loadavg()[0]!;
const t0 = performance.now();
const serving = runServe({ port: 0, host: '127.0.0.1', sim: true, home }, deps);
void serving.then(() => (warmedUp = true));
try {
  const url = new URL((await Promise.race([opened, serving.then(() => opened)])).slice('open '.length));
  const ws = new WebSocket(`ws://${url.host}/rpc`, { headers: { authorization: `Bearer ${url.searchParams.get('token')}` } });
  const pending = new Map<string, () => void>();
  let fullScan = false;
  let firstRankingMs: number | null = null;
  let firstRankingRows = 0;
  let fullRankingMs: number | null = null;
  let firstWarmUpMs: number | null = null;
  const warmUps: { seeded: number; total: number; backfilled: number; done: boolean; failed: boolean }[] = [];
  ws.on('message', (raw) => {
    const frame = JSON.parse(String(raw)) as { id?: string; event?: string; data?: { total?: number; seeded?: number; backfilled?: number; done?: boolean; failed?: boolean; rows?: unknown[] } };
    if (frame.id) pending.get(frame.id)?.();
    else if (frame.event === 'warmup.progress') {
      firstWarmUpMs ??= performance.now() - t0;
      const d = frame.data!;
      warmUps.push({ seeded: d.seeded ?? -1, total: d.total ?? -1, backfilled: d.backfilled ?? -1, done: d.done ?? false, failed: d.failed ?? false });
    } else if (frame.event === 'ranking') {
      if (firstRankingMs === null) {
        firstRankingMs = performance.now() - t0;
        firstRankingRows = frame.data?.rows?.length ?? 0;
      }
      if ((frame.data?.total ?? 0) >= SYMBOLS * 0.9) {
        fullScan = true;
        fullRankingMs ??= performance.now() - t0;
      }
    }
  });
  await new Promise<void>((done, fail) => {
    ws.once('open', () => done());
    ws.once('error', fail);
  });
  let seq = 0;
  const roundTrip = (method: string) =>
    new Promise<number>((done) => {
      const id = `h${++seq}`;
      const t0 = performance.now();
      pending.set(id, () => {
        pending.delete(id);
        done(performance.now() - t0);
      });
      ws.send(JSON.stringify({ id, method, params: {} }));
    });
  const health: number[] = [];
  const building: number[] = [];
  const warming: number[] = [];
  const deadline = Date.now() + DEADLINE_MS;
  while (!warmedUp || !fullScan || !warmUps.at(-1)?.done) {
    if (Date.now() > deadline) throw new Error(`no full scan and done warm-up push within ${DEADLINE_MS} ms`);
    const beforeWarmUp = firstWarmUpMs === null;
    const ms = await roundTrip('health.get');
    health.push(ms);
    (beforeWarmUp ? building : warming).push(ms);
    await new Promise((r) => setTimeout(r, 5)); // pacing so samples spread over the warm-up; not a wait for progress
  }
  ws.close();
  const loadAfter = loadavg()[0]!;
  const monotone = warmUps.every((w, i) => i === 0 || (w.seeded >= warmUps[i - 1]!.seeded && w.backfilled >= warmUps[i - 1]!.backfilled));
  if (!monotone) throw new Error(`warm-up progress went back: ${JSON.stringify(warmUps)}`);
  if (!warmUps.at(-1)?.done) throw new Error('no warm-up progress push with done: true');
  if (warmUps.at(-1)?.failed) throw new Error('the warm-up ended on an error (its last push has failed: true)');
  const h = figures(health);
  const hw = figures(warming);
  const hb = figures(building);
  const round = (x: number | null) => (x === null ? null : Math.round(x));
  writeResult(
    'health-warmup',
    {
      symbols: SYMBOLS,
      loadAverage1m: load,
      loadAverage1mAfter: loadAfter,
      healthGet: h,
      healthGetWhileBuilding: hb,
      healthGetDuringWarmUp: hw,
      firstWarmUpPushMs: round(firstWarmUpMs),
      firstRankingMs: round(firstRankingMs),
      firstRankingRows,
      fullRankingMs: round(fullRankingMs),
      warmUpPushes: warmUps.length,
    },
    `${SYMBOLS} symbols, load ${load.toFixed(1)}-${loadAfter.toFixed(1)}: health.get p50/p95/max ${h.p50}/${h.p95}/${h.max} ms over ${h.samples} samples (while building ${hb.p95}/${hb.max}, during warm-up ${hw.p95}/${hw.max}); first ranking (${firstRankingRows} rows) ${round(firstRankingMs)} ms, full ${round(fullRankingMs)} ms after spawn; ${warmUps.length} warm-up pushes`,
  );
} finally {
  await (await serving).stop();
  rmSync(home, { recursive: true, force: true });
}
