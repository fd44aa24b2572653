import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runServe, type ServeDeps } from '../../desktop/src/cli/serve.js';
import { writeResult } from '../lib.js';
import { DEADLINE_MS, noSecrets, simConfig, WebSocket } from './serveRig.js';

// Health-during-warm-up scenario (issue #17): `health.get` round trips over `perpscope serve`'s
// WebSocket, one after another, from the moment the server listens until a 400-symbol sim has
// warmed up (backfill, seeding every series) and published its first full ranking. `health.get`
// is answered by the engine thread itself, so each round trip waits for whatever synchronous
// work that thread is doing: the p95 is the longest stretch the warm-up holds the thread.

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
const serving = runServe({ port: 0, host: '127.0.0.1', sim: true, home }, deps);
void serving.then(() => (warmedUp = true));
try {
  const url = new URL((await Promise.race([opened, serving.then(() => opened)])).slice('open '.length));
  const ws = new WebSocket(`ws://${url.host}/rpc`, { headers: { authorization: `Bearer ${url.searchParams.get('token')}` } });
  const pending = new Map<string, () => void>();
  let fullScan = false;
  ws.on('message', (raw) => {
    const frame = JSON.parse(String(raw)) as { id?: string; event?: string; data?: { total?: number } };
    if (frame.id) pending.get(frame.id)?.();
    else if (frame.event === 'ranking' && (frame.data?.total ?? 0) >= SYMBOLS * 0.9) fullScan = true;
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
  const deadline = Date.now() + DEADLINE_MS;
  while (!warmedUp || !fullScan) {
    if (Date.now() > deadline) throw new Error(`no full scan within ${DEADLINE_MS} ms`);
    health.push(await roundTrip('health.get'));
    await new Promise((r) => setTimeout(r, 5)); // pacing so samples spread over the warm-up; not a wait for progress
  }
  ws.close();
  const h = figures(health);
  writeResult('health-warmup', { symbols: SYMBOLS, loadAverage1m: load, healthGet: h }, `${SYMBOLS} symbols, load ${load.toFixed(1)}: health.get during warm-up p50/p95/max ${h.p50}/${h.p95}/${h.max} ms over ${h.samples} samples`);
} finally {
  await (await serving).stop();
  rmSync(home, { recursive: true, force: true });
}
