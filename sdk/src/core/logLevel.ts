import type { Logger } from './logger.js';

/** The `logLevel` setting's values, quietest last. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const RANK: Record<LogLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, silent: 5 };

/**
 * `logger` with records below `level` dropped, children included. The Logger port has no trace
 * method, so `trace` passes what `debug` passes.
 */
export function withLogLevel(logger: Logger, level: LogLevel): Logger {
  const min = RANK[level];
  const passes = (at: LogLevel) => RANK[at] >= min;
  const noop = () => {};
  return {
    debug: passes('debug') ? (f, m) => logger.debug(f, m) : noop,
    info: passes('info') ? (f, m) => logger.info(f, m) : noop,
    warn: passes('warn') ? (f, m) => logger.warn(f, m) : noop,
    error: passes('error') ? (f, m) => logger.error(f, m) : noop,
    child: (bindings) => withLogLevel(logger.child(bindings), level),
  };
}
