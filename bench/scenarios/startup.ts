import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, writeResult } from '../lib.js';

// Startup scenario: the CPU a user pays for a command, from process start to exit, for the built
// CLI (`desktop/dist/cli/main.js`, what `perpscope` runs). Each command runs RUNS times in a fresh
// process; the figure is the median of the child's own `process.cpuUsage()` (user + system since
// the process started, read as it exits, so the bootstrap before the hook is included).
//
// References measured in the same run: a bare `node -e 0` (the floor no command can beat) and
// importing the sdk's root barrel (what `--help` paid when the CLI imported it). Targets
// (issue "Scale and startup"): --help <= 0.4 s CPU, scan --sim --json --top 20 <= 4 s CPU.
// Asserted (exit 1 otherwise): each command exits 0; --help lists every top-level command; the
// scan prints 20 ranked JSON rows with ranks 1..20 in order. `serve --sim` to the first ranking
// frame in a browser is not measured here.

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
const cli = join(repoRoot, 'desktop/dist/cli/main.js');
const RUNS = Number(process.env.STARTUP_RUNS ?? 5);
const COMMANDS = ['sim', 'scan', 'run', 'backtest', 'calibrate', 'panic', 'data', 'events', 'keys', 'alerts', 'serve', 'mcp'];

const cpuOnExit = `data:text/javascript,${encodeURIComponent("process.on('exit', () => { const u = process.cpuUsage(); process._rawDebug('cpu-us ' + (u.user + u.system)); });")}`;

interface Sample {
  cpuMs: number;
  stdout: string;
}

function measure(args: string[], cwd = repoRoot): Sample {
  const r = spawnSync(process.execPath, ['--import', cpuOnExit, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } });
  const line = r.stderr.split('\n').find((l) => l.startsWith('cpu-us '));
  if (r.status !== 0 || !line) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-800)}`);
  return { cpuMs: Number(line.slice('cpu-us '.length)) / 1000, stdout: r.stdout };
}

function medianOf(args: string[], cwd?: string): { cpuMs: number; last: Sample } {
  const samples = Array.from({ length: RUNS }, () => measure(args, cwd));
  return { cpuMs: median(samples.map((s) => s.cpuMs)), last: samples[samples.length - 1]! };
}

if (!existsSync(cli)) {
  console.error(`startup: ${cli} is missing; run pnpm build first`);
  process.exit(1);
}

const bare = medianOf(['-e', '0']);
const barrel = medianOf(['--input-type=module', '-e', "await import('@perpscope/sdk')"], join(repoRoot, 'desktop'));
const help = medianOf([cli, '--help']);
const missing = COMMANDS.filter((c) => !new RegExp(`^\\s+${c}\\b`, 'm').test(help.last.stdout));
if (missing.length) throw new Error(`--help does not list: ${missing.join(', ')}`);
const scanArgs = [cli, 'scan', '--sim', '--json', '--top', '20', '--seed', '7', '--start', '2025-01-15T14:00:00Z'];
const scan = medianOf(scanArgs);
const rows = scan.last.stdout.trim().split('\n').map((l) => JSON.parse(l) as { rank?: unknown });
const ranks = rows.map((r) => r.rank);
if (rows.length !== 20 || ranks.some((r, i) => r !== i + 1)) throw new Error(`scan printed ${rows.length} rows with ranks ${JSON.stringify(ranks)}; expected 20 ranked 1..20`);

const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
console.log('| command | CPU (median of ' + RUNS + ') | target |');
console.log('|---|---|---|');
console.log(`| node -e 0 (floor) | ${fmt(bare.cpuMs)} | |`);
console.log(`| import('@perpscope/sdk') (the barrel) | ${fmt(barrel.cpuMs)} | |`);
console.log(`| perpscope --help | ${fmt(help.cpuMs)} | <= 0.40 s |`);
console.log(`| perpscope scan --sim --json --top 20 | ${fmt(scan.cpuMs)} | <= 4.00 s |`);
writeResult(
  'startup',
  { runs: RUNS, cpuMs: { nodeFloor: bare.cpuMs, sdkBarrelImport: barrel.cpuMs, help: help.cpuMs, scanSimTop20: scan.cpuMs }, targetsMs: { help: 400, scanSimTop20: 4000 } },
  `--help ${fmt(help.cpuMs)} CPU (${(help.cpuMs / bare.cpuMs).toFixed(1)}x a bare node, ${(barrel.cpuMs / help.cpuMs).toFixed(1)}x less than importing the sdk barrel; target 0.40 s), scan --sim --json --top 20 ${fmt(scan.cpuMs)} CPU (target 4.00 s)`,
);
