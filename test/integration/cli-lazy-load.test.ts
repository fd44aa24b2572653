import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requireFreshDist } from '../support/distFreshness.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(repoRoot, 'desktop/dist/cli/main.js');

/**
 * A module hook that prints every module URL the process loads, one per line on stderr, so the
 * test sees what a command really pulled in (ESM has no `require.cache` to read afterwards).
 */
const traceHook = `data:text/javascript,${encodeURIComponent(`
export async function load(url, context, next) {
  process._rawDebug('loaded ' + url);
  return next(url, context);
}`)}`;
const register = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(traceHook)});`)}`;

function loadedBy(args: string[]): { status: number | null; stdout: string; modules: string[] } {
  const r = spawnSync(process.execPath, ['--import', register, cli, ...args], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const modules = r.stderr.split('\n').filter((l) => l.startsWith('loaded ')).map((l) => l.slice('loaded '.length));
  return { status: r.status, stdout: r.stdout, modules };
}

/** What a command that never trades or talks to an exchange must not load. */
const HEAVY = [/\/node_modules\/.*\/ccxt\//, /better-sqlite3/, /keytar/, /fastify/, /@modelcontextprotocol/, /\/sdk\/dist\/index\.js$/, /\/sdk\/dist\/engine\//, /\/desktop\/dist\/host\//];

/**
 * What `--help`, `<command> --help` and `--version` must not load: they print from a generated
 * table (desktop/src/cli/helpText.ts), so no argument parser, no zod schema, no config schema and
 * no sdk module at all.
 */
const NOT_FOR_HELP = [/\/commander\//, /\/zod\//, /\/shared\/dist\//, /\/sdk\/dist\//, /\/desktop\/dist\/cli\/(serveCommand|mcpCommand|serve)\.js$/];

describe('the CLI loads only what a command uses', () => {
  requireFreshDist(['sdk/src/cli', 'desktop/src/cli']);

  for (const args of [['--help'], ['--version'], ['serve', '--help'], ['mcp', '--help'], ['data', 'import', '-h']]) {
    it(`perpscope ${args.join(' ')} loads no exchange client, database, keychain, server or engine`, () => {
      const r = loadedBy(args);
      expect(r.status, r.stdout).toBe(0);
      expect(r.modules.length, 'the hook saw the modules load').toBeGreaterThan(2);
      const heavy = r.modules.filter((m) => HEAVY.some((h) => h.test(m)));
      expect(heavy).toEqual([]);
    });

    it(`perpscope ${args.join(' ')} loads no argument parser, zod schema, config schema or sdk module`, () => {
      const r = loadedBy(args);
      expect(r.status, r.stdout).toBe(0);
      expect(r.modules.some((m) => m.endsWith('/desktop/dist/cli/main.js')), 'the hook sees the CLI itself').toBe(true);
      expect(r.modules.filter((m) => NOT_FOR_HELP.some((h) => h.test(m)))).toEqual([]);
      expect(r.stdout.trim().length, 'it printed').toBeGreaterThan(0);
    });
  }

  it('--version prints the sdk package version', () => {
    const { version } = JSON.parse(readFileSync(join(repoRoot, 'sdk/package.json'), 'utf8')) as { version: string };
    expect(loadedBy(['--version']).stdout).toBe(`${version}\n`);
  });

  it('help the table leaves to commander (sweep names this machine\'s CPUs) still prints, through commander (the trace is not blind)', () => {
    const r = loadedBy(['sweep', '--help']);
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^Usage: perpscope sweep \[options\]/);
    expect(r.stdout).toContain("this machine's CPUs");
    expect(r.modules.some((m) => m.includes('/commander/'))).toBe(true);
    expect(r.modules.filter((m) => HEAVY.some((h) => h.test(m)))).toEqual([]);
  });

  it('scan --sim loads ccxt\'s class for the exchange the sim speaks and no other, without ccxt\'s package root (the trace is not blind)', () => {
    const r = loadedBy(['scan', '--sim', '--symbols', '3', '--seed', '1', '--start', '2025-01-15T14:00:00Z', '--top', '1', '--json', '--timeframes', '15m']);
    expect(r.status, r.stdout).toBe(0);
    expect(r.modules.some((m) => /\/ccxt\//.test(m))).toBe(true);
    // The package root evaluates every exchange ccxt ships; one exchange is its REST and pro modules.
    expect(r.modules.filter((m) => /\/ccxt\/js\/ccxt\.js$/.test(m))).toEqual([]);
    const exchangeModules = r.modules.map((m) => /\/ccxt\/js\/src\/((?:pro\/)?[a-z0-9]+)\.js$/.exec(m)?.[1]).filter((m) => m !== undefined);
    expect(exchangeModules.sort()).toEqual(['blofin', 'pro/blofin']);
  }, 120_000);
});
