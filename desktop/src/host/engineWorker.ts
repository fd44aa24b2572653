/**
 * The engine thread: builds the engine, its alerts and the host (startEngineHost) and answers the
 * main thread's `Host` (workerHost.ts) by message. The keychain and OS notifications stay in the
 * main thread and are reached the same way; log records are sent there to the shell's logger.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PerpscopeError, useNativeSqliteBinding, type Logger } from '@perpscope/sdk';
import { ErrorCode, type HealthView, type Result, type RpcError } from '@perpscope/shared';
import type { NotificationClass } from './alertsAdapter.js';
import { startEngineHost, type EngineHost } from './engineHost.js';
import type { HostSecret, HostSecretStore } from './ports.js';
import { toRpcError } from './rpcErrors.js';
import { loadEngineFactory } from './runtime.js';
import type { EngineWorkerData, FromWorker, LogLevel, SecretOp, ToWorker } from './workerHost.js';

if (!parentPort) throw new Error('engineWorker.ts runs only as a worker thread (see startWorkerHost)');
const port = parentPort;
const data = workerData as EngineWorkerData;

/** Posts to the main thread; a value structured clone refuses is sent as its JSON form instead. */
function post(message: FromWorker): void {
  try {
    port.postMessage(message);
  } catch (e) {
    if (message.type === 'log') port.postMessage({ ...message, fields: jsonSafe(message.fields) });
    else if (message.type === 'result') port.postMessage({ ...message, result: { ok: false, error: { code: ErrorCode.Internal, message: `The reply could not be sent: ${toRpcError(e).message}` } } });
    else throw e;
  }
}

function jsonSafe(fields: Record<string, unknown>): Record<string, unknown> {
  try {
    return JSON.parse(JSON.stringify(fields)) as Record<string, unknown>;
  } catch {
    return { unserializable: String(fields) };
  }
}

function forwardingLogger(bindings: Record<string, unknown>): Logger {
  const at = (level: LogLevel) => (fields: Record<string, unknown>, msg: string) => post({ type: 'log', level, bindings, fields, msg });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (more) => forwardingLogger({ ...bindings, ...more }) };
}

let seq = 0;
const secretReplies = new Map<number, { resolve(value: unknown): void; reject(e: Error): void }>();

function askSecret<T>(op: SecretOp, args: unknown[]): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const id = ++seq;
    secretReplies.set(id, { resolve: resolve as (value: unknown) => void, reject });
    post({ type: 'secret', id, op, args });
  });
}

const secrets: HostSecretStore = {
  set: (ref, secret) => askSecret<void>('set', [ref, secret]),
  get: (ref) => askSecret<HostSecret | null>('get', [ref]),
  delete: (ref) => askSecret<boolean>('delete', [ref]),
  list: (exchange) => askSecret<{ exchange: string; label: string }[]>('list', exchange === undefined ? [] : [exchange]),
};

/** OS notifications shown by the main thread, the only one that can reach the desktop shell. */
function notificationsProxy(supported: boolean): NotificationClass {
  return class {
    constructor(private readonly options: { title: string; body: string; urgency?: 'normal' | 'critical' | 'low' }) {}
    show(): void {
      post({ type: 'notify', ...this.options });
    }
    static isSupported(): boolean {
      return supported;
    }
  };
}

/** Answers a keychain reply from the main thread to the request `askSecret` is waiting on. */
function settleSecret(message: Extract<ToWorker, { type: 'secret-reply' }>): void {
  const waiter = secretReplies.get(message.id);
  secretReplies.delete(message.id);
  if (message.ok) waiter?.resolve(message.value);
  else waiter?.reject(new PerpscopeError(message.error.code, message.error.message, message.error.details ? { details: message.error.details } : {}));
}

/** How often the health view is pushed to the main thread (well inside its HEALTH_FRESH_MS). */
const HEALTH_PUSH_MS = 250;

const NOT_BUILT: RpcError = { code: ErrorCode.Internal, message: 'The engine is still being built; nothing can run on it yet' };

async function main(): Promise<void> {
  // Module state is per thread: the Electron app's own-ABI addon must be set here as in its main.
  if (data.sqliteBinding !== undefined) useNativeSqliteBinding(data.sqliteBinding);
  const logger = forwardingLogger({});
  /** Null while the engine is being built. */
  let engine: EngineHost | null = null;
  /** The health pushes, set once the engine is built; cleared when it is told to stop. */
  let healthTimer: ReturnType<typeof setInterval> | null = null;
  let stopping = false;

  // Listening starts before the engine is built: building it already reads the keychain (an
  // enabled alert sink's secret), whose reply must find this handler or the build waits forever.
  port.on('message', (message: ToWorker) => {
    switch (message.type) {
      case 'call':
        if (!engine) {
          post({ type: 'result', id: message.id, result: { ok: false, error: NOT_BUILT } });
          return;
        }
        engine.host.handle(message.method, message.params).then(
          (result: Result<unknown>) => post({ type: 'result', id: message.id, result }),
          // `handle` never rejects; this only keeps a broken reply from leaving the caller waiting.
          (e: unknown) => post({ type: 'result', id: message.id, result: { ok: false, error: toRpcError(e) } }),
        );
        return;
      case 'lifecycle':
        if (!engine) {
          post({ type: 'lifecycle-done', id: message.id, error: NOT_BUILT });
          return;
        }
        if (message.op === 'stop') {
          // A stopping engine's view is no longer pushed: the main thread stops answering from it too.
          stopping = true;
          if (healthTimer) clearInterval(healthTimer);
          healthTimer = null;
        }
        (message.op === 'start' ? engine.start() : engine.stop()).then(
          () => post({ type: 'lifecycle-done', id: message.id, error: null }),
          (e: unknown) => post({ type: 'lifecycle-done', id: message.id, error: toRpcError(e) }),
        );
        return;
      case 'secret-reply':
        settleSecret(message);
        return;
    }
  });

  let built: EngineHost;
  try {
    built = await startEngineHost(await loadEngineFactory(data.command), {
      home: data.home,
      sim: data.sim,
      alerts: data.alerts,
      secrets,
      logger,
      ...(data.configFile !== undefined ? { configFile: data.configFile } : {}),
      ...(data.simDialect !== undefined ? { simDialect: data.simDialect } : {}),
      ...(data.notificationsSupported !== null ? { notifications: notificationsProxy(data.notificationsSupported) } : {}),
    });
  } catch (e) {
    post({ type: 'failed', error: toRpcError(e) });
    port.close();
    return;
  }
  engine = built;
  built.host.onEvent((event) => post({ type: 'event', event }));
  // The main thread answers `health.get` from these pushes while they keep coming; a timer that
  // fires late (a busy thread) lets the view there age, and the main thread then asks here.
  const pushHealth = () => {
    built.host.handle('health.get', {}).then(
      (result) => {
        if (!stopping) post({ type: 'health', result: result as Result<HealthView>, atMs: Date.now() });
      },
      () => undefined,
    );
  };
  healthTimer = setInterval(pushHealth, HEALTH_PUSH_MS);
  healthTimer.unref();
  pushHealth();
  post({ type: 'ready' });
}

await main();
