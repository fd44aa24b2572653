import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SystemClock } from '../../sdk/src/core/clock.js';
import { createBlofinClient, startSimExchange } from '../../sdk/src/sim/index.js';
import { openStore } from '../../sdk/src/store/index.js';
import { CcxtBroker } from '../../sdk/src/trading/index.js';
import { permissiveRisk, tempDir } from '../../sdk/test/trading/helpers.js';
import { KEY, ledgerMatchesExchange } from '../../sdk/test/trading/liveRig.js';
import { mulberry32 } from '../support/rng.js';
import { SIM_START_MS } from '../support/sim.js';

const child = fileURLToPath(new URL('../../sdk/test/trading/fixtures/killChild.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const RUNS = 20;
/** A run is killed after this many ledger writes at least (so it really trades) and at most this many more. */
const MIN_WRITES = 4;
const SPREAD_WRITES = 20;
/** Order states that exist only after the exchange answered for the order. */
const EXCHANGE_CONFIRMED = new Set(['ACK', 'PARTIAL', 'FILLED', 'CANCELLED']);

interface RunResult {
  ready: boolean;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** Ledger writes of orders the child reported before it died. */
  writes: number;
  /** Client ids the child's ledger recorded as answered by the exchange. */
  confirmed: Set<string>;
}

interface Child {
  loaded: Promise<void>;
  /** Lets the child trade and SIGKILLs it as soon as it has reported `killAfterWrites` ledger writes. */
  runAndKill(killAfterWrites: number): Promise<RunResult>;
}

/** Spawns a trading child that loads its modules and waits for `go`. */
function spawnChild(args: string[]): Child {
  const p = spawn(process.execPath, ['--import', 'tsx', child, ...args], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let ready = false;
  let writes = 0;
  let killAfter = Number.POSITIVE_INFINITY;
  const confirmed = new Set<string>();
  let onLoaded: () => void = () => {};
  const loaded = new Promise<void>((resolve) => (onLoaded = resolve));
  const closed = new Promise<NodeJS.Signals | null>((resolve, reject) => {
    p.on('error', reject);
    p.on('close', (_code, signal) => resolve(signal));
  });
  p.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  createInterface({ input: p.stdout }).on('line', (line) => {
    if (line === 'loaded') onLoaded();
    else if (line === 'ready') ready = true;
    else if (ready && line.startsWith('{')) {
      const e = JSON.parse(line) as { ledger: string; clientOrderId: string };
      writes++;
      if (EXCHANGE_CONFIRMED.has(e.ledger)) confirmed.add(e.clientOrderId);
      if (writes === killAfter) p.kill('SIGKILL');
    }
  });
  void closed.then(() => onLoaded());
  return {
    loaded,
    async runAndKill(n) {
      killAfter = n;
      p.stdin.write('go\n');
      const signal = await closed;
      return { ready, signal, stderr, writes, confirmed };
    },
  };
}

describe('kill -9 while trading (RELIABILITY 1, 5)', () => {
  it(`after each of ${RUNS} kills at random ledger writes, reconciliation leaves the ledger equal to the exchange`, async () => {
    const t = tempDir();
    const sim = await startSimExchange({ symbols: 4, seed: 41, startTimeMs: SIM_START_MS, acceleration: 1, historyBars: 50, apiKey: KEY, initialBalanceUsdt: 1_000_000, rateLimitScale: 50 });
    const random = mulberry32(12345);
    const confirmedByChildren: string[] = [];
    try {
      // Later runs load their modules while earlier ones trade; they touch nothing until `go`.
      const spawnRun = (run: number): Child => spawnChild([sim.url, sim.wsUrl, t.dir, String(run)]);
      const queue = [spawnRun(0), spawnRun(1)];
      for (let run = 0; run < RUNS; run++) {
        const killAfterWrites = MIN_WRITES + Math.floor(random() * SPREAD_WRITES);
        const current = queue.shift() as Child;
        await current.loaded;
        const running = current.runAndKill(killAfterWrites);
        if (run + 2 < RUNS) queue.push(spawnRun(run + 2));
        const r = await running;
        expect(r.ready, `run ${run} started: ${r.stderr.slice(-400)}`).toBe(true);
        expect(r.signal, `run ${run} was killed, not crashed: ${r.stderr.slice(-1500)}`).toBe('SIGKILL');
        expect(r.writes, `run ${run} was killed by the test after its ledger writes: ${r.stderr.slice(-400)}`).toBeGreaterThanOrEqual(killAfterWrites);
        confirmedByChildren.push(...r.confirmed);
        const store = openStore({ home: t.dir });
        const clock = new SystemClock();
        const ex = createBlofinClient(sim, { enableRateLimit: false, timeout: 2_000 });
        try {
          const broker = new CcxtBroker({ store, clock, risk: permissiveRisk(clock), exchange: ex, exchangeId: 'blofin', lookupBaseMs: 30, readRetry: { baseMs: 30 } });
          await broker.start();
          expect(ledgerMatchesExchange(sim, store, ex), `run ${run}, killed after ${killAfterWrites} ledger writes`).toEqual([]);
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
      expect(confirmedByChildren.length, 'the children really traded: exchange-confirmed orders in their ledgers').toBeGreaterThan(RUNS);
      expect(ids, 'every order a child saw confirmed is on the exchange').toEqual(expect.arrayContaining(confirmedByChildren));
    } finally {
      await sim.stop();
      t.cleanup();
    }
    // Bounds a hang only: each run ends when the test kills it after its ledger writes.
  }, 900_000);
});
