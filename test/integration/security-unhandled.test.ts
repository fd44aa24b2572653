import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

describe('an unhandled rejection or uncaught exception fails the test', () => {
  it('fails the test that leaked it, through the repository config', () => {
    const run = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--config', 'test/support/fixtures/vitest.fixture.config.ts'], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' },
      timeout: 110_000,
    });
    const out = `${run.stdout}\n${run.stderr}`;
    expect(run.status, out.slice(-3000)).toBe(1);
    expect(out, 'the rejection is named').toMatch(/unhandled rejection: Error: leaked-rejection-for-test/);
    expect(out, 'the exception is named').toMatch(/uncaught exception: Error: leaked-exception-for-test/);
    expect(out).toMatch(/× \S*unhandled\.fixture\.ts > leaks a rejection/);
    expect(out).toMatch(/× \S*unhandled\.fixture\.ts > throws from a timer/);
    expect(out).toMatch(/✓ \S*unhandled\.fixture\.ts > a clean test still passes/);
  }, 120_000);
});
