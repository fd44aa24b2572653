import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { runServe, type ServeHandle } from '../../src/cli/serve.js';
import { SIM_START_MS } from '../../../test/support/sim.js';
import { memorySecrets } from '../support/fakes.js';

const RENDERER_DIR = fileURLToPath(new URL('../../out/renderer', import.meta.url));

/** The universe issue #17 names: big enough that one scan or one backfill burst takes a while. */
const SYMBOLS = 400;
/** Round trips measured at least; more are taken while the engine is still warming up. */
const MIN_SAMPLES = 100;
/** Issue #17's figure: RPC answers within 100 ms at the 95th percentile. */
const P95_BUDGET_MS = 100;
/** Hang deadline for the whole measurement: it ends on observed state (scans seen), never on time. */
const DEADLINE_MS = 240_000;

/** The sim preset (1m and 15m, 300 bars of backfill, x60) on a pinned 400-symbol market, every symbol ranked. */
const CONFIG = { sim: { symbols: SYMBOLS, seed: 17, startTimeMs: SIM_START_MS }, universe: { minQuoteVolumeUsd: 0 } };

interface Frame {
  id?: string;
  result?: unknown;
  event?: string;
  data?: { total?: number; engine?: string };
}

/** The renderer's files as a browser would fetch them: the page, then every JS and CSS asset. */
function bundlePaths(): string[] {
  const assets = readdirSync(join(RENDERER_DIR, 'assets')).filter((f) => /\.(js|css)$/.test(f));
  return ['/', ...assets.map((f) => `/assets/${f}`)];
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

describe('perpscope serve: the engine runs off the event loop that serves HTTP and RPC (issue #17)', () => {
  const home = mkdtempSync(join(tmpdir(), 'perpscope-event-loop-'));
  let handle: ServeHandle | undefined;
  afterAll(async () => {
    await handle?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it(`answers RPC within ${P95_BUDGET_MS} ms at p95 while a ${SYMBOLS}-symbol sim warms up and scans, with the UI bundle fetched meanwhile`, async () => {
    expect(existsSync(join(RENDERER_DIR, 'index.html')), `the renderer is built (run \`pnpm build\`): ${RENDERER_DIR}`).toBe(true);
    writeFileSync(join(home, 'config.json'), JSON.stringify(CONFIG));
    const deadline = Date.now() + DEADLINE_MS;

    let openLine!: (line: string) => void;
    let failed!: (e: unknown) => void;
    const opened = new Promise<string>((resolve, reject) => {
      openLine = resolve;
      failed = reject;
    });
    // The default path of `perpscope serve`: the engine in its worker thread.
    let warmedUp = false;
    const started = runServe({ port: 0, host: '127.0.0.1', sim: true, home, rendererDir: RENDERER_DIR }, { secrets: memorySecrets(), out: (l) => l.startsWith('open ') && openLine(l) }).then((h) => {
      handle = h;
      warmedUp = true;
    });
    // A failed start must fail the test at once, not leave it waiting for the URL.
    started.catch(failed);
    const url = new URL((await opened).slice('open '.length));
    const token = url.searchParams.get('token')!;

    // Everything the engine pushes while we measure: proof that it was busy, not idle.
    const rankingTotals: number[] = [];
    const engineStates = new Set<string>();
    const pending = new Map<string, (frame: Frame) => void>();
    const ws = new WebSocket(`ws://${url.host}/rpc`, { headers: { authorization: `Bearer ${token}` } });
    ws.on('message', (raw) => {
      const frame = JSON.parse(String(raw)) as Frame;
      if (frame.id) pending.get(frame.id)?.(frame);
      else if (frame.event === 'ranking' && typeof frame.data?.total === 'number') rankingTotals.push(frame.data.total);
      else if (frame.event === 'health' && frame.data?.engine) engineStates.add(frame.data.engine);
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });

    // The UI bundle, fetched as a browser opening the page would, while the engine warms up.
    const bundle = Promise.all(
      bundlePaths().map(async (path) => {
        const res = await fetch(`http://${url.host}${path}`, { headers: { authorization: `Bearer ${token}` } });
        return { path, status: res.status, bytes: (await res.arrayBuffer()).byteLength };
      }),
    );
    let bundleDone = false;
    void bundle.then(() => (bundleDone = true), () => (bundleDone = true));

    let seq = 0;
    const call = (method: string, params: Record<string, unknown>) =>
      new Promise<Frame>((resolve) => {
        const id = `t${++seq}`;
        pending.set(id, (frame) => {
          pending.delete(id);
          resolve(frame);
        });
        ws.send(JSON.stringify({ id, method, params }));
      });

    // Measures until the engine has warmed up and ranked the whole universe at least twice while
    // we were measuring (so the samples span backfill and scans), and the bundle is through.
    const samples: number[] = [];
    const fullScans = () => rankingTotals.filter((t) => t >= SYMBOLS * 0.9).length;
    while (samples.length < MIN_SAMPLES || !warmedUp || fullScans() < 2 || !bundleDone) {
      if (Date.now() > deadline) throw new Error(`timed out after ${DEADLINE_MS} ms: ${samples.length} samples, warmed up ${warmedUp}, full scans ${fullScans()}, bundle ${bundleDone}`);
      const t0 = performance.now();
      // The UI's own read: the rankings table's first page (empty until the first cycle).
      const reply = await call('rankings.query', { limit: 50 });
      samples.push(performance.now() - t0);
      expect(reply.result, 'rankings.query answered').toMatchObject({ ok: true });
      await new Promise((r) => setTimeout(r, 10)); // pacing, so samples spread over warm-up and scans; not a wait for progress
    }
    ws.close();
    await started;

    const fetched = await bundle;
    expect(fetched.map((f) => [f.path, f.status]), 'every bundle file served').toEqual(fetched.map((f) => [f.path, 200]));
    expect(fetched.reduce((n, f) => n + f.bytes, 0), 'a real bundle').toBeGreaterThan(100_000);
    // The engine was busy the whole time: it warmed up (backfill) and ranked all 400 symbols while we measured.
    expect(engineStates.size, `health states seen: ${[...engineStates].join(', ')}`).toBeGreaterThan(0);
    expect(fullScans(), `ranking totals seen: ${rankingTotals.join(', ')}`).toBeGreaterThanOrEqual(2);

    const sorted = [...samples].sort((a, b) => a - b);
    const p95 = percentile(sorted, 95);
    // The ONE timed assertion of the suite, demanded by issue #17 as the proof that the engine
    // runs off the UI's event loop; every other test waits for states. It is a budget an order
    // of magnitude above a loopback round trip (about 1 ms), not a speed claim: those are in
    // `pnpm bench` (event-loop case, with the in-process engine as the contrast).
    expect(p95, `p95 of ${samples.length} rankings.query round trips (median ${percentile(sorted, 50).toFixed(1)} ms, max ${sorted.at(-1)?.toFixed(1)} ms)`).toBeLessThan(P95_BUDGET_MS);
  }, DEADLINE_MS + 30_000);
});
