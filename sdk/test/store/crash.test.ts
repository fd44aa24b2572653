import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { openStore } from '../../src/store/index.js';
import { mulberry32 } from '../../../test/support/rng.js';
import { tempDir } from './helpers.js';

const fixture = fileURLToPath(new URL('./fixtures/ackWriter.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Runs the writer and SIGKILLs it as soon as it has acknowledged `killAfterAcks` rows (counted on
 * its output, so the kill point does not depend on machine speed); returns the acked ids.
 */
function runAndKill(file: string, synchronous: 'NORMAL' | 'FULL', killAfterAcks: number): Promise<{ acked: number[]; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, file, synchronous], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stderr = '';
    let killed = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (!killed && out.split('\n').length - 1 >= killAfterAcks) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      // A line cut by the kill has no newline yet: it was never acknowledged.
      const complete = out.slice(0, out.lastIndexOf('\n') + 1);
      resolve({ acked: complete.split('\n').filter(Boolean).map(Number), signal, stderr });
    });
  });
}

describe('kill -9 during a write loop (RELIABILITY 17)', () => {
  it('reopens with integrity_check ok and every acknowledged row present, 5 times', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = join(dir, 'perpscope.db');
      const allAcked: number[] = [];
      const modes = ['NORMAL', 'FULL', 'NORMAL', 'FULL', 'NORMAL'] as const;
      const random = mulberry32(17);
      for (const [round, mode] of modes.entries()) {
        const killAfterAcks = 1 + Math.floor(random() * 200);
        const { acked, signal, stderr } = await runAndKill(file, mode, killAfterAcks);
        expect(signal, `round ${round}: the writer died by SIGKILL, not by error: ${stderr}`).toBe('SIGKILL');
        expect(acked.length, `round ${round}: the writer acknowledged ${killAfterAcks} rows or more before the kill`).toBeGreaterThanOrEqual(killAfterAcks);
        allAcked.push(...acked);

        const store = openStore({ file });
        try {
          const integrity = store.integrityCheck();
          expect(integrity.ok, `round ${round} (${mode}, killed after ${killAfterAcks} acks): ${integrity.messages.join('; ')}`).toBe(true);
          const seqs = new Set(store.events.list({ type: 'order' }).map((e) => e.seq));
          const missingEvents = allAcked.filter((s) => !seqs.has(s));
          expect(missingEvents, `round ${round}: acknowledged events lost`).toEqual([]);
          const missingOrders = allAcked.filter((s) => store.orders.get(`kill-${s}`) === undefined);
          expect(missingOrders, `round ${round}: acknowledged order intents lost`).toEqual([]);
          const last = allAcked[allAcked.length - 1]!;
          expect(store.candles.range({ exchange: 'sim', symbol: 'S0/USDT:USDT', timeframe: '1m' }, { fromMs: last * 60_000, toMs: last * 60_000 }), 'candles of the last ack').toHaveLength(1);
        } finally {
          store.close();
        }
      }
    } finally {
      cleanup();
    }
    // Bounds a hang only: each round ends when the test kills it after its acknowledgements.
  }, 300_000);
});
