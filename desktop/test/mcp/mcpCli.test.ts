import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, describe, expect, it } from 'vitest';
import type { TradingStatusView } from '@perpscope/shared';
import { SIM_START_MS, until } from '../../../test/support/sim.js';
import { callTool } from './mcpClient.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** The CLI from source; tsconfig.test.json maps `@perpscope/*` to source too, so no build is needed. */
const CLI_ARGS = ['--import', 'tsx', join(repoRoot, 'desktop/src/cli/main.ts')];

/** A small pinned sim so the process starts in seconds. */
const ENV = {
  TSX_TSCONFIG_PATH: join(repoRoot, 'tsconfig.test.json'),
  PERPSCOPE_TIMEFRAMES: '1m',
  PERPSCOPE_BACKFILL_BARS: '60',
  PERPSCOPE_SIM__SYMBOLS: '5',
  PERPSCOPE_SIM__ACCELERATION: '60',
  PERPSCOPE_SIM__RATE_LIMIT_SCALE: '20',
  PERPSCOPE_SIM__START_TIME_MS: String(SIM_START_MS),
  PERPSCOPE_UNIVERSE__MIN_QUOTE_VOLUME_USD: '0',
};

const homes: string[] = [];
const children: ChildProcess[] = [];
function tempHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'perpscope-mcp-cli-'));
  homes.push(home);
  return home;
}

/** Messages of the JSON lines in the home's log file. */
function logMessages(home: string): { msg: string; reason?: string }[] {
  const file = join(home, 'logs', 'perpscope.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { msg: string; reason?: string });
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

describe('perpscope mcp --sim as a real process on stdio', () => {
  it('serves the handshake, lists the tools and answers a call, then stops cleanly when the client closes stdin', async () => {
    const home = tempHome();
    const transport = new StdioClientTransport({ command: process.execPath, args: [...CLI_ARGS, '--home', home, 'mcp', '--sim'], cwd: repoRoot, env: { ...process.env, ...ENV } as Record<string, string>, stderr: 'pipe' });
    let stderr = '';
    transport.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const client = new Client({ name: 'perpscope-cli-test', version: '0.0.0' });
    const protocolErrors: Error[] = [];
    client.onerror = (e) => protocolErrors.push(e);
    await client.connect(transport, { timeout: 120_000 });

    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['rankings', 'explain_symbol', 'signals', 'positions', 'place_paper_order', 'close_position', 'backtest_summary']));
    await until('the engine started', () => (logMessages(home).some((l) => l.msg === 'mcp engine started') ? true : null), 120_000);
    const status = await callTool<TradingStatusView>(client, 'positions');
    expect(status.isError, status.text).toBe(false);
    expect(status.structured).toMatchObject({ mode: 'paper', exchange: 'sim', positions: [] });
    expect(status.text).toMatch(/^PAPER on sim/);

    await client.close();
    await until('the server stopped', () => (logMessages(home).some((l) => l.msg === 'mcp stopped') ? true : null), 60_000);
    expect(logMessages(home).find((l) => l.msg === 'mcp shutting down')?.reason, 'stdin closing stopped it, not a signal').toBe('client closed');
    expect(protocolErrors, 'every stdout line was a protocol message').toEqual([]);
    expect(stderr, 'stderr is for fatal startup errors only').toBe('');
  }, 240_000);

  it('writes nothing to stdout without a client request, and stops on SIGINT with exit code 0', async () => {
    const home = tempHome();
    const child = spawn(process.execPath, [...CLI_ARGS, '--home', home, 'mcp', '--sim'], { cwd: repoRoot, env: { ...process.env, ...ENV }, stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
    await until(
      'the engine started',
      () => {
        if (child.exitCode !== null) throw new Error(`perpscope mcp exited (${child.exitCode}): ${stderr.slice(-1500)}`);
        return logMessages(home).some((l) => l.msg === 'mcp engine started') ? true : null;
      },
      120_000,
    );
    child.kill('SIGINT');
    expect(await exited, stderr).toEqual({ code: 0, signal: null });
    expect(stdout, 'stdout belongs to the protocol: nothing was asked, nothing was written').toBe('');
    expect(logMessages(home).find((l) => l.msg === 'mcp shutting down')?.reason).toBe('signal');
    expect(logMessages(home).some((l) => l.msg === 'mcp stopped')).toBe(true);
  }, 240_000);

  it('refuses to start on a home another trading process holds, saying so on stderr only', async () => {
    const home = tempHome();
    const first = spawn(process.execPath, [...CLI_ARGS, '--home', home, 'mcp', '--sim'], { cwd: repoRoot, env: { ...process.env, ...ENV }, stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(first);
    await until('the first server listening', () => (logMessages(home).some((l) => l.msg === 'mcp server listening on stdio') ? true : null), 120_000);
    const second = spawn(process.execPath, [...CLI_ARGS, '--home', home, 'mcp', '--sim'], { cwd: repoRoot, env: { ...process.env, ...ENV }, stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(second);
    let out = '';
    let err = '';
    second.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    second.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    const code = await new Promise<number | null>((resolve) => second.on('close', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(err).toContain(`already trading from ${home}`);
    expect(out).toBe('');
    first.stdin.end();
    await new Promise<void>((resolve) => first.on('close', () => resolve()));
  }, 240_000);
});
