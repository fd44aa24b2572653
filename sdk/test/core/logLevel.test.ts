import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileLogger, logFilePath } from '../../src/core/fileLogger.js';
import { withLogLevel, type LogLevel } from '../../src/core/logLevel.js';
import type { Logger } from '../../src/core/logger.js';

function recording(): { logger: Logger; records: string[] } {
  const records: string[] = [];
  const make = (prefix: string): Logger => ({
    debug: (_f, m) => records.push(`${prefix}debug:${m}`),
    info: (_f, m) => records.push(`${prefix}info:${m}`),
    warn: (_f, m) => records.push(`${prefix}warn:${m}`),
    error: (_f, m) => records.push(`${prefix}error:${m}`),
    child: (b) => make(`${prefix}${Object.values(b).join('.')}/`),
  });
  return { logger: make(''), records };
}

const everyLevel = (l: Logger) => {
  l.debug({}, 'd');
  l.info({}, 'i');
  l.warn({}, 'w');
  l.error({}, 'e');
};

describe('logLevel', () => {
  it.each<[LogLevel, string[]]>([
    ['trace', ['debug:d', 'info:i', 'warn:w', 'error:e']],
    ['debug', ['debug:d', 'info:i', 'warn:w', 'error:e']],
    ['info', ['info:i', 'warn:w', 'error:e']],
    ['warn', ['warn:w', 'error:e']],
    ['error', ['error:e']],
    ['silent', []],
  ])('%s passes %j', (level, expected) => {
    const { logger, records } = recording();
    everyLevel(withLogLevel(logger, level));
    expect(records).toEqual(expected);
  });

  it('children keep the level and their bindings', () => {
    const { logger, records } = recording();
    everyLevel(withLogLevel(logger, 'warn').child({ component: 'bridge' }));
    expect(records).toEqual(['bridge/warn:w', 'bridge/error:e']);
  });

  it('the file logger writes JSON lines at its level into <home>/logs, creating the folder', () => {
    const home = mkdtempSync(join(tmpdir(), 'perpscope-log-'));
    try {
      const file = logFilePath(home);
      const { logger, flush } = createFileLogger(file, 'warn');
      everyLevel(logger.child({ component: 'test' }));
      flush();
      const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { level: number; msg: string; component: string; pid: number });
      expect(lines.map((l) => [l.level, l.msg, l.component])).toEqual([
        [40, 'w', 'test'],
        [50, 'e', 'test'],
      ]);
      expect(lines[0]!.pid).toBe(process.pid);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
