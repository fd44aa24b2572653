import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@perpscope/shared';
import { SecretStoreError, loadConfig, type Logger } from '@perpscope/sdk';
import type { HostEvent, HostSecretStore } from '../../src/host/ports.js';
import { startWorkerHost, type WorkerEngineHost } from '../../src/host/workerHost.js';
import { SIM_START_MS } from '../../../test/support/sim.js';
import { memorySecrets } from '../support/fakes.js';

/** A small pinned sim: these tests build the engine in its thread but never need it to warm up. */
const CONFIG = { sim: { symbols: 5, seed: 3, startTimeMs: SIM_START_MS }, timeframes: ['1m'], backfillBars: 60 };
const ALERTS = loadConfig({}).alerts;

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
