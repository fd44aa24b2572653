import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileLogger, logFilePath } from '../../src/core/fileLogger.js';

const homes: string[] = [];
afterEach(() => {
  for (const h of homes.splice(0)) rmSync(h, { recursive: true, force: true });
});

/** Logs through a real file logger, then returns the file's raw text and its parsed lines. */
function logToFile(write: (logger: ReturnType<typeof createFileLogger>['logger']) => void): { text: string; lines: Record<string, unknown>[] } {
  const home = mkdtempSync(join(tmpdir(), 'perpscope-redact-'));
  homes.push(home);
  const file = logFilePath(home);
  const { logger, flush } = createFileLogger(file, 'info');
  write(logger);
  flush();
  const text = readFileSync(file, 'utf8');
  return { text, lines: text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('file logger redaction', () => {
  it('never writes a secret field, at any nesting the paths cover, while keeping the other fields', () => {
    const { text, lines } = logToFile((logger) => {
      logger.info(
        {
          apiKey: 'SECRET-top-apikey',
          exchange: 'blofin',
          key: { label: 'main', secret: 'SECRET-nested-secret', passphrase: 'SECRET-nested-pass' },
          req: { headers: { authorization: 'Bearer SECRET-bearer', 'user-agent': 'curl' } },
          a: { b: { c: { password: 'SECRET-deep-password', token: 'SECRET-deep-token' } } },
          server: { token: 'SECRET-server-token', port: 7420 },
          accounts: [{ apiKey: 'SECRET-in-array' }],
        },
        'keys loaded',
      );
    });
    for (const secret of ['SECRET-top-apikey', 'SECRET-nested-secret', 'SECRET-nested-pass', 'SECRET-bearer', 'SECRET-deep-password', 'SECRET-deep-token', 'SECRET-server-token', 'SECRET-in-array']) {
      expect(text, `${secret} must not reach the file`).not.toContain(secret);
    }
    const line = lines[0]!;
    expect(line.apiKey, 'the field stays, censored').toBe('[redacted]');
    expect(line.exchange, 'non-secret fields are kept').toBe('blofin');
    expect(line.key, 'siblings of a secret are kept').toEqual({ label: 'main', secret: '[redacted]', passphrase: '[redacted]' });
    expect(line.req, 'the authorization header is censored').toEqual({ headers: { authorization: '[redacted]', 'user-agent': 'curl' } });
    expect(line.server, 'a token nested one level down').toEqual({ token: '[redacted]', port: 7420 });
    expect(line.msg).toBe('keys loaded');
  });

  it('censors secrets bound to a child logger', () => {
    const { text, lines } = logToFile((logger) => logger.child({ component: 'serve', token: 'SECRET-child-token' }).warn({ cookie: 'SECRET-cookie' }, 'request refused'));
    expect(text, 'the child binding').not.toContain('SECRET-child-token');
    expect(text, 'the cookie').not.toContain('SECRET-cookie');
    expect(lines[0], 'the line is otherwise whole').toMatchObject({ component: 'serve', token: '[redacted]', cookie: '[redacted]', msg: 'request refused' });
  });
});
