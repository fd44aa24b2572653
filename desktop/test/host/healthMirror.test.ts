import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, type Logger, silentLogger } from '@perpscope/sdk';
import { createHealthMirror, startWorkerHost } from '../../src/host/workerHost.js';
import { memorySecrets } from '../support/fakes.js';

const ALERTS = loadConfig({}).alerts;

/**
 * A stand-in engine thread that pushes one health view and then holds its event loop on
 * `Atomics.wait` until the test releases it: a warm-up's long synchronous stretch, on demand.
 * Calls that reach it while it is held are answered only after the release.
 */
const BUSY_ENGINE = `
import { parentPort } from 'node:worker_threads';
let released = false;
parentPort.on('message', (m) => {
  if (m.type === 'hold') {
    parentPort.postMessage({ type: 'health', result: { ok: true, value: { marker: 'pushed' } }, atMs: Date.now() });
    parentPort.postMessage({ type: 'log', level: 'info', bindings: {}, fields: {}, msg: 'holding' });
    Atomics.wait(new Int32Array(m.gate), 0, 0);
    released = true;
  }
  if (m.type === 'call') parentPort.postMessage({ type: 'result', id: m.id, result: { ok: true, value: { marker: 'engine', released } } });
  if (m.type === 'lifecycle') parentPort.postMessage({ type: 'lifecycle-done', id: m.id, error: null });
});
parentPort.postMessage({ type: 'ready' });
`;

describe('health.get while the engine thread is busy', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('is answered on the main thread from the pushed view while the engine thread holds its event loop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'perpscope-busy-engine-'));
    dirs.push(dir);
    const entry = join(dir, 'busyEngine.mjs');
    writeFileSync(entry, BUSY_ENGINE);
    const gate = new SharedArrayBuffer(4);
    let holding!: () => void;
    const held = new Promise<void>((r) => (holding = r));
    const logger: Logger = { ...silentLogger, info: (_f, msg) => msg === 'holding' && holding(), child: () => logger };
    const engine = await startWorkerHost({
      home: dir, sim: true, command: 'test', alerts: ALERTS, secrets: memorySecrets(), logger, entry: pathToFileURL(entry),
      healthFreshMs: 600_000, // freshness is not under test here: the pushed view must count as fresh however slow the machine
    });
    try {
      const before = await engine.host.call('health.get', {});
      expect(before, 'nothing pushed yet: the engine answers').toEqual({ ok: true, value: { marker: 'engine', released: false } });
      engine.worker.postMessage({ type: 'hold', gate });
      await held;
      // The engine thread is now blocked (a shared buffer in a message is shared, not copied) until the gate opens; this answer can only come from here.
      const during = await engine.host.call('health.get', {});
      expect(during).toEqual({ ok: true, value: { marker: 'pushed' } });
      // Any other call still goes to the engine and waits for it.
      const other = engine.host.call('settings.get', {});
      Atomics.store(new Int32Array(gate), 0, 1);
      Atomics.notify(new Int32Array(gate), 0);
      expect(await other).toEqual({ ok: true, value: { marker: 'engine', released: true } });
    } finally {
      await engine.stop();
    }
  });

  it('is not answered from the pushed view once a stop is under way: the call waits for the engine', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'perpscope-busy-engine-'));
    dirs.push(dir);
    const entry = join(dir, 'busyEngine.mjs');
    writeFileSync(entry, BUSY_ENGINE);
    const gate = new SharedArrayBuffer(4);
    let holding!: () => void;
    const held = new Promise<void>((r) => (holding = r));
    const logger: Logger = { ...silentLogger, info: (_f, msg) => msg === 'holding' && holding(), child: () => logger };
    const engine = await startWorkerHost({
      home: dir, sim: true, command: 'test', alerts: ALERTS, secrets: memorySecrets(), logger, entry: pathToFileURL(entry),
      healthFreshMs: 600_000, // freshness is not under test here: the pushed view must count as fresh however slow the machine
    });
    engine.worker.postMessage({ type: 'hold', gate });
    await held;
    expect(await engine.host.call('health.get', {}), 'fresh view, no stop yet').toEqual({ ok: true, value: { marker: 'pushed' } });
    const stopped = engine.stop();
    const during = engine.host.call('health.get', {});
    Atomics.store(new Int32Array(gate), 0, 1);
    Atomics.notify(new Int32Array(gate), 0);
    // The engine thread answers it, or the stop sent before it ends the thread first and it answers INTERNAL;
    // either way not from the pushed view.
    expect(await during).not.toEqual({ ok: true, value: { marker: 'pushed' } });
    await stopped;
  });

  it('a view older than the freshness bound is not used: the call goes to the engine', () => {
    let now = 1_000;
    const mirror = createHealthMirror(2_000, () => now);
    expect(mirror.answer('health.get', {}), 'nothing pushed').toBeNull();
    mirror.onPush({ ok: true, value: { marker: 1 } } as never, now);
    expect(mirror.answer('health.get', {})).toEqual({ ok: true, value: { marker: 1 } });
    expect(mirror.answer('health.get', undefined), 'no params at all').toEqual({ ok: true, value: { marker: 1 } });
    expect(mirror.answer('rankings.query', {}), 'only health').toBeNull();
    // An error the engine answers (no market yet) is answered here the same way.
    mirror.onPush({ ok: false, error: { code: 'INTERNAL', message: 'engine not started: call start() first' } }, now);
    expect(mirror.answer('health.get', {})).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'engine not started: call start() first' } });
    mirror.onPush({ ok: true, value: { marker: 1 } } as never, now);
    now += 2_000;
    expect(mirror.answer('health.get', {}), 'at the bound').toEqual({ ok: true, value: { marker: 1 } });
    now += 1;
    expect(mirror.answer('health.get', {}), 'past the bound').toBeNull();
  });

  it('ages a view from when the engine thread produced it, not from when it arrived here', () => {
    let now = 10_000;
    const mirror = createHealthMirror(2_000, () => now);
    // A push that waited 2.5 s in this thread's queue (a busy main thread) arrives already stale.
    mirror.onPush({ ok: true, value: { marker: 'late' } } as never, now - 2_500);
    expect(mirror.answer('health.get', {})).toBeNull();
    mirror.onPush({ ok: true, value: { marker: 'recent' } } as never, now - 500);
    expect(mirror.answer('health.get', {})).toEqual({ ok: true, value: { marker: 'recent' } });
    now += 1_501;
    expect(mirror.answer('health.get', {}), '2001 ms after it was produced').toBeNull();
  });

  it('leaves params the engine would refuse to the engine, so they get its INVALID_INPUT', () => {
    const mirror = createHealthMirror(2_000, () => 0);
    mirror.onPush({ ok: true, value: { marker: 1 } } as never, 0);
    expect(mirror.answer('health.get', { x: 1 }), 'an unknown key').toBeNull();
    expect(mirror.answer('health.get', 'all'), 'not an object').toBeNull();
    expect(mirror.answer('health.get', JSON.parse('{"__proto__": {}}')), 'a reserved key').toBeNull();
    expect(mirror.answer('health.get', {})).toEqual({ ok: true, value: { marker: 1 } });
  });

  it('answers nothing once the engine is stopping, even a fresh view', () => {
    const mirror = createHealthMirror(2_000, () => 0);
    mirror.onPush({ ok: true, value: { marker: 1 } } as never, 0);
    mirror.stop();
    expect(mirror.answer('health.get', {})).toBeNull();
    mirror.onPush({ ok: true, value: { marker: 2 } } as never, 0);
    expect(mirror.answer('health.get', {}), 'a push still in flight when it stopped').toBeNull();
  });
});
