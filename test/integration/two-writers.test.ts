import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@perpscope/shared';
import { silentLogger } from '@perpscope/sdk';
import { loadEngineFactory } from '../../desktop/src/host/runtime.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(repoRoot, 'sdk/src/cli/main.ts');

/** A small, fast sim so each process starts in seconds. */
const ENV = {
  PERPSCOPE_TIMEFRAMES: '1m',
  PERPSCOPE_BACKFILL_BARS: '60',
  PERPSCOPE_SIM__SYMBOLS: '5',
  PERPSCOPE_SIM__ACCELERATION: '60',
  PERPSCOPE_SIM__RATE_LIMIT_SCALE: '20',
  PERPSCOPE_UNIVERSE__MIN_QUOTE_VOLUME_USD: '0',
};

interface Cli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the first stdout line, or rejects if the process ends first. */
  firstLine: Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcess[] = [];

/** Runs the `perpscope` CLI (from source) as a real child process. */
function perpscope(home: string, args: string[]): Cli {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, '--home', home, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout?.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    void exited.then(({ code, signal }) => reject(new Error(`perpscope ${args.join(' ')} ended (code ${code}, signal ${signal}) before printing: ${err.slice(-1500)}`)));
  });
  firstLine.catch(() => undefined);
  return { child, stdout: () => out, stderr: () => err, firstLine, exited };
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

describe('one writer per home (issue 19, defect 7)', () => {
  it('refuses a second trading process naming the holder, lets read-only commands run, and takes over from a killed holder', async () => {
    const home = mkdtempSync(join(tmpdir(), 'perpscope-two-writers-'));
    try {
      // 1. The first trader holds the home: its first JSON line says so.
      const first = perpscope(home, ['run', '--paper', '--sim', '--json']);
      expect(JSON.parse(await first.firstLine)).toMatchObject({ type: 'alert', kind: 'home_locked', details: { home, pid: first.child.pid } });
      const firstPid = first.child.pid!;

      // 2. A second `run` on the same home is refused before it starts anything, naming the holder.
      const second = perpscope(home, ['run', '--paper', '--sim', '--json']);
      const refused = await second.exited;
      expect(refused.code, `second run exit code; stderr: ${second.stderr()}`).toBe(1);
      expect(second.stdout(), 'the refused run printed no events').toBe('');
      expect(second.stderr()).toContain(`already trading from ${home}`);
      expect(second.stderr()).toContain(`pid ${firstPid} (perpscope run --paper --sim)`);
      expect(second.stderr()).toMatch(/since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/);

      // 3. The desktop host (what `serve` and the app build) is refused the same way.
      const factory = await loadEngineFactory('perpscope serve --sim');
      const hostError = await factory({ home, sim: true, logger: silentLogger }).then(
        () => null,
        (e: unknown) => e as { code?: string; message?: string },
      );
      expect(hostError?.code, hostError?.message).toBe(ErrorCode.HomeLocked);
      expect(hostError?.message).toContain(`pid ${firstPid}`);

      // 4. A read-only command still works beside the trader.
      const scan = perpscope(home, ['scan', '--sim', '--symbols', '5', '--top', '2', '--json']);
      const scanned = await scan.exited;
      expect(scanned.code, `scan beside a trader; stderr: ${scan.stderr()}`).toBe(0);
      expect(scan.stdout().trim().split('\n').length, 'scan printed its rows').toBe(2);

      // 5. kill -9 the holder: the next trader takes the home over (the OS dropped the lock).
      first.child.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');
      const third = perpscope(home, ['run', '--paper', '--sim', '--json']);
      expect(await third.firstLine).toContain('"kind":"home_locked"');
      const thirdPid = third.child.pid!;
      const fourth = perpscope(home, ['run', '--paper', '--sim', '--json']);
      expect((await fourth.exited).code).toBe(1);
      expect(fourth.stderr(), 'the refusal names the new holder, not the dead one').toContain(`pid ${thirdPid} (perpscope run --paper --sim)`);

      // 6. A clean stop (SIGTERM) releases the home at once.
      third.child.kill('SIGTERM');
      expect((await third.exited).code, third.stderr()).toBe(0);
      const fifth = perpscope(home, ['run', '--paper', '--sim', '--json']);
      expect(await fifth.firstLine).toContain('"kind":"home_locked"');
      fifth.child.kill('SIGTERM');
      expect((await fifth.exited).code, fifth.stderr()).toBe(0);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 240_000);
});
