import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { threadId } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@perpscope/shared';
import { ALERTS_SECRET_EXCHANGE, SecretStoreError, loadConfig, type Logger } from '@perpscope/sdk';
import type { HostEvent, HostSecretStore } from '../../src/host/ports.js';
import { startWorkerHost, type WorkerEngineHost } from '../../src/host/workerHost.js';
import { SIM_START_MS } from '../../../test/support/sim.js';
import { memorySecrets } from '../support/fakes.js';

/** A small pinned sim: these tests build the engine in its thread but never need it to warm up. */
const CONFIG = { sim: { symbols: 5, seed: 3, startTimeMs: SIM_START_MS }, timeframes: ['1m'], backfillBars: 60 };
const ALERTS = loadConfig({}).alerts;

/**
 * A stand-in engine thread for the shutdown paths a real engine cannot be held in on demand: it is
 * built at once, never answers a call or a start, and answers a stop.
 */
const STALLED_ENGINE = `
import { parentPort } from 'node:worker_threads';
parentPort.on('message', (m) => {
  if (m.type === 'lifecycle' && m.op === 'stop') parentPort.postMessage({ type: 'lifecycle-done', id: m.id, error: null });
});
parentPort.postMessage({ type: 'ready' });
`;

interface LogRecord {
  level: string;
  bindings: Record<string, unknown>;
  msg: string;
}

function recordingLogger(records: LogRecord[], bindings: Record<string, unknown> = {}): Logger {
  const at = (level: string) => (_fields: Record<string, unknown>, msg: string) => void records.push({ level, bindings, msg });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (more) => recordingLogger(records, { ...bindings, ...more }) };
}

describe('startWorkerHost: the engine in a worker thread behind the Host interface', () => {
  const homes: string[] = [];
  const running: WorkerEngineHost[] = [];
  const newHome = () => {
    const home = mkdtempSync(join(tmpdir(), 'perpscope-worker-host-'));
    writeFileSync(join(home, 'config.json'), JSON.stringify(CONFIG));
    homes.push(home);
    return home;
  };
  const start = async (home: string, secrets: HostSecretStore, logger: Logger = recordingLogger([])) => {
    const engine = await startWorkerHost({ home, sim: true, command: 'perpscope serve --sim', alerts: ALERTS, secrets, logger });
    running.push(engine);
    return engine;
  };
  afterAll(async () => {
    for (const engine of running) await engine.stop();
    for (const home of homes) rmSync(home, { recursive: true, force: true });
  });

  it('answers RPC from its own thread, reaches the keychain in this one (codes kept), and sends its log records here', async () => {
    const secrets = memorySecrets();
    await secrets.set({ exchange: 'blofin', label: 'main' }, { apiKey: 'k', secret: 's' });
    const records: LogRecord[] = [];
    const engine = await start(newHome(), secrets, recordingLogger(records));
    expect(engine.worker.threadId, 'not this thread').not.toBe(threadId);

    const listed = await engine.host.call('keys.list');
    expect(listed, 'the key stored in this thread, listed by the engine thread').toEqual({ ok: true, value: { keys: [{ exchange: 'blofin', label: 'main' }] } });

    secrets.list = () => Promise.reject(new SecretStoreError(ErrorCode.KeychainLocked, 'The login keyring is locked'));
    const locked = await engine.host.call('keys.list');
    expect(locked.ok ? null : locked.error.code, 'a keychain error crosses the threads with its code').toBe(ErrorCode.KeychainLocked);

    const unknown = await engine.host.handle('no.such.method', {});
    expect(unknown.ok ? null : unknown.error.code, 'validation runs in the engine thread as in-process').toBe(ErrorCode.InvalidInput);

    const starting = records.find((r) => r.msg === 'engine runtime starting');
    expect(starting?.bindings, "the engine thread's record, with its child bindings").toMatchObject({ component: 'desktop-runtime' });
  });

  it('a second engine on the same home is refused with HOME_LOCKED; stop releases the home', async () => {
    const home = newHome();
    const first = await start(home, memorySecrets());
    const second = startWorkerHost({ home, sim: true, command: 'perpscope serve --sim', alerts: ALERTS, secrets: memorySecrets(), logger: recordingLogger([]) });
    await expect(second, 'the engine error, code and all').rejects.toMatchObject({ code: ErrorCode.HomeLocked, message: expect.stringMatching(/perpscope serve --sim/) });
    await first.stop();
    await expect(first.host.call('keys.list'), 'a stopped engine answers, with why').resolves.toMatchObject({ ok: false, error: { code: ErrorCode.Internal } });
    const third = await start(home, memorySecrets());
    expect(await third.host.call('keys.list'), 'the home is free again: a third engine took it and answers').toEqual({ ok: true, value: { keys: [] } });
  });

  it('starts with a remote alert sink enabled: building the engine reads its secret from this thread', async () => {
    // The sink's URL: a loopback receiver, so anything the alerts send lands here and nowhere else.
    const server: Server = createServer((_req, res) => res.writeHead(204).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const secrets = memorySecrets();
      await secrets.set({ exchange: ALERTS_SECRET_EXCHANGE, label: 'webhook' }, { apiKey: '', secret: `http://127.0.0.1:${port}/hook` });
      const asked: string[] = [];
      const get = secrets.get;
      secrets.get = (ref) => {
        asked.push(`${ref.exchange}:${ref.label}`);
        return get(ref);
      };
      const alerts = loadConfig({ options: { alerts: { sinks: { webhook: { enabled: true } } } } }).alerts;
      const records: LogRecord[] = [];
      const engine = await startWorkerHost({ home: newHome(), sim: true, command: 'perpscope serve --sim', alerts, secrets, logger: recordingLogger(records) });
      running.push(engine);
      expect(asked, 'the sink secret was read during the build').toContain(`${ALERTS_SECRET_EXCHANGE}:webhook`);
      expect(records.filter((r) => r.msg === 'alert sink not usable'), 'and the sink was usable').toEqual([]);
      expect(await engine.host.call('keys.list'), 'the engine answers').toMatchObject({ ok: true });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a stop during start settles the start without an error, and raises no crash alert', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'perpscope-stalled-engine-'));
    homes.push(dir);
    const entry = join(dir, 'stalledEngine.mjs');
    writeFileSync(entry, STALLED_ENGINE);
    const records: LogRecord[] = [];
    const engine = await startWorkerHost({ home: dir, sim: true, command: 'perpscope serve --sim', alerts: ALERTS, secrets: memorySecrets(), logger: recordingLogger(records), entry: pathToFileURL(entry) });
    const events: HostEvent[] = [];
    engine.host.onEvent((e) => events.push(e));
    const starting = engine.start();
    await engine.stop();
    await expect(starting, 'the start the stop cut short').resolves.toBeUndefined();
    expect(events.filter((e) => e.event === 'alert'), 'no crash alert').toEqual([]);
    expect(records.filter((r) => r.level === 'error'), 'nothing logged as an error').toEqual([]);
  });

  it('an unreadable message from the engine thread answers everything in flight', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'perpscope-stalled-engine-'));
    homes.push(dir);
    const entry = join(dir, 'stalledEngine.mjs');
    writeFileSync(entry, STALLED_ENGINE);
    const engine = await startWorkerHost({ home: dir, sim: true, command: 'perpscope serve --sim', alerts: ALERTS, secrets: memorySecrets(), logger: recordingLogger([]), entry: pathToFileURL(entry) });
    const exited = new Promise((resolve) => engine.worker.once('exit', resolve));
    const inFlight = engine.host.call('keys.list');
    const starting = engine.start();
    // What Node emits when a message (here: possibly the reply) fails to deserialize.
    engine.worker.emit('messageerror', new Error('could not deserialize'));
    const answer = await inFlight;
    expect(answer.ok ? null : answer.error, 'the call in flight').toMatchObject({ code: ErrorCode.Internal, message: expect.stringMatching(/^The engine thread stopped: a message from it could not be read/) });
    await expect(starting, 'the start in flight').rejects.toMatchObject({ code: ErrorCode.Internal });
    await exited;
    expect(await engine.host.call('keys.list'), 'a later call').toMatchObject({ ok: false, error: { code: ErrorCode.Internal } });
  });

  it('a dead engine thread answers the call in flight and every later one with INTERNAL, and says so in an alert', async () => {
    const secrets = memorySecrets();
    let asked!: () => void;
    const keychainAsked = new Promise<void>((resolve) => (asked = resolve));
    // The keychain never answers, so `keys.list` stays in flight until the thread dies.
    secrets.list = () => {
      asked();
      return new Promise(() => undefined);
    };
    const engine = await start(newHome(), secrets);
    const events: HostEvent[] = [];
    engine.host.onEvent((e) => events.push(e));

    const inFlight = engine.host.call('keys.list');
    await keychainAsked;
    await engine.worker.terminate();

    const answer = await inFlight;
    expect(answer.ok ? null : answer.error, 'the call in flight').toMatchObject({ code: ErrorCode.Internal, message: expect.stringMatching(/^The engine thread stopped: the thread exited with code \d+/) });
    expect(await engine.host.call('keys.list'), 'a later call').toMatchObject({ ok: false, error: { code: ErrorCode.Internal } });
    expect(events.filter((e) => e.event === 'alert').map((e) => e.data), 'listeners are told once').toEqual([expect.objectContaining({ level: 'error', kind: 'engineThread' })]);
    await expect(engine.start(), 'a dead engine does not start').rejects.toMatchObject({ code: ErrorCode.Internal });
  });
});
