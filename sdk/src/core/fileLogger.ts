import { join } from 'node:path';
import { pino } from 'pino';
import type { LogLevel } from './logLevel.js';
import type { Logger } from './logger.js';

/** Where a Perpscope process keeps its log: `<home>/logs/perpscope.log`, JSON lines. */
export function logFilePath(home: string): string {
  return join(home, 'logs', 'perpscope.log');
}

export interface FileLogger {
  logger: Logger;
  /** Writes out anything buffered; the file stays open for the process. */
  flush(): void;
}

/**
 * A pino logger appending JSON lines to `file` at `level` (the config's `logLevel`). Writes are
 * synchronous: the records that matter most are the ones written just before a crash.
 */
export function createFileLogger(file: string, level: LogLevel): FileLogger {
  const destination = pino.destination({ dest: file, mkdir: true, sync: true });
  const logger = pino({ level, base: { pid: process.pid } }, destination);
  return { logger, flush: () => destination.flushSync() };
}
