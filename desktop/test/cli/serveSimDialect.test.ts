import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '@perpscope/sdk/cli';
import { HealthViewSchema, RPC_METHODS } from '@perpscope/shared';
import { createServeCommand } from '../../src/cli/serveCommand.js';
import { SIM_START_MS, until } from '../../../test/support/sim.js';
import { memorySecrets } from '../support/fakes.js';

/** A small pinned sim, so the served market is the same on every run. */
const CONFIG = { sim: { symbols: 6, seed: 5, acceleration: 60, rateLimitScale: 20, startTimeMs: SIM_START_MS }, timeframes: ['1m'], backfillBars: 60, universe: { minQuoteVolumeUsd: 0 } };

/** `perpscope serve ...args` on `home` through the real CLI (engine in its worker thread), until `interrupt`. */
function serve(home: string, args: readonly string[]) {
  let interrupt!: () => void;
  const lines: string[] = [];
  const errors: string[] = [];
  const io = { out: (l: string) => lines.push(l), err: (l: string) => errors.push(l), isTTY: false, env: {}, interrupted: new Promise<void>((resolve) => (interrupt = resolve)) };
  const command = createServeCommand({ secretStore: () => Promise.resolve(memorySecrets()) });
  const exit = runCli(['--home', home, 'serve', '--port', '0', ...args], io, [command]);
  return { exit, lines, errors, interrupt: () => interrupt() };
}

describe('perpscope serve --sim --exchange', () => {
  const homes: string[] = [];
  const newHome = () => {
    const home = mkdtempSync(join(tmpdir(), 'perpscope-serve-dialect-'));
    writeFileSync(join(home, 'config.json'), JSON.stringify(CONFIG));
    homes.push(home);
    return home;
  };
  afterAll(() => {
    for (const home of homes) rmSync(home, { recursive: true, force: true });
  });

  it('serves a sim speaking Bybit: health names bybit and every ranked row is a bybit row', async () => {
    const run = serve(newHome(), ['--sim', '--exchange', 'bybit']);
    try {
      const open = await until('the URL line', () => run.lines[0] ?? null);
      const url = new URL(open.replace(/^open /, ''));
      const get = (path: string) => fetch(`${url.origin}${path}`, { headers: { authorization: `Bearer ${url.searchParams.get('token') ?? ''}` } });
      const health = await until('the running engine', async () => {
        const res = await get('/api/health');
        const view = res.ok ? HealthViewSchema.parse(await res.json()) : null;
        return view?.engine === 'running' && view.exchanges.length > 0 ? view : null;
      }, 120_000);
      expect(health.exchanges.map((e) => e.exchange)).toEqual(['bybit']);
      const rows = await until('a ranking', async () => {
        const res = await get('/api/rankings?limit=50');
        const body = res.ok ? RPC_METHODS['rankings.query'].output.parse(await res.json()) : null;
        return body && body.rows.length > 0 ? body.rows : null;
      }, 120_000);
      expect(new Set(rows.map((r) => r.exchange)), JSON.stringify(rows.map((r) => r.symbol))).toEqual(new Set(['bybit']));
      expect(run.errors).toEqual([]);
    } finally {
      run.interrupt();
    }
    expect(await run.exit).toBe(0);
  }, 180_000); // a cold engine thread loads its modules and warms up the sim's backfill first

  it('refuses an exchange the sim does not speak, naming the value and the ones it does, before serving', async () => {
    const run = serve(newHome(), ['--sim', '--exchange', 'kraken']);
    expect(await run.exit).toBe(2);
    expect(run.lines, 'no URL printed').toEqual([]);
    expect(run.errors.join('\n')).toMatch(/exchange: got "kraken", expected with --sim, an exchange SimExchange speaks: blofin, binanceusdm, bybit or htx/);
  });

  it('refuses --exchange without --sim: a served exchange comes from the config', async () => {
    const run = serve(newHome(), ['--exchange', 'bybit']);
    expect(await run.exit).toBe(2);
    expect(run.lines, 'no URL printed').toEqual([]);
    expect(run.errors.join('\n')).toMatch(/--exchange: got "bybit", expected --sim as well/);
  });
});
