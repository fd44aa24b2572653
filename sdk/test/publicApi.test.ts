import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as sdk from '../src/index.js';
import * as indicators from '../src/indicators/index.js';

describe('public API', () => {
  it('pins the export list, so any change to it is deliberate', () => {
    expect(Object.keys(sdk).sort()).toMatchSnapshot();
    expect(Object.keys(indicators).sort()).toMatchSnapshot();
  });

  const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
  it.skipIf(!existsSync(dist))('starts nothing at import time: no timers, sockets or servers stay behind', () => {
    const script = `await import(${JSON.stringify(dist)}); await new Promise((r) => setImmediate(r)); console.log(JSON.stringify(process.getActiveResourcesInfo()));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const resources = JSON.parse(r.stdout.trim().split('\n').pop()!) as string[];
    const allowed = new Set(['TTYWrap', 'PipeWrap', 'FSReqCallback']);
    expect(resources.filter((x) => !allowed.has(x)), 'resources left by importing the sdk').toEqual([]);
  });
});
