import {
  ErrorCode,
  METHOD_NAMES,
  RPC_METHODS,
  err,
  isMethodName,
  unsafeParamsError,
  type MethodArgs,
  type MethodName,
  type MethodOutput,
  type Result,
} from '@perpscope/shared';
import type { Logger } from '@perpscope/sdk';
import { createHandlers, type Handlers } from './handlers.js';
import type { HostEngine, HostEvent, HostSecretStore, HostStore } from './ports.js';
import { fieldIssues, invalidParams, toRpcError } from './rpcErrors.js';

export interface HostOptions {
  engine: HostEngine;
  /** The OS keychain SecretStore; the only place keys are read from. */
  secrets: HostSecretStore;
  store?: HostStore;
  /** Failed commands are logged with method and code only; params are never logged. */
  logger?: Logger;
}

/** The app service both shells (Electron IPC and the server-mode WebSocket) talk to. */
export interface Host {
  /**
   * Runs one command from an untrusted peer: validates `params` with the contract's zod schema
   * and never throws. Unknown methods and bad params reply INVALID_INPUT.
   */
  handle(method: unknown, params: unknown): Promise<Result<unknown>>;
  /** Typed form of `handle` for in-process callers. */
  call<M extends MethodName>(method: M, ...args: MethodArgs<M>): Promise<Result<MethodOutput<M>>>;
  /** Receives every engine event (already contract views); returns an unsubscribe function. */
  onEvent(listener: (event: HostEvent) => void): () => void;
  /** Detaches from the engine's events. Does not stop the engine, which the caller owns. */
  close(): void;
}

/**
 * Creates the host over injected ports. It imports no electron, so it runs in the Electron main
 * process, in `perpscope serve`, and in tests alike.
 *
 * @example
 * const host = createHost({ engine: adaptEngine(engine), secrets: createKeytarSecretStore(), store });
 * const res = await host.handle('rankings.query', { limit: 20 });
 */
export function createHost(options: HostOptions): Host {
  const handlers: Handlers & { dispose(): void } = createHandlers({ engine: options.engine, secrets: options.secrets, store: options.store ?? {} });
  const logger = options.logger;
  const listeners = new Set<(event: HostEvent) => void>();

  const unsubscribe = options.engine.events.subscribe((event) => {
    for (const fn of [...listeners]) {
      try {
        fn(event);
      } catch (e) {
        logger?.error({ event: event.event, error: toRpcError(e).message }, 'host event listener failed');
      }
    }
  });

  async function handle(method: unknown, params: unknown): Promise<Result<unknown>> {
    if (!isMethodName(method)) {
      const shown = typeof method === 'string' ? JSON.stringify(method.slice(0, 64)) : typeof method;
      return err(ErrorCode.InvalidInput, `Unknown method ${shown}; expected one of ${METHOD_NAMES.join(', ')}`, { method: shown });
    }
    let result: Result<unknown>;
    try {
      // Checked before zod: its record parser would assign a `__proto__` key, not reject it.
      const unsafe = unsafeParamsError(method, params);
      if (unsafe) return { ok: false, error: unsafe };
      const parsed = RPC_METHODS[method].input.safeParse(params ?? {}, { reportInput: true });
      if (!parsed.success) return { ok: false, error: invalidParams(method, fieldIssues(parsed.error.issues)) };
      const run = handlers[method] as (p: unknown) => Promise<Result<unknown>>;
      result = await run(parsed.data);
    } catch (e) {
      result = { ok: false, error: toRpcError(e) };
    }
    if (!result.ok) logger?.warn({ method, code: result.error.code }, 'command failed');
    return result;
  }

  return {
    handle,
    call: ((method: MethodName, params?: unknown) => handle(method, params)) as Host['call'],
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      unsubscribe();
      handlers.dispose();
      listeners.clear();
    },
  };
}
