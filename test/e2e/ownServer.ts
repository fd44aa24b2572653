import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect, type Page } from '@playwright/test';
import { SIM_START_MS } from '../support/sim.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SERVER_START_TIMEOUT_MS = 90_000;

/** One `perpscope serve --sim` process of a spec's own, on a pinned 8-symbol sim. */
export interface OwnServer {
  child: ChildProcess;
  /** The URL with the token, as the server prints it. */
  openUrl: string;
  /** `http://127.0.0.1:PORT`. */
  baseUrl: string;
  port: number;
}

/**
 * Starts the built CLI's `serve --sim` on `home` (port 0: any free one) and resolves on its first
 * line, `open http://127.0.0.1:PORT/?token=...`. For specs that stop or kill their server, so the
 * server the other specs share stays up.
 */
export function startOwnServer(home: string, token: string, port = 0): Promise<OwnServer> {
  const child = spawn(process.execPath, [join(repoRoot, 'desktop/dist/cli/main.js'), 'serve', '--sim', '--port', String(port), '--home', home], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PERPSCOPE_HOME: home,
      PERPSCOPE_SERVE__TOKEN: token,
      PERPSCOPE_SIM__SYMBOLS: '8',
      PERPSCOPE_SIM__SEED: '7',
      PERPSCOPE_SIM__START_TIME_MS: String(SIM_START_MS),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      child.kill('SIGKILL');
      reject(new Error(`perpscope serve --sim did not start: ${why}\n${stderr.join('').slice(-2000)}`));
    };
    const timer = setTimeout(() => fail(`no output within ${SERVER_START_TIMEOUT_MS} ms`), SERVER_START_TIMEOUT_MS); // hang deadline; resolves on the first line
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      const match = /^open ((http:\/\/[^/]+:(\d+))\/\?token=\S+)$/.exec(line.trim());
      if (!match) return fail(`first line was "${line}"`);
      resolve({ child, openUrl: match[1]!, baseUrl: match[2]!, port: Number(match[3]) });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(`exited with code ${code}`);
    });
  });
}

/** Stops a server the way a user does (SIGTERM: the store closes cleanly), SIGKILL after a deadline. */
export function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => child.kill('SIGKILL'), 30_000); // hang deadline only
    child.once('exit', () => {
      clearTimeout(hard);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * What a spec with a server of its own starts before its first test: the screenshot folder, a fresh
 * home (removed again if the server does not start) and a random token.
 */
export async function startSpecServer(homePrefix: string, shotsDir: string): Promise<{ home: string; token: string; server: OwnServer }> {
  mkdirSync(shotsDir, { recursive: true });
  const home = mkdtempSync(join(tmpdir(), homePrefix));
  const token = randomBytes(16).toString('hex');
  try {
    return { home, token, server: await startOwnServer(home, token) };
  } catch (e) {
    rmSync(home, { recursive: true, force: true });
    throw e;
  }
}

/** Stops a spec's server (if it started) and removes its home (if it was made). */
export async function endSpecServer(home: string, server: OwnServer | undefined): Promise<void> {
  if (server) await stopped(server.child);
  if (home) rmSync(home, { recursive: true, force: true });
}

/** GETs `path` from the server's REST API with its token, asserting a 2xx answer. */
export async function apiGet<T>(page: Page, server: OwnServer, token: string, path: string): Promise<T> {
  const res = await page.request.get(`${server.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.ok(), `GET ${path}`).toBe(true);
  return (await res.json()) as T;
}
