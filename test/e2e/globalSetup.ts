import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SIM_START_MS } from '../support/sim.js';
import { dataRoot } from '../support/testData.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const START_TIMEOUT_MS = 90_000;

/**
 * Starts `perpscope serve --sim --port 0` with a fresh home directory and publishes where it runs:
 * - PERPSCOPE_E2E_URL: base URL (`http://127.0.0.1:PORT`)
 * - PERPSCOPE_E2E_TOKEN: the bearer token
 * - PERPSCOPE_E2E_OPEN_URL: the URL a user opens (`/?token=...`)
 * With PERPSCOPE_TEST_DATA set, the server's backtest data directories are that root.
 * When PERPSCOPE_E2E_URL and PERPSCOPE_E2E_TOKEN are already set, that server is used instead.
 * Needs `pnpm build` first (the CLI runs from sdk/dist, the page from desktop/out/renderer).
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  if (process.env.PERPSCOPE_E2E_URL && process.env.PERPSCOPE_E2E_TOKEN) {
    process.env.PERPSCOPE_E2E_OPEN_URL ??= `${process.env.PERPSCOPE_E2E_URL}/?token=${encodeURIComponent(process.env.PERPSCOPE_E2E_TOKEN)}`;
    return async () => {};
  }
  const home = mkdtempSync(join(tmpdir(), 'perpscope-e2e-'));
  const child = spawn(process.execPath, [join(repoRoot, 'desktop/dist/cli/main.js'), 'serve', '--sim', '--port', '0', '--home', home], {
    cwd: repoRoot,
    // A small, seeded sim universe: it warms up and ranks quickly even on a loaded machine, and
    // serves the same markets on every run from the same start time.
    env: {
      ...process.env,
      PERPSCOPE_HOME: home,
      PERPSCOPE_SIM__SYMBOLS: '20',
      PERPSCOPE_SIM__SEED: '1',
      PERPSCOPE_SIM__START_TIME_MS: String(SIM_START_MS),
      // The Backtest view offers the recorded data sets under the test data root.
      ...(dataRoot() ? { PERPSCOPE_BACKTEST__DATA_DIRS: dataRoot()! } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
  const openUrl = await firstLine(child).catch((e: unknown) => {
    child.kill('SIGKILL');
    throw new Error(`perpscope serve --sim did not start: ${(e as Error).message}\n${stderr.join('').slice(-2000)}`);
  });
  const match = /^open (http:\/\/[^/]+)\/\?token=(\S+)$/.exec(openUrl);
  if (!match) {
    child.kill('SIGKILL');
    throw new Error(`perpscope serve printed "${openUrl}" first; expected "open http://HOST:PORT/?token=TOKEN"`);
  }
  process.env.PERPSCOPE_E2E_URL = match[1];
  process.env.PERPSCOPE_E2E_TOKEN = decodeURIComponent(match[2] ?? '');
  process.env.PERPSCOPE_E2E_OPEN_URL = openUrl.slice('open '.length);
  return async () => {
    await stop(child);
    try {
      keepServerLog(home);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  };
}

/**
 * The server's own log outlives its home, beside Playwright's failure artefacts
 * (`test/e2e/test-results/serve.log`): a spec that timed out on an exchange-bound call is
 * explained by what the engine logged meanwhile (streams, reconnects, the request queue).
 */
function keepServerLog(home: string): void {
  const log = join(home, 'logs', 'perpscope.log');
  if (!existsSync(log)) return;
  const dir = join(repoRoot, 'test/e2e/test-results');
  mkdirSync(dir, { recursive: true });
  copyFileSync(log, join(dir, 'serve.log'));
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no output within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS); // hang deadline; resolves on the first line
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line.trim());
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with code ${code}`));
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000); // escalation if SIGTERM is ignored; resolves on exit
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
