import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '@perpscope/sdk';
import { HealthViewSchema } from '@perpscope/shared';
import { deferredHost, runServe } from '../../src/cli/serve.js';
import { lazySecretStore } from '../../src/cli/serveCommand.js';
import type { EngineHost } from '../../src/host/engineHost.js';
import type { Host } from '../../src/host/host.js';
import type { HostEvent } from '../../src/host/ports.js';
import type { EngineFactory } from '../../src/host/runtime.js';
import type { HostSecretStore } from '../../src/host/ports.js';
import { bareEngine } from '../support/fakes.js';

const noSecrets: HostSecretStore = {
  set: () => Promise.reject(new Error('unused')),
  get: () => Promise.resolve(null),
  delete: () => Promise.resolve(false),
  list: () => Promise.resolve([]),
};

describe('runServe', () => {
  it('prints the URL with its token first, on a free port, then starts and later stops the engine', async () => {
    const lifecycle: string[] = [];
    const lines: string[] = [];
    const createEngine: EngineFactory = (opts) => {
      lifecycle.push(`create home=${opts.home} sim=${opts.sim}`);
      return Promise.resolve({
        engine: bareEngine(),
        start: () => {
          lifecycle.push(`start after ${lines.length} line(s)`);
          return Promise.resolve();
        },
        stop: () => {
          lifecycle.push('stop');
          return Promise.resolve();
        },
      });
    };
    const handle = await runServe({ port: 0, host: '127.0.0.1', sim: true, home: '/tmp/ps-home' }, { createEngine, secrets: noSecrets, out: (l) => lines.push(l) });
    expect(lines[0], 'first line').toMatch(/^open http:\/\/127\.0\.0\.1:(\d+)\/\?token=[A-Za-z0-9_-]{43}$/);
    const port = Number(/:(\d+)\//.exec(lines[0] ?? '')?.[1]);
    expect(port, 'a real port was picked').toBeGreaterThan(0);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status, 'token required').toBe(401);
    await handle.stop();
    expect(lifecycle).toEqual(['create home=/tmp/ps-home sim=true', 'start after 1 line(s)', 'stop']);
  });

  it('uses a token from config when given', async () => {
    const createEngine: EngineFactory = () => Promise.resolve({ engine: bareEngine(), start: () => Promise.resolve(), stop: () => Promise.resolve() });
    const lines: string[] = [];
    const handle = await runServe({ port: 0, host: '127.0.0.1', sim: false, home: '/tmp/x', token: 'from-config' }, { createEngine, secrets: noSecrets, out: (l) => lines.push(l) });
    expect(lines[0]).toMatch(/\?token=from-config$/);
    await handle.stop();
  });
});

/** A promise settled from outside, for an engine build the test finishes when it chooses. */
function pending<T>(): { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function fakeEngineHost(calls: string[]): EngineHost & { emit(e: HostEvent): void } {
  const listeners = new Set<(e: HostEvent) => void>();
  const host: Host = {
    handle: (method) => {
      calls.push(String(method));
      return Promise.resolve({ ok: true, value: `answer to ${String(method)}` });
    },
    call: ((method: string) => host.handle(method, undefined)) as Host['call'],
    onEvent: (fn) => {
      listeners.add(fn);
      return () => void listeners.delete(fn);
    },
    close: () => listeners.clear(),
  };
  return { host, start: () => Promise.resolve(), stop: () => Promise.resolve(), emit: (e) => listeners.forEach((fn) => fn(e)) };
}

describe('deferredHost (the server listens before the engine is built)', () => {
  it('answers a call made during the build once the engine exists, and forwards its events to earlier listeners', async () => {
    const build = pending<EngineHost>();
    const host = deferredHost(build.promise);
    const events: string[] = [];
    host.onEvent((e) => events.push(e.event));
    const early = host.handle('rankings.query', {});
    const calls: string[] = [];
    const engine = fakeEngineHost(calls);
    build.resolve(engine);
    await expect(early).resolves.toEqual({ ok: true, value: 'answer to rankings.query' });
    expect(calls, 'the call reached the engine once built').toEqual(['rankings.query']);
    engine.emit({ event: 'health', data: {} } as HostEvent);
    expect(events).toEqual(['health']);
    host.detach();
    engine.emit({ event: 'health', data: {} } as HostEvent);
    expect(events, 'nothing after detach').toEqual(['health']);
  });

  it('answers health.get at once during the build with the engine starting; other calls still wait for the engine', async () => {
    const build = pending<EngineHost>();
    const host = deferredHost(build.promise, () => 1_700_000_000_000);
    let rankingsAnswered = false;
    const rankings = host.handle('rankings.query', {}).then((r) => ((rankingsAnswered = true), r));
    // The build never ends before these resolve: waiting for it would hang them.
    const viaHandle = await host.handle('health.get', {});
    const viaCall = await host.call('health.get');
    for (const r of [viaHandle, viaCall]) {
      expect(r.ok).toBe(true);
      const view = HealthViewSchema.parse(r.ok ? r.value : null);
      expect(view).toEqual({ asOfMs: 1_700_000_000_000, engine: 'starting', exchanges: [], symbolsTracked: 0, symbolsStale: 0 });
    }
    const badParams = host.handle('health.get', { verbose: true });
    expect(rankingsAnswered, 'a call other than health.get is still waiting').toBe(false);
    const calls: string[] = [];
    build.resolve(fakeEngineHost(calls));
    await expect(rankings).resolves.toEqual({ ok: true, value: 'answer to rankings.query' });
    await expect(badParams, 'ill-formed params go to the engine, which refuses them').resolves.toEqual({ ok: true, value: 'answer to health.get' });
    await expect(host.handle('health.get', {}), 'once built, the engine answers health.get').resolves.toEqual({ ok: true, value: 'answer to health.get' });
    expect(calls).toEqual(['rankings.query', 'health.get', 'health.get']);
  });

  it('answers every call with the build error when the engine cannot be built', async () => {
    const host = deferredHost(Promise.reject(Object.assign(new Error('home is locked by perpscope run'), { code: 'HOME_LOCKED' })));
    const r = await host.handle('rankings.query', {});
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.error.message).toContain('home is locked');
    const health = await host.handle('health.get', {});
    expect(health.ok ? '' : health.error.message, 'health.get too, once the build has failed').toContain('home is locked');
  });
});

describe('runServe with an engine that is slow to build', () => {
  it('prints the URL and serves before the build ends, then starts the engine once built', async () => {
    const build = pending<void>();
    const lifecycle: string[] = [];
    const lines: string[] = [];
    const createEngine: EngineFactory = async () => {
      lifecycle.push('create');
      await build.promise;
      return { engine: bareEngine(), start: () => (lifecycle.push('start'), Promise.resolve()), stop: () => (lifecycle.push('stop'), Promise.resolve()) };
    };
    const printed = pending<string>();
    const serving = runServe({ port: 0, host: '127.0.0.1', sim: true, home: '/tmp/ps-home' }, { createEngine, secrets: noSecrets, out: (l) => (lines.push(l), printed.resolve(l)) });
    // runServe failing before it prints fails the test here, with its own error, rather than leaving it waiting.
    const first = await Promise.race([printed.promise, serving.then(() => Promise.reject(new Error('runServe returned before the engine was built')))]);
    const port = Number(/:(\d+)\//.exec(first)?.[1]);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status, 'listening while the engine is built').toBe(401);
    // Whether the build has begun yet depends on module loading; that it has not started is what counts.
    expect(lifecycle, 'not started before its build ends').not.toContain('start');
    build.resolve();
    const handle = await serving;
    expect(lifecycle).toEqual(['create', 'start']);
    await handle.stop();
    expect(lifecycle).toEqual(['create', 'start', 'stop']);
  });

  it('rejects, and closes the server, when the build fails after the URL was printed', async () => {
    const build = pending<void>();
    const createEngine: EngineFactory = async () => {
      await build.promise;
      throw new Error('HOME_LOCKED: held by perpscope run');
    };
    const printed = pending<string>();
    const serving = runServe({ port: 0, host: '127.0.0.1', sim: true, home: '/tmp/ps-home' }, { createEngine, secrets: noSecrets, out: (l) => printed.resolve(l.replace(/^open /, '')) });
    const failed = serving.then(() => 'resolved', (e: unknown) => (e instanceof Error ? e.message : String(e)));
    const url = new URL(await Promise.race([printed.promise, failed.then((r) => Promise.reject(new Error(`runServe settled before printing: ${r}`)))]));
    // A socket connected to the server is closed by it when it stops; a fresh connection to the freed port could reach anyone.
    const socket = new WebSocket(`ws://127.0.0.1:${url.port}/rpc`, { headers: { authorization: `Bearer ${url.searchParams.get('token') ?? ''}` } });
    await new Promise<void>((open, fail) => {
      socket.once('open', () => open());
      socket.once('error', fail);
    });
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    build.resolve();
    expect(await failed).toContain('HOME_LOCKED');
    await closed;
  });
});

/** An engine thread that never finishes its build: a hung warm-up, or one that takes longer than anyone waits. */
const HUNG_BUILD = `
import { parentPort } from 'node:worker_threads';
parentPort.on('message', () => undefined);
`;

describe('runServe with an engine thread whose build never ends', () => {
  const dirs: string[] = [];
  const blockers: Server[] = [];
  afterAll(async () => {
    for (const b of blockers) await new Promise((done) => b.close(done));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('rejects with the listen error without waiting for the build, and ends the thread', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'perpscope-hung-build-'));
    dirs.push(dir);
    const entry = join(dir, 'hungEngine.mjs');
    writeFileSync(entry, HUNG_BUILD);
    const blocker = createServer();
    blockers.push(blocker);
    await new Promise<void>((listening) => blocker.listen(0, '127.0.0.1', listening));
    const taken = (blocker.address() as { port: number }).port;
    const lines: string[] = [];
    await expect(
      runServe(
        { port: taken, host: '127.0.0.1', sim: true, home: dir, alerts: loadConfig({}).alerts },
        { engineThread: { command: 'test', entry: pathToFileURL(entry) }, secrets: noSecrets, out: (l) => lines.push(l) },
      ),
    ).rejects.toThrow(`port ${taken} is already in use`); // settles only once the thread has exited: its build never ends
    expect(lines, 'no URL for a server that never listened').toEqual([]);
  });
});

describe('lazySecretStore', () => {
  it('loads the keychain at its first use only, once', async () => {
    let loads = 0;
    const store = lazySecretStore(() => {
      loads++;
      return Promise.resolve(noSecrets);
    });
    expect(loads, 'nothing loaded by creating it').toBe(0);
    expect(await store.list()).toEqual([]);
    expect(await store.get({ exchange: 'blofin', label: 'main' })).toBeNull();
    expect(loads).toBe(1);
  });

  it('tries the keychain again after a load that failed', async () => {
    let loads = 0;
    const store = lazySecretStore(() => {
      loads++;
      return loads === 1 ? Promise.reject(new Error('keychain locked')) : Promise.resolve(noSecrets);
    });
    await expect(store.list()).rejects.toThrow('keychain locked');
    expect(await store.list(), 'the second call loads it again').toEqual([]);
    expect(await store.get({ exchange: 'blofin', label: 'main' })).toBeNull();
    expect(loads, 'and keeps the one that loaded').toBe(2);
  });
});
