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

/** Field names whose values never reach a log file, however a caller nests them. */
const REDACTED_LOG_FIELDS = ['apiKey', 'secret', 'password', 'passphrase', 'token', 'privateKey', 'authorization', 'cookie'] as const;

/** What a redacted value reads as in the file. */
const REDACTED = '[redacted]';

/**
 * Paths of the redacted fields at the top level and up to three objects deep (`a.b.c.apiKey`):
 * pino's redaction matches fixed paths, where `*` stands for exactly one key.
 */
function redactPaths(): string[] {
  const paths: string[] = [];
  for (const field of REDACTED_LOG_FIELDS) for (let depth = 0; depth <= 3; depth += 1) paths.push([...Array<string>(depth).fill('*'), field].join('.'));
  return paths;
}

/**
 * A pino logger appending JSON lines to `file` at `level` (the config's `logLevel`). Writes are
 * synchronous: the records that matter most are the ones written just before a crash. Secret
 * fields (`REDACTED_LOG_FIELDS`, in fields and child bindings, nested up to four levels) are
 * written as `[redacted]`; a secret inside a message string is not detected, so messages never
 * carry one.
 */
export function createFileLogger(file: string, level: LogLevel): FileLogger {
  const destination = pino.destination({ dest: file, mkdir: true, sync: true });
  const logger = pino({ level, base: { pid: process.pid }, redact: { paths: redactPaths(), censor: REDACTED } }, destination);
  return { logger, flush: () => destination.flushSync() };
}
