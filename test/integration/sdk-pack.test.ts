/**
 * The SDK as a product: `@perpscope/shared` and `@perpscope/sdk` are packed as they would be
 * published, installed with npm into an empty project outside the workspace, and the examples in
 * sdk/examples are typechecked there (skipLibCheck off, so the published declarations are checked
 * too) and run, each against SimExchange or its seeded generator. Nothing resolves to the
 * workspace: the project sees only the tarballs and the registry's third-party packages.
 *
 * Needs the packages built (`pnpm build`, as scripts/test.sh does first). npm installs ccxt and
 * builds better-sqlite3 and keytar from source, which takes minutes on a busy machine: the
 * deadlines below only turn a hang into a failure.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const MINUTE = 60_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment of a plain shell: the variables pnpm sets for the command it runs (its user
 * agent, npm_command, ...) and vitest's own (NODE_ENV=test, coverage hooks) are left out, so npm
 * and the examples behave as in a consumer's terminal. Registry or proxy settings are kept.
 */
const RUNNER_VARS = /^(npm_(command|execpath|node_execpath|lifecycle_\w+|package_\w+)|npm_config_(user_agent|verify_deps_before_run)|pnpm_\w+|VITEST\w*|NODE_OPTIONS|NODE_V8_COVERAGE|NODE_ENV|TEST)$/i;
function plainEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!RUNNER_VARS.test(k)) env[k] = v;
  return env;
}

/** Runs a command to its end; a command still running after `deadlineMs` is killed and fails the test. */
function run(command: string, args: readonly string[], cwd: string, deadlineMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: plainEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not end within ${deadlineMs / MINUTE} min\n${stdout}\n${stderr}`));
    }, deadlineMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Like {@link run}, failing with the command's output unless it exits 0. */
async function runOk(command: string, args: readonly string[], cwd: string, deadlineMs: number): Promise<Run> {
  const r = await run(command, args, cwd, deadlineMs);
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  return r;
}

const versionOf = (packageJson: string): string => (JSON.parse(readFileSync(join(repoRoot, packageJson), 'utf8')) as { version: string }).version;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

const UNIFIED = /^[A-Z0-9]+\/USDT:USDT$/;

describe('@perpscope/sdk packed and installed into an empty project', () => {
  let work: string;
  let project: string;
  let installed: string;

  beforeAll(async () => {
    for (const pkg of ['shared', 'sdk']) {
      if (!existsSync(join(repoRoot, pkg, 'dist', 'index.js'))) {
        throw new Error(`${pkg}/dist/index.js is missing: build the packages first (pnpm build), then run this test`);
      }
    }
    work = mkdtempSync(join(tmpdir(), 'perpscope-sdk-pack-'));
    const packs = join(work, 'packs');
    mkdirSync(packs);
    for (const name of ['@perpscope/shared', '@perpscope/sdk']) {
      await runOk('pnpm', ['--filter', name, 'pack', '--pack-destination', packs], repoRoot, 5 * MINUTE);
    }
    const tarballs = readdirSync(packs).filter((f) => f.endsWith('.tgz'));
    expect(tarballs.sort()).toEqual([`perpscope-sdk-${versionOf('sdk/package.json')}.tgz`, `perpscope-shared-${versionOf('shared/package.json')}.tgz`]);

    project = join(work, 'project');
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify(
        // npm 11 runs no dependency's install script unless allowed: the SDK's two native modules
        // (built from source, with ~/.npmrc's nodedir) and esbuild, which tsx runs on.
        { name: 'perpscope-sdk-consumer', version: '0.0.0', private: true, type: 'module', allowScripts: { 'better-sqlite3': true, keytar: true, esbuild: true } },
        null,
        2,
      ),
    );
    const tools = [
      // What runs and typechecks the examples, at the workspace's versions.
      `tsx@${versionOf('node_modules/tsx/package.json')}`,
      `typescript@${versionOf('node_modules/typescript/package.json')}`,
      `@types/node@${versionOf('node_modules/@types/node/package.json')}`,
      // custom-strategy.ts writes its parameter schema with zod, as any strategy author does.
      `zod@${versionOf('sdk/node_modules/zod/package.json')}`,
    ];
    const started = Date.now();
    await runOk('npm', ['install', '--no-audit', '--no-fund', ...tarballs.map((t) => join(packs, t)), ...tools], project, 25 * MINUTE);
    // Reported, never asserted: how long a consumer waits for the install on this machine.
    console.log(`sdk-pack: npm install of the SDK, its dependencies and the example tools took ${((Date.now() - started) / 1000).toFixed(0)} s`);
    installed = join(project, 'node_modules', '@perpscope', 'sdk');
    cpSync(join(repoRoot, 'sdk', 'examples'), join(project, 'examples'), { recursive: true });
  }, 40 * MINUTE);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const example = (file: string, ...args: string[]) => run(process.execPath, ['--import', 'tsx', join('examples', file), ...args], project, 5 * MINUTE);
  const ok = (r: Run, what: string) => expect(r.code, `${what} exits 0\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`).toBe(0);

  it('the installed package has every runtime file and JSON data file of the build, and no workspace: range', () => {
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(manifest.dependencies['@perpscope/shared'], 'workspace:* became the packed version').toBe(versionOf('shared/package.json'));
    expect(Object.values(manifest.dependencies).filter((v) => v.startsWith('workspace:'))).toEqual([]);
    // Both packages came from the tarballs, never from the registry, and the SDK uses the one shared copy.
    const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string }> };
    const ours = Object.entries(lock.packages).filter(([path]) => path.includes('node_modules/@perpscope/'));
    expect(ours.map(([path, p]) => [path, p.resolved])).toEqual([
      ['node_modules/@perpscope/sdk', expect.stringMatching(/^file:.*perpscope-sdk-[\d.]+\.tgz$/)],
      ['node_modules/@perpscope/shared', expect.stringMatching(/^file:.*perpscope-shared-[\d.]+\.tgz$/)],
    ]);
    const src = join(repoRoot, 'sdk', 'src');
    const expected = filesUnder(src)
      .filter((f) => (f.endsWith('.ts') && !f.endsWith('.d.ts')) || f.endsWith('.json'))
      .map((f) => relative(src, f).replace(/\.ts$/, '.js'));
    expect(expected.filter((f) => f.endsWith('.json')).length, 'the SDK ships JSON data (calibrations, orientations)').toBeGreaterThan(0);
    const built = join(repoRoot, 'sdk', 'dist');
    expect(expected.filter((f) => !existsSync(join(built, f))), 'sources without output in sdk/dist: the build is older than sdk/src, run pnpm build').toEqual([]);
    expect(expected.filter((f) => !existsSync(join(installed, 'dist', f))), 'built files absent from the installed package').toEqual([]);
    const declarations = expected.filter((f) => f.endsWith('.js')).map((f) => f.replace(/\.js$/, '.d.ts'));
    expect(declarations.filter((f) => !existsSync(join(installed, 'dist', f))), 'declarations absent').toEqual([]);
  });

  it('the perpscope bin runs from the installed package', async () => {
    const r = await run(join(project, 'node_modules', '.bin', 'perpscope'), ['--version'], project, 2 * MINUTE);
    ok(r, 'perpscope --version');
    expect(r.stdout.trim()).toBe(versionOf('sdk/package.json'));
  }, 3 * MINUTE);

  it('the examples typecheck against the installed declarations with skipLibCheck off', async () => {
    const config = JSON.parse(readFileSync(join(project, 'examples', 'tsconfig.json'), 'utf8').replace(/^\s*\/\/.*$/gm, '')) as { compilerOptions: Record<string, unknown> };
    expect(config.compilerOptions).toMatchObject({ skipLibCheck: false, strict: true, module: 'NodeNext', moduleResolution: 'NodeNext' });
    const r = await run(join(project, 'node_modules', '.bin', 'tsc'), ['-p', 'examples'], project, 10 * MINUTE);
    ok(r, 'tsc -p examples');
    expect(r.stdout.trim(), 'no diagnostics').toBe('');
  }, 11 * MINUTE);

  it('quickstart.ts (the README example) prints the top five ranked symbols in score order', async () => {
    const readme = readFileSync(join(repoRoot, 'sdk', 'README.md'), 'utf8');
    const block = /## Quickstart[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    const code = readFileSync(join(repoRoot, 'sdk', 'examples', 'quickstart.ts'), 'utf8').replace(/^\/\*\*[\s\S]*?\*\/\n/, '');
    expect(block, 'the README shows the code the test runs').toBe(code);
    const root = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    expect(/### The SDK in five lines[\s\S]*?```ts\n([\s\S]*?)```/.exec(root)?.[1], "the repository README's first screen shows it too").toBe(code);
    const r = await example('quickstart.ts');
    ok(r, 'quickstart.ts');
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(5);
    const rows = lines.map((l) => {
      const [rank, symbol, score] = l.split(' ');
      return { rank: Number(rank), symbol: symbol!, score: Number(score) };
    });
    expect(rows.map((x) => x.rank)).toEqual([1, 2, 3, 4, 5]);
    for (const x of rows) expect(x.symbol).toMatch(UNIFIED);
    for (let i = 1; i < rows.length; i++) expect(rows[i - 1]!.score).toBeGreaterThanOrEqual(rows[i]!.score);
  }, 6 * MINUTE);

  it('scan-to-csv.ts writes a header and the top N ranked rows with unified symbols', async () => {
    const out = join(work, 'scan.csv');
    const r = await example('scan-to-csv.ts', out, '8');
    ok(r, 'scan-to-csv.ts');
    expect(r.stdout).toMatch(/^wrote 8 rows of \d+ ranked/);
    const [header, ...lines] = readFileSync(out, 'utf8').trimEnd().split('\n');
    const columns = ['rank', 'symbol', 'score', 'side', 'last', 'quoteVolume24h', 'spreadBps', 'atrPct', 'manipScore', 'flags', 'rsi14'];
    expect(header).toBe(columns.join(','));
    expect(lines).toHaveLength(8);
    const rows = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [columns[i]!, v])));
    rows.forEach((row, i) => {
      expect(row.rank).toBe(String(i + 1));
      expect(row.symbol).toMatch(UNIFIED);
      expect(['long', 'short', 'flat']).toContain(row.side);
      expect(Number(row.last)).toBeGreaterThan(0);
      expect(Number(row.quoteVolume24h)).toBeGreaterThan(0);
      expect(Number(row.spreadBps), 'order flow was refreshed: the spread is known').toBeGreaterThan(0);
      expect(Number(row.manipScore)).toBeGreaterThanOrEqual(0);
      expect(Number(row.manipScore)).toBeLessThanOrEqual(100);
      expect(Number(row.rsi14)).toBeGreaterThanOrEqual(0);
      expect(Number(row.rsi14)).toBeLessThanOrEqual(100);
    });
    for (let i = 1; i < rows.length; i++) expect(Number(rows[i - 1]!.score)).toBeGreaterThanOrEqual(Number(rows[i]!.score));
  }, 6 * MINUTE);

  it('paper-trade-signal.ts fills one paper order and protects it with a reduce-only stop on the losing side', async () => {
    const r = await example('paper-trade-signal.ts');
    ok(r, 'paper-trade-signal.ts');
    type Order = { symbol: string; side: string; type: string; state: string; purpose: string; amountBase: number; filledBase: number; avgFillPrice: number | null; triggerPrice: number | null; reduceOnly: boolean; tradeId: string };
    const out = JSON.parse(r.stdout) as {
      symbol: string;
      side: 'long' | 'short';
      order: Order;
      stop: Order | null;
      position: { symbol: string; side: string; sizeBase: number; entryPrice: number } | null;
      account: { balanceUsd: number };
    };
    expect(out.symbol).toMatch(UNIFIED);
    const { order, stop, position } = out;
    expect(order).toMatchObject({ symbol: out.symbol, side: out.side === 'long' ? 'buy' : 'sell', type: 'market', purpose: 'entry', state: 'FILLED' });
    expect(order.filledBase).toBeGreaterThan(0);
    expect(order.filledBase).toBeCloseTo(order.amountBase, 12);
    const fill = order.avgFillPrice!;
    expect(fill).toBeGreaterThan(0);
    expect(order.filledBase * fill, 'sized at the 50 USD ticket, lots rounded down').toBeLessThanOrEqual(50 * (1 + 1e-9));
    expect(stop, 'the ticket stop was placed once the entry filled').not.toBeNull();
    expect(stop).toMatchObject({ symbol: out.symbol, side: order.side === 'buy' ? 'sell' : 'buy', type: 'stop_market', purpose: 'stop_loss', reduceOnly: true, state: 'ACK', tradeId: order.tradeId });
    expect(stop!.amountBase).toBeCloseTo(order.filledBase, 12);
    if (out.side === 'long') expect(stop!.triggerPrice!).toBeLessThan(fill);
    else expect(stop!.triggerPrice!).toBeGreaterThan(fill);
    expect(position).toMatchObject({ symbol: out.symbol, side: out.side });
    expect(position!.sizeBase).toBeCloseTo(order.filledBase, 12);
    expect(position!.entryPrice).toBeCloseTo(fill, 9);
    expect(out.account.balanceUsd, 'the entry paid its taker fee out of the 10,000 USD paper balance').toBeLessThan(10_000);
  }, 6 * MINUTE);

  it('custom-strategy.ts runs the registered strategy alone, and every signal is its own', async () => {
    const r = await example('custom-strategy.ts');
    ok(r, 'custom-strategy.ts');
    const out = JSON.parse(r.stdout) as { strategies: string[]; series: number; cycles: number; candidates: number; signals: { symbol: string; side: string; score: number; components: string[] }[] };
    expect(out.strategies, 'the built-ins are off').toEqual(['rsi-snapback']);
    expect(out.series).toBeGreaterThan(0);
    expect(out.cycles).toBeGreaterThan(0);
    expect(out.signals.length, 'the custom strategy produced signals').toBeGreaterThan(0);
    expect(out.candidates).toBeGreaterThanOrEqual(out.signals.length);
    for (const s of out.signals) {
      expect(s.symbol).toMatch(UNIFIED);
      expect(['long', 'short']).toContain(s.side);
      expect(s.components).toEqual(['rsi-snapback']);
    }
  }, 6 * MINUTE);

  it('radar-recorded.ts scores the injected pump-and-dump symbol above the alert level, and no other symbol', async () => {
    const r = await example('radar-recorded.ts');
    ok(r, 'radar-recorded.ts');
    const out = JSON.parse(r.stdout) as { episode: { kind: string; symbol: string }; alertScore: number; rows: { symbol: string; maxScore: number; flags: string[]; episode: boolean }[] };
    expect(out.episode.kind).toBe('pump_and_dump');
    expect(out.rows, 'one row per generated symbol').toHaveLength(40);
    for (const row of out.rows) {
      expect(row.symbol).toMatch(UNIFIED);
      expect(row.maxScore).toBeGreaterThanOrEqual(0);
      expect(row.maxScore).toBeLessThanOrEqual(100);
    }
    const [top, ...rest] = out.rows;
    expect(top).toMatchObject({ symbol: out.episode.symbol, episode: true });
    expect(top!.maxScore).toBeGreaterThanOrEqual(out.alertScore);
    expect(top!.flags.length).toBeGreaterThan(0);
    expect(rest.filter((x) => x.maxScore >= out.alertScore), 'no false alarm').toEqual([]);
  }, 6 * MINUTE);

  it('backtest.ts prints the metrics, with a trade count that matches its trades', async () => {
    const r = await example('backtest.ts');
    ok(r, 'backtest.ts');
    const out = JSON.parse(r.stdout) as { symbols: string[]; signals: number; placed: number; metrics: Record<string, number | null>; trades: { symbol: string; side: string; netPnlUsd: number }[] };
    expect(out.symbols).toHaveLength(6);
    for (const key of ['trades', 'wins', 'losses', 'winRatePct', 'netPnlUsd', 'profitFactor', 'feesUsd', 'startMs', 'endMs', 'initialEquityUsd', 'finalEquityUsd', 'totalReturnPct', 'sharpe', 'maxDrawdownPct', 'exposurePct', 'tradedNotionalUsd']) {
      expect(out.metrics, `metric ${key}`).toHaveProperty(key);
    }
    const m = out.metrics as Record<string, number>;
    expect(out.trades.length, 'the edge gate was turned off, so signals traded').toBeGreaterThan(0);
    expect(m.trades).toBe(out.trades.length);
    expect(m.wins! + m.losses!).toBeLessThanOrEqual(m.trades!);
    expect(out.placed).toBeGreaterThanOrEqual(m.trades!);
    expect(m.endMs! - m.startMs!, '160 traded 1h bars').toBe(160 * 3_600_000);
    // The printed trade PnLs are rounded to 4 decimals; the account moved by their sum.
    const net = out.trades.reduce((s, t) => s + t.netPnlUsd, 0);
    expect(Math.abs(m.finalEquityUsd! - m.initialEquityUsd! - net)).toBeLessThanOrEqual(out.trades.length * 5e-5 + 1e-9);
    for (const t of out.trades) expect(out.symbols).toContain(t.symbol);
  }, 6 * MINUTE);
});
