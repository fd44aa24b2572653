import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@perpscope/shared';
import { acquireHomeLock, silentLogger } from '@perpscope/sdk';
import { withHomeLock, type EngineFactory } from '../../src/host/runtime.js';
import { bareEngine } from '../support/fakes.js';

const homes: string[] = [];
afterAll(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});
function newHome(): string {
  const h = mkdtempSync(join(tmpdir(), 'perpscope-hostlock-'));
  homes.push(h);
  return h;
}

const stopped: string[] = [];
const inner: EngineFactory = (o) =>
  Promise.resolve({
    engine: bareEngine(),
    start: () => Promise.resolve(),
    stop: () => {
      stopped.push(o.home);
      return Promise.resolve();
    },
  });

async function failure(p: Promise<unknown>): Promise<{ code?: string; message?: string }> {
  return p.then(
    () => ({}),
    (e: unknown) => e as { code?: string; message?: string },
  );
}

describe('the desktop host holds the home lock for the life of its engine', () => {
  it('refuses a second host on the same home, naming the first, until the first stops', async () => {
    const home = newHome();
    const factory = withHomeLock(inner, 'perpscope serve --sim');
    const first = await factory({ home, sim: true, logger: silentLogger });
    const refused = await failure(withHomeLock(inner, 'perpscope desktop')({ home, sim: true, logger: silentLogger }));
    expect(refused.code, refused.message).toBe(ErrorCode.HomeLocked);
    expect(refused.message).toContain(`pid ${process.pid} (perpscope serve --sim)`);
    await first.stop();
    expect(stopped, 'the inner runtime was stopped').toContain(home);
    const again = await factory({ home, sim: true, logger: silentLogger });
    await again.stop();
  });

  it('a host is refused while a `run` holds the home', async () => {
    const home = newHome();
    const run = acquireHomeLock(home, { command: 'perpscope run --paper --sim' });
    try {
      const refused = await failure(withHomeLock(inner, 'perpscope serve')({ home, sim: false, logger: silentLogger }));
      expect(refused.code).toBe(ErrorCode.HomeLocked);
      expect(refused.message).toContain('(perpscope run --paper --sim)');
    } finally {
      run.release();
    }
  });

  it('gives the home back when building the engine fails', async () => {
    const home = newHome();
    const broken: EngineFactory = () => Promise.reject(new Error('engine failed to build'));
    await expect(withHomeLock(broken, 'perpscope serve')({ home, sim: true, logger: silentLogger })).rejects.toThrow('engine failed to build');
    const lock = acquireHomeLock(home, { command: 'next' });
    lock.release();
  });
});
