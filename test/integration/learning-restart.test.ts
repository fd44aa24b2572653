import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseFileIn } from '../../sdk/src/store/index.js';
import { readLearningTables, type LearningTables } from '../../sdk/test/cli/learningTables.js';
import { requireFreshDist } from '../support/distFreshness.js';
import { SIM_START_MS, until } from '../support/sim.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(repoRoot, 'desktop/dist/cli/main.js');

/** A small pinned sim on 1m bars; a 3-bar label horizon lets labels mature within seconds. */
const SIM_ENV = {
  PERPSCOPE_SIM__SYMBOLS: '12',
  PERPSCOPE_SIM__SEED: '7',
  PERPSCOPE_TIMEFRAMES: '1m',
  PERPSCOPE_SIM__ACCELERATION: '60',
  PERPSCOPE_SIM__RATE_LIMIT_SCALE: '20',
  PERPSCOPE_BACKFILL_BARS: '120',
  PERPSCOPE_UNIVERSE__MIN_QUOTE_VOLUME_USD: '0',
  PERPSCOPE_SIGNALS__LABELER__HORIZON_BARS: '3',
};

interface EventLine {
  type: string;
  kind?: string;
  details?: Record<string, unknown>;
}

interface Run {
  child: ChildProcess;
  events: EventLine[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcess[] = [];

/** `perpscope run --paper --sim --json` from the build, as a real process on `home`. */
function run(home: string, simStartMs: number): Run {
  const child = spawn(process.execPath, [cli, 'run', '--paper', '--sim', '--json'], {
    cwd: repoRoot,
    env: { ...process.env, ...SIM_ENV, PERPSCOPE_HOME: home, PERPSCOPE_SIM__START_TIME_MS: String(simStartMs) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const events: EventLine[] = [];
  let err = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (err += c));
  createInterface({ input: child.stdout! }).on('line', (line) => events.push(JSON.parse(line) as EventLine));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, events, stderr: () => err, exited };
}

function restoredEvent(r: Run, what: string): Promise<EventLine> {
  return until(what, () => {
    if (r.child.exitCode !== null) throw new Error(`perpscope run exited (${r.child.exitCode}) before restoring: ${r.stderr().slice(-1500)}`);
    return r.events.find((e) => e.kind === 'signal_state_restored') ?? null;
  });
}

function tables(file: string): LearningTables | null {
  return existsSync(file) ? readLearningTables(file) : null;
}

// The code under test: a stale build of it would pass or fail for code that is no longer there.
beforeAll(() =>
  requireFreshDist(['sdk/src/engine', 'sdk/src/store', 'sdk/src/signals/engine.ts', 'sdk/src/signals/labeler.ts', 'sdk/src/signals/selection.ts', 'sdk/src/signals/snapshot.ts', 'sdk/src/cli/commands/run.ts', 'desktop/src/cli']),
);

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

describe('learning survives kill -9 (issue 10, part 4)', () => {
  it('bandit weights and pending labels stored before a SIGKILL are restored on the next start, and the labels mature', async () => {
    const home = mkdtempSync(join(tmpdir(), 'perpscope-learn-restart-'));
    const file = databaseFileIn(home);
    try {
      // 1. A fresh home: nothing to restore. Run until the bandit learned and labels are pending.
      const first = run(home, SIM_START_MS);
      expect((await restoredEvent(first, 'the first start')).details).toMatchObject({ banditUpdates: 0, pendingLabels: 0, skippedRows: 0 });
      await until(
        'bandit updates and pending labels stored',
        () => {
          const t = tables(file);
          return t && (t.bandit?.updates ?? 0) >= 2 && t.labels.some((l) => l.status === 'pending') ? true : null;
        },
        90_000,
      );
      first.child.kill('SIGKILL');
      expect((await first.exited).signal, 'the first run died by SIGKILL').toBe('SIGKILL');

      // 2. What the killed run left: the last committed cycle.
      const before = readLearningTables(file);
      const pendingBefore = before.labels.filter((l) => l.status === 'pending').map((l) => l.id);
      expect(pendingBefore.length, 'labels were pending at the kill').toBeGreaterThan(0);
      const lastCloseMs = before.engine!.lastCloseTimeMs!;
      expect(lastCloseMs, 'the last cycle time was stored').toBeGreaterThan(SIM_START_MS);

      // 3. The restart resumes from it; its sim starts where the killed run's market time stood.
      const second = run(home, lastCloseMs);
      const restored = await restoredEvent(second, 'the restart');
      expect(restored.details, 'the restart restores exactly what was stored').toMatchObject({
        banditUpdates: before.bandit!.updates,
        logWeights: before.bandit!.logWeights,
        pendingLabels: pendingBefore.length,
        lastCloseTimeMs: lastCloseMs,
        skippedRows: 0,
      });

      // 4. The restored labels mature under the restarted run, and feed the restored bandit.
      const after = await until(
        'every label pending at the kill matured',
        () => {
          if (second.child.exitCode !== null) throw new Error(`the restart exited (${second.child.exitCode}): ${second.stderr().slice(-1500)}`);
          const t = tables(file);
          const matured = new Set(t?.labels.filter((l) => l.status === 'matured').map((l) => l.id));
          return t && pendingBefore.every((id) => matured.has(id)) ? t : null;
        },
        90_000,
      );
      expect(after.bandit!.updates, 'the bandit went on from its stored count').toBeGreaterThanOrEqual(before.bandit!.updates + pendingBefore.length);
      second.child.kill('SIGTERM');
      await second.exited;
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
