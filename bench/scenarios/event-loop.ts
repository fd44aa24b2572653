import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runServe, type ServeDeps } from '../../desktop/src/cli/serve.js';
import { createHostEngine } from '../../desktop/src/host/engineRuntime.js';
import { writeResult } from '../lib.js';
import { DEADLINE_MS, noSecrets, simConfig, WebSocket } from './serveRig.js';

// Event-loop scenario (issue #17): RPC round trips over `perpscope serve`'s WebSocket while a
// 400-symbol sim warms up (backfill) and ranks its whole universe twice, with the engine in its
// worker thread (the default) and, as the contrast, on the server's own event loop. Two reads
// are timed in turn: `rankings.query` (the table, answered on the server's thread from the
// engine's latest cycle) and `health.get` (answered by the engine itself, so it waits for the
// engine's event loop wherever that runs). The figures are p50/p95/max in ms; the test
// (desktop/test/server/eventLoopResponsive.test.ts) holds the worker's rankings.query p95 under
// 100 ms, this only reports.

const SYMBOLS = 400;
const CONFIG = simConfig(SYMBOLS);

interface Figures {
  samples: number;
  p50: number;
  p95: number;
  max: number;
}

function figures(xs: readonly number[]): Figures {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => Math.round((s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] ?? Number.NaN) * 10) / 10;
  return { samples: s.length, p50: at(0.5), p95: at(0.95), max: at(1) };
}

async function measure(mode: 'worker' | 'in-process'): Promise<{ rankingsQuery: Figures; healthGet: Figures; fullScans: number }> {
  const home = mkdtempSync(join(tmpdir(), `perpscope-bench-event-loop-${mode}-`));
  writeFileSync(join(home, 'config.json'), JSON.stringify(CONFIG));
  const deps: ServeDeps = { secrets: noSecrets, out: (l) => l.startsWith('open ') && openLine(l), ...(mode === 'in-process' ? { createEngine: createHostEngine } : {}) };
  let openLine!: (line: string) => void;
  const opened = new Promise<string>((done) => (openLine = done));
  let warmedUp = false;
  const serving = runServe({ port: 0, host: '127.0.0.1', sim: true, home }, deps);
  void serving.then(() => (warmedUp = true));
  try {
    const url = new URL((await Promise.race([opened, serving.then(() => opened)])).slice('open '.length));
    const ws = new WebSocket(`ws://${url.host}/rpc`, { headers: { authorization: `Bearer ${url.searchParams.get('token')}` } });
    const pending = new Map<string, () => void>();
    let fullScans = 0;
    ws.on('message', (raw) => {
      const frame = JSON.parse(String(raw)) as { id?: string; event?: string; data?: { total?: number } };
      if (frame.id) pending.get(frame.id)?.();
      else if (frame.event === 'ranking' && (frame.data?.total ?? 0) >= SYMBOLS * 0.9) fullScans++;
    });
    await new Promise<void>((done, fail) => {
      ws.once('open', () => done());
      ws.once('error', fail);
    });
    let seq = 0;
    const roundTrip = (method: string, params: unknown) =>
      new Promise<number>((done) => {
        const id = `b${++seq}`;
        const t0 = performance.now();
        pending.set(id, () => {
          pending.delete(id);
          done(performance.now() - t0);
        });
        ws.send(JSON.stringify({ id, method, params }));
      });
    const query: number[] = [];
    const health: number[] = [];
    const deadline = Date.now() + DEADLINE_MS;
    while (!warmedUp || fullScans < 2 || query.length < 100) {
      if (Date.now() > deadline) throw new Error(`${mode}: no two full scans within ${DEADLINE_MS} ms`);
      query.push(await roundTrip('rankings.query', { limit: 50 }));
      health.push(await roundTrip('health.get', {}));
      await new Promise((r) => setTimeout(r, 10)); // pacing, so samples spread over warm-up and scans; not a wait for progress
    }
    ws.close();
    return { rankingsQuery: figures(query), healthGet: figures(health), fullScans };
  } finally {
    await (await serving).stop();
    rmSync(home, { recursive: true, force: true });
  }
}

const load = loadavg()[0]!;
const worker = await measure('worker');
const inProcess = await measure('in-process');
const line = (m: { rankingsQuery: Figures; healthGet: Figures }) =>
  `rankings.query p50/p95/max ${m.rankingsQuery.p50}/${m.rankingsQuery.p95}/${m.rankingsQuery.max} ms, health.get ${m.healthGet.p50}/${m.healthGet.p95}/${m.healthGet.max} ms`;
writeResult('event-loop', { symbols: SYMBOLS, loadAverage1m: load, worker, inProcess }, `${SYMBOLS} symbols, load ${load.toFixed(1)}: worker ${line(worker)}; in-process ${line(inProcess)}`);
