import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ErrorCode, RPC_METHODS, err, ok, unsafeParamsError, type HealthView, type MethodName, type RankingSnapshotView, type Result, type RpcError } from '@perpscope/shared';
import { PerpscopeError, type Logger } from '@perpscope/sdk/core';
import type { SimDialectName } from '@perpscope/sdk/sim';
import type { AlertsAdapterOptions, NotificationClass } from './alertsAdapter.js';
import type { EngineHost } from './engineHost.js';
import type { Host } from './host.js';
import type { HostEvent, HostSecretStore } from './ports.js';
import { queryRanking } from './rankingQuery.js';
import { toRpcError } from './rpcErrors.js';

/** What the engine thread is started with (structured-clone safe). */
export interface EngineWorkerData {
  home: string;
  sim: boolean;
  configFile?: string;
  /** With `sim`: the protocol the SimExchange speaks; default `blofin`. */
  simDialect?: SimDialectName;
  /** Names this process in the home's one-writer lock. */
  command: string;
  alerts: AlertsAdapterOptions['config'];
  /** Electron's own-ABI better-sqlite3 addon; every store of the thread opens with it. */
  sqliteBinding?: string;
  /** Whether OS notifications can be shown; null when the shell has none (serve). */
  notificationsSupported: boolean | null;
}

export type SecretOp = 'set' | 'get' | 'delete' | 'list';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Messages from the main thread to the engine thread. */
export type ToWorker =
  | { type: 'call'; id: number; method: unknown; params: unknown }
  | { type: 'lifecycle'; id: number; op: 'start' | 'stop' }
  | { type: 'secret-reply'; id: number; ok: true; value: unknown }
  | { type: 'secret-reply'; id: number; ok: false; error: RpcError };

/** Messages from the engine thread to the main thread. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'failed'; error: RpcError }
  | { type: 'result'; id: number; result: Result<unknown> }
  | { type: 'lifecycle-done'; id: number; error: RpcError | null }
  | { type: 'event'; event: HostEvent }
  /**
   * The engine's `health.get` answer (an error too, e.g. before the market starts), pushed every
   * 250 ms while its event loop turns; `atMs` is when the engine thread had it, so a push that
   * waited in this thread's queue counts as old as it is.
   */
  | { type: 'health'; result: Result<HealthView>; atMs: number }
  | { type: 'log'; level: LogLevel; bindings: Record<string, unknown>; fields: Record<string, unknown>; msg: string }
  | { type: 'secret'; id: number; op: SecretOp; args: unknown[] }
  | { type: 'notify'; title: string; body: string; urgency?: 'normal' | 'critical' | 'low' };

export interface WorkerHostOptions {
  home: string;
  sim: boolean;
  /** The `--config FILE` option; defaults to `<home>/config.json`. */
  configFile?: string;
  /** With `sim`: the protocol the SimExchange speaks (`serve --sim --exchange ID`); default `blofin`. */
  simDialect?: SimDialectName;
  /** Names this process to a second one the home lock refuses, e.g. `perpscope serve --sim`. */
  command: string;
  alerts: AlertsAdapterOptions['config'];
  /** The keychain stays in this thread (keytar need not load in a worker); the engine asks for it by message. */
  secrets: HostSecretStore;
  /** Receives the engine thread's log records too. */
  logger: Logger;
  notifications?: NotificationClass;
  sqliteBinding?: string;
  /** The engine thread's environment (PERPSCOPE_* layers); default: a copy of this process's. */
  env?: Record<string, string | undefined>;
  /** The worker entry; default: `engineWorker.js` beside this module (built), else its `.ts` source through tsx. */
  entry?: URL;
  /** How old a pushed health view may be and still answer `health.get` here (default HEALTH_FRESH_MS). */
  healthFreshMs?: number;
  /**
   * Aborted while the engine is still being built, the thread is terminated and the returned
   * promise rejects, so a shutdown need not wait for (or be held by) a slow or hung build. Once
   * built, the engine is stopped with `stop()` instead.
   */
  signal?: AbortSignal;
}

/**
 * A pushed health view older than this is not answered from: the engine thread has been busy for
 * that long, and `health.get` then waits for the engine itself, so the delay shows.
 */
export const HEALTH_FRESH_MS = 2_000;

/**
 * `health.get`, answered on this thread from the answer the engine thread last pushed, so the status
 * a UI polls never queues behind a long stretch of engine work (a warm-up's backfill). A view
 * produced more than `freshMs` ago (an engine thread busy for that long, or one that has not pushed
 * yet) is not used: the call goes to the engine and its delay is the truthful answer. Params the
 * engine would refuse go there too, so they get its INVALID_INPUT; and once the engine is stopping
 * nothing is answered here, since its last view no longer describes it.
 */
export function createHealthMirror(freshMs: number, nowMs: () => number = Date.now) {
  let latest: { result: Result<HealthView>; atMs: number } | null = null;
  let stopped = false;
  return {
    /** `atMs`: when the engine thread produced the view (both threads read the same clock). */
    onPush(result: Result<HealthView>, atMs: number) {
      latest = { result, atMs };
    },
    answer(method: unknown, params: unknown): Result<HealthView> | null {
      if (stopped || method !== 'health.get' || !latest || nowMs() - latest.atMs > freshMs) return null;
      if (unsafeParamsError(method, params) || !RPC_METHODS['health.get'].input.safeParse(params ?? {}).success) return null;
      return latest.result;
    },
    stop() {
      stopped = true;
      latest = null;
    },
  };
}

/** The engine in its worker thread, behind a `Host` that talks to it by message. */
export interface WorkerEngineHost extends EngineHost {
  /** The thread itself; `terminate()` on it is handled like a crash. */
  readonly worker: Worker;
}

/**
 * The worker entry. Built (`dist/host`, or the Electron app's `out/main`) it is plain JavaScript;
 * from source (tsx, vitest) a small bootstrap registers tsx's loader in the new thread first,
 * since Node 20 does not carry a parent's loader hooks (nor `--import` in `execArgv`) into a worker.
 */
function workerEntry(entry: URL | undefined): { script: URL | string; eval: boolean } {
  if (entry) return { script: entry, eval: false };
  const built = new URL('./engineWorker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return { script: built, eval: false };
  const source = new URL('./engineWorker.ts', import.meta.url);
  const require = createRequire(import.meta.url);
  const tsxPackage = require.resolve('tsx/package.json');
  const api = (JSON.parse(readFileSync(tsxPackage, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api']?.import.default;
  if (!api) throw new Error(`tsx at ${tsxPackage} has no ESM register API; build the desktop package (pnpm build:ts) to run the engine thread from dist`);
  const registerUrl = pathToFileURL(join(dirname(tsxPackage), api)).href;
  return { script: `import(${JSON.stringify(registerUrl)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source.href)}); });`, eval: true };
}

/** A PerpscopeError from an RpcError that crossed the thread boundary, keeping code and details. */
export function fromRpcError(error: RpcError): PerpscopeError {
  return new PerpscopeError(error.code, error.message, error.details ? { details: error.details } : {});
}

/** Commands that never change what `rankings.query` answers; any other one may (a profile or universe edit). */
const RANKING_NEUTRAL = new Set<string>([
  'rankings.query', 'symbol.inspect', 'candles.get', 'signals.list', 'trading.status', 'orders.history', 'orders.preview', 'history.list',
  'settings.get', 'profiles.list', 'watchlists.list', 'keys.list', 'keys.test', 'health.get', 'alerts.test',
  'backtest.datasets', 'backtest.list', 'backtest.get', 'backtest.bars', 'backtest.report', 'chart.studies', 'chart.flags',
  'drawings.list', 'drawings.save', 'drawings.delete',
]);

/** The side evidence of an empty snapshot, as the host's `rankings.query` gives it before the first cycle. */
const NO_SIDE_EVIDENCE = { basis: 'momentum', horizonBars: null, timeframe: null, evidence: [] } as const satisfies RankingSnapshotView['side'];

/**
 * The rankings table, the UI's main read, answered on this thread from the engine's latest
 * published cycle, so it never queues behind a scan in the engine thread. The engine publishes
 * every cycle it keeps as a `ranking` event (the same view its own `rankings.query` filters), so
 * the answer is the same. Only the plain case is answered here: the active profile, no watchlist
 * (that needs the store), valid params; everything else, and everything while a command that may
 * change the ranking is in flight or has not yet been followed by a cycle, goes to the engine.
 */
export function createRankingMirror() {
  /** null: no cycle yet (the engine answers an empty table too); undefined: unknown, ask the engine. */
  let snapshot: RankingSnapshotView | null | undefined = null;
  let writesInFlight = 0;
  return {
    onEvent(event: HostEvent) {
      if (event.event === 'ranking' && writesInFlight === 0) snapshot = event.data;
    },
    /** Called before a command goes to the engine; the returned function after its reply. */
    forwarding(method: unknown): () => void {
      if (typeof method === 'string' && RANKING_NEUTRAL.has(method)) return () => undefined;
      writesInFlight += 1;
      snapshot = undefined;
      return () => {
        writesInFlight -= 1;
      };
    },
    answer(method: unknown, params: unknown): Result<RankingSnapshotView> | null {
      if (method !== 'rankings.query' || snapshot === undefined || unsafeParamsError(method, params)) return null;
      const parsed = RPC_METHODS['rankings.query'].input.safeParse(params ?? {});
      if (!parsed.success || parsed.data.watchlist !== undefined) return null;
      const profile = parsed.data.profile;
      if (snapshot === null) return ok(queryRanking({ asOfMs: null, profile: profile ?? '', side: NO_SIDE_EVIDENCE, total: 0, rows: [] }, parsed.data, null));
      if (profile !== undefined && profile !== snapshot.profile) return null;
      return ok(queryRanking(snapshot, parsed.data, null));
    },
  };
}

/**
 * Starts the engine, its alerts and the host in a worker thread, and returns a `Host` that
 * forwards every call to it, so the HTTP server, the WebSocket, IPC and window handling keep
 * this thread's event loop however long a scan of a large universe runs. The rankings table is
 * answered here from the engine's latest published cycle (see createRankingMirror), so the UI's
 * main read does not wait for a busy engine thread either. Resolves once the engine is built (not
 * started); rejects with the engine's own error (HOME_LOCKED, a bad config).
 *
 * If the thread dies, every call in flight and every later call answers INTERNAL naming the
 * cause, and listeners get an `alert` event saying so.
 *
 * @example
 * const engine = await startWorkerHost({ home, sim: true, command: 'perpscope serve --sim', alerts, secrets, logger });
 * const server = await startServer({ hostService: engine.host, port: 0 });
 * await engine.start();
 */
export function startWorkerHost(options: WorkerHostOptions): Promise<WorkerEngineHost> {
  const { logger, secrets, signal } = options;
  if (signal?.aborted) return Promise.reject(new PerpscopeError(ErrorCode.Internal, 'The engine thread was not started: Perpscope is shutting down'));
  const entry = workerEntry(options.entry);
  const workerData: EngineWorkerData = {
    home: options.home,
    sim: options.sim,
    command: options.command,
    alerts: options.alerts,
    notificationsSupported: options.notifications ? options.notifications.isSupported() : null,
    ...(options.configFile !== undefined ? { configFile: options.configFile } : {}),
    ...(options.simDialect !== undefined ? { simDialect: options.simDialect } : {}),
    ...(options.sqliteBinding !== undefined ? { sqliteBinding: options.sqliteBinding } : {}),
  };
  const worker = new Worker(entry.script, { workerData, eval: entry.eval, ...(options.env ? { env: options.env } : {}) });

  let seq = 0;
  const calls = new Map<number, (result: Result<unknown>) => void>();
  const lifecycle = new Map<number, { op: 'start' | 'stop'; resolve(): void; reject(e: Error): void }>();
  const listeners = new Set<(event: HostEvent) => void>();
  const childLoggers = new Map<string, Logger>();
  /** Set once the thread is gone; every later call answers with it. */
  let down: RpcError | null = null;
  let stopping = false;

  const send = (message: ToWorker) => worker.postMessage(message);

  const rankings = createRankingMirror();
  const health = createHealthMirror(options.healthFreshMs ?? HEALTH_FRESH_MS);
  const emit = (event: HostEvent) => {
    rankings.onEvent(event);
    for (const fn of [...listeners]) {
      try {
        fn(event);
      } catch (e) {
        logger.error({ event: event.event, error: toRpcError(e).message }, 'host event listener failed');
      }
    }
  };

  const loggerFor = (bindings: Record<string, unknown>): Logger => {
    const keys = Object.keys(bindings);
    if (keys.length === 0) return logger;
    const key = JSON.stringify(bindings);
    let child = childLoggers.get(key);
    if (!child) {
      child = logger.child(bindings);
      childLoggers.set(key, child);
    }
    return child;
  };

  const answerSecret = (id: number, op: SecretOp, args: unknown[]) => {
    const run = secrets[op] as (...a: unknown[]) => Promise<unknown>;
    Promise.resolve()
      .then(() => run.apply(secrets, args))
      .then(
        (value) => {
          if (!down) send({ type: 'secret-reply', id, ok: true, value });
        },
        (e: unknown) => {
          if (!down) send({ type: 'secret-reply', id, ok: false, error: toRpcError(e) });
        },
      )
      .catch((e: unknown) => logger.error({ op, error: toRpcError(e).message }, 'keychain reply could not be sent to the engine thread'));
  };

  const notify = (m: Extract<FromWorker, { type: 'notify' }>) => {
    const N = options.notifications;
    if (!N) return;
    try {
      new N({ title: m.title, body: m.body, ...(m.urgency ? { urgency: m.urgency } : {}) }).show();
    } catch (e) {
      logger.warn({ error: toRpcError(e).message }, 'OS notification failed');
    }
  };

  return new Promise<WorkerEngineHost>((resolveReady, rejectReady) => {
    let ready = false;
    // A shutdown during the build ends the thread like a crash: no engine is running yet, and the
    // stores it may have opened are SQLite files, whose journal keeps them whole.
    const abortBuild = () => {
      if (ready || down) return;
      stopping = true;
      worker.terminate().catch(() => undefined);
    };
    signal?.addEventListener('abort', abortBuild, { once: true });

    /** The thread is gone: answer everything in flight, say so once, and refuse what follows. */
    const goDown = (reason: string) => {
      signal?.removeEventListener('abort', abortBuild);
      if (down) return;
      down = { code: ErrorCode.Internal, message: `The engine thread stopped: ${reason}. Restart Perpscope to reconnect to the market.`, details: { reason } };
      for (const answer of calls.values()) answer({ ok: false, error: down });
      calls.clear();
      // A start cut short by a stop the caller asked for is no failure: it settles quietly.
      for (const waiter of lifecycle.values()) {
        if (stopping && waiter.op === 'start') waiter.resolve();
        else waiter.reject(fromRpcError(down));
      }
      lifecycle.clear();
      if (!ready) {
        rejectReady(fromRpcError(down));
        return;
      }
      if (stopping) return;
      logger.error({ reason }, 'engine thread stopped');
      emit({ event: 'alert', data: { id: `engine-thread-${Date.now()}`, level: 'error', kind: 'engineThread', message: down.message, symbol: null, atMs: Date.now() } });
    };

    worker.on('message', (message: FromWorker) => {
      switch (message.type) {
        case 'ready':
          ready = true;
          signal?.removeEventListener('abort', abortBuild);
          resolveReady(handle);
          return;
        case 'failed':
          // Nothing was built, so nothing is left to answer; the thread's exit then finds `down` set.
          down = message.error;
          rejectReady(fromRpcError(message.error));
          worker.terminate().catch(() => undefined);
          return;
        case 'result': {
          const answer = calls.get(message.id);
          calls.delete(message.id);
          answer?.(message.result);
          return;
        }
        case 'lifecycle-done': {
          const waiter = lifecycle.get(message.id);
          lifecycle.delete(message.id);
          if (message.error && !(stopping && waiter?.op === 'start')) waiter?.reject(fromRpcError(message.error));
          else waiter?.resolve();
          return;
        }
        case 'event':
          emit(message.event);
          return;
        case 'health':
          health.onPush(message.result, message.atMs);
          return;
        case 'log':
          loggerFor(message.bindings)[message.level](message.fields, message.msg);
          return;
        case 'secret':
          answerSecret(message.id, message.op, message.args);
          return;
        case 'notify':
          notify(message);
          return;
      }
    });
    worker.on('error', (e) => goDown(`uncaught ${e.name}: ${e.message}`));
    // An unreadable message may have been a reply: its caller would wait forever, so the thread is
    // treated as broken and everything in flight is answered.
    worker.on('messageerror', (e) => {
      logger.error({ error: e.message }, 'engine thread message could not be read');
      goDown(`a message from it could not be read (${e.message})`);
      worker.terminate().catch(() => undefined);
    });
    worker.on('exit', (code) => goDown(stopping ? 'Perpscope is shutting down' : `the thread exited with code ${code}`));

    const lifecycleCall = (op: 'start' | 'stop') =>
      new Promise<void>((resolve, reject) => {
        if (down) {
          reject(fromRpcError(down));
          return;
        }
        const id = ++seq;
        lifecycle.set(id, { op, resolve, reject });
        send({ type: 'lifecycle', id, op });
      });

    async function handleCall(method: unknown, params: unknown): Promise<Result<unknown>> {
      if (down) return { ok: false, error: down };
      const local = rankings.answer(method, params) ?? health.answer(method, params);
      if (local) return local;
      const id = ++seq;
      const settled = rankings.forwarding(method);
      return new Promise<Result<unknown>>((resolve) => {
        calls.set(id, (result) => {
          settled();
          resolve(result);
        });
        try {
          send({ type: 'call', id, method, params });
        } catch (e) {
          // Only in-process callers can pass what structured clone refuses (a function, a symbol).
          calls.delete(id);
          settled();
          resolve(err(ErrorCode.InvalidInput, `Params of ${typeof method === 'string' ? method : 'the call'} cannot be sent to the engine: ${toRpcError(e).message}`));
        }
      });
    }

    const host: Host = {
      handle: handleCall,
      call: ((method: MethodName, params?: unknown) => handleCall(method, params)) as Host['call'],
      onEvent(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      close() {
        listeners.clear();
      },
    };

    const handle: WorkerEngineHost = {
      host,
      worker,
      // Resolves, without starting anything, when `stop` is called before the start completes.
      start: () => lifecycleCall('start'),
      async stop() {
        if (down) return;
        stopping = true;
        health.stop();
        try {
          await lifecycleCall('stop');
        } finally {
          listeners.clear();
          // The engine has closed its store and sockets; nothing in the thread is worth waiting for.
          await worker.terminate();
        }
      },
    };
  });
}
