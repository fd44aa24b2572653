import { describe, expect, it } from 'vitest';
import { runServe } from '../../src/cli/serve.js';
import type { EngineFactory } from '../../src/host/runtime.js';
import type { HostSecretStore } from '../../src/host/ports.js';
import { bareEngine } from '../support/fakes.js';

const noSecrets: HostSecretStore = {
  set: () => Promise.reject(new Error('unused')),
  get: () => Promise.resolve(null),
  delete: () => Promise.resolve(false),
  list: () => Promise.resolve([]),
};

describe('runServe', () => {
  it('prints the URL with its token first, on a free port, then starts and later stops the engine', async () => {
    const lifecycle: string[] = [];
    const lines: string[] = [];
    const createEngine: EngineFactory = (opts) => {
      lifecycle.push(`create home=${opts.home} sim=${opts.sim}`);
      return Promise.resolve({
        engine: bareEngine(),
        start: () => {
          lifecycle.push(`start after ${lines.length} line(s)`);
          return Promise.resolve();
        },
        stop: () => {
          lifecycle.push('stop');
          return Promise.resolve();
        },
      });
    };
    const handle = await runServe({ port: 0, host: '127.0.0.1', sim: true, home: '/tmp/ps-home' }, { createEngine, secrets: noSecrets, out: (l) => lines.push(l) });
    expect(lines[0], 'first line').toMatch(/^open http:\/\/127\.0\.0\.1:(\d+)\/\?token=[A-Za-z0-9_-]{43}$/);
    const port = Number(/:(\d+)\//.exec(lines[0] ?? '')?.[1]);
    expect(port, 'a real port was picked').toBeGreaterThan(0);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status, 'token required').toBe(401);
    await handle.stop();
    expect(lifecycle).toEqual(['create home=/tmp/ps-home sim=true', 'start after 1 line(s)', 'stop']);
  });

  it('uses a token from config when given', async () => {
    const createEngine: EngineFactory = () => Promise.resolve({ engine: bareEngine(), start: () => Promise.resolve(), stop: () => Promise.resolve() });
    const lines: string[] = [];
    const handle = await runServe({ port: 0, host: '127.0.0.1', sim: false, home: '/tmp/x', token: 'from-config' }, { createEngine, secrets: noSecrets, out: (l) => lines.push(l) });
    expect(lines[0]).toMatch(/\?token=from-config$/);
    await handle.stop();
  });
});
