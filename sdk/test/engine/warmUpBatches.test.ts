import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { createEngine, type WarmUpProgress } from '../../src/engine/createEngine.js';
import { SIM_START_MS } from '../../../test/support/sim.js';

describe('engine warm start', () => {
  it('seeds the universe in batches and answers a message-port RPC between them', async () => {
    // The RPC goes over a real MessagePort, as the engine thread's RPCs do: it is answered only
    // when the event loop takes a turn, so a warm start that seeded everything in one synchronous
    // pass would answer it after the last batch, not within one batch of the request.
    const SYMBOLS = 24;
    const BATCH = 4;
    const batches: WarmUpProgress[] = [];
    const { port1: caller, port2: engineSide } = new MessageChannel();
    /** Batches completed when each request was sent and when its answer was computed. */
    const asked: number[] = [];
    const answered: { sentAfter: number; answeredAfter: number; ok: boolean }[] = [];
    const engine = createEngine(
      { exchange: 'sim', timeframes: ['1m', '15m'], backfillBars: 60, sim: { symbols: SYMBOLS, seed: 7, acceleration: 1, rateLimitScale: 20, startTimeMs: SIM_START_MS }, universe: { minQuoteVolumeUsd: 0, maxSpreadBps: null } },
      {
        logger: silentLogger,
        live: false,
        warmUp: {
          batchSymbols: BATCH,
          onBatch: (p) => {
            batches.push(p);
            if (batches.length === 1 || batches.length === 3) {
              asked.push(batches.length);
              caller.postMessage({ method: 'health.get', sentAfter: batches.length });
            }
          },
        },
      },
    );
    engineSide.on('message', (m: { sentAfter: number }) => {
      const health = engine.health();
      answered.push({ sentAfter: m.sentAfter, answeredAfter: batches.length, ok: typeof health.wsState === 'string' });
    });
    try {
      await engine.start();
      expect(batches.map((b) => b.seeded), 'every batch of the universe, in order').toEqual([4, 8, 12, 16, 20, 24]);
      expect(batches.every((b) => b.total === SYMBOLS)).toBe(true);
      expect(asked).toEqual([1, 3]);
      expect(answered).toHaveLength(2);
      for (const a of answered) {
        expect(a.ok, 'health answered from the engine').toBe(true);
        expect(a.answeredAfter, `request sent after batch ${a.sentAfter} answered before batch ${a.sentAfter + 2} completed`).toBeLessThan(a.sentAfter + 2);
      }
      // Batching changes when series are seeded, not what is ranked: the first ranking covers them all.
      expect(engine.latestRanking()?.rows.length).toBe(engine.universe().length);
    } finally {
      caller.close();
      await engine.stop();
    }
  });
});
