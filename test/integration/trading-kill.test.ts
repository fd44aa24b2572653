import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SystemClock } from '../../sdk/src/core/clock.js';
import { createBlofinClient, startSimExchange } from '../../sdk/src/sim/index.js';
import { openStore } from '../../sdk/src/store/index.js';
import { CcxtBroker } from '../../sdk/src/trading/index.js';
import { permissiveRisk, tempDir } from '../../sdk/test/trading/helpers.js';
import { KEY, ledgerMatchesExchange } from '../../sdk/test/trading/liveRig.js';

const child = fileURLToPath(new URL('../../sdk/test/trading/fixtures/killChild.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const RUNS = 20;

interface Child {
  loaded: Promise<void>;
  /** Lets the child trade and SIGKILLs it `killAfterMs` after it is ready. */
  runAndKill(killAfterMs: number): Promise<{ ready: boolean; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Spawns a trading child that loads its modules and waits for `go`. */
function spawnChild(args: string[]): Child {
  const p = spawn(process.execPath, ['--import', 'tsx', child, ...args], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let ready = false;
  let killAfterMs = 0;
  let onLoaded: () => void = () => {};
  const loaded = new Promise<void>((resolve) => (onLoaded = resolve));
  const closed = new Promise<NodeJS.Signals | null>((resolve, reject) => {
    p.on('error', reject);
    p.on('close', (_code, signal) => resolve(signal));
  });
  p.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  p.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    if (chunk.includes('loaded')) onLoaded();
    if (!ready && chunk.includes('ready')) {
      ready = true;
      setTimeout(() => p.kill('SIGKILL'), killAfterMs);
    }
  });
  void closed.then(() => onLoaded());
  return {
    loaded,
    async runAndKill(ms) {
      killAfterMs = ms;
      const giveUp = setTimeout(() => p.kill('SIGKILL'), 30_000);
      p.stdin.write('go\n');
      const signal = await closed;
      clearTimeout(giveUp);
      return { ready, signal, stderr };
    },
  };
}

describe('kill -9 while trading (RELIABILITY 1, 5)', () => {
  it(`after each of ${RUNS} kills at random points, reconciliation leaves the ledger equal to the exchange`, async () => {
    const t = tempDir();
    const sim = await startSimExchange({ symbols: 4, seed: 41, acceleration: 1, historyBars: 50, apiKey: KEY, initialBalanceUsdt: 1_000_000, rateLimitScale: 50 });
    let seed = 12345;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    try {
      // Later runs load their modules while earlier ones trade; they touch nothing until `go`.
      const spawnRun = (run: number): Child => spawnChild([sim.url, sim.wsUrl, t.dir, String(run)]);
      const queue = [spawnRun(0), spawnRun(1)];
      for (let run = 0; run < RUNS; run++) {
        const killAfterMs = 20 + Math.floor(random() * 400);
        const current = queue.shift() as Child;
        await current.loaded;
        const running = current.runAndKill(killAfterMs);
        if (run + 2 < RUNS) queue.push(spawnRun(run + 2));
        const r = await running;
        expect(r.ready, `run ${run} started: ${r.stderr.slice(-400)}`).toBe(true);
        expect(r.signal, `run ${run} was killed, not crashed: ${r.stderr.slice(-400)}`).toBe('SIGKILL');
        const store = openStore({ home: t.dir });
        const clock = new SystemClock();
        const ex = createBlofinClient(sim, { enableRateLimit: false, timeout: 2_000 });
        try {
          const broker = new CcxtBroker({ store, clock, risk: permissiveRisk(clock), exchange: ex, exchangeId: 'blofin', lookupBaseMs: 30, readRetry: { baseMs: 30 } });
          await broker.start();
          expect(ledgerMatchesExchange(sim, store, ex), `run ${run}, killed ${killAfterMs} ms in`).toEqual([]);
          const open = store.orders.listOpen('live').filter((o) => o.state !== 'ACK' && o.state !== 'PARTIAL');
          expect(open.map((o) => `${o.clientOrderId}:${o.state}`), 'no order left unresolved').toEqual([]);
        } finally {
          await ex.close();
          store.close();
        }
      }
      const orders = sim.accountSnapshot().orders;
      const ids = orders.map((o) => o.clientOrderId).filter((id) => id);
      expect(new Set(ids).size, '0 duplicate orders').toBe(ids.length);
      expect(orders.length, 'the child really traded').toBeGreaterThan(RUNS);
    } finally {
      await sim.stop();
      t.cleanup();
    }
  }, 240_000);
});
