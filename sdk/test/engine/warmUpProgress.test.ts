import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { createEngine, warmUpEtaMs, type WarmUpProgress } from '../../src/engine/createEngine.js';
import type { RankingResult } from '../../src/ranking/index.js';
import { SIM_START_MS } from '../../../test/support/sim.js';

describe('engine warm start over a 400-symbol sim', () => {
  it('answers every health RPC between batches, ranks before the warm-up ends and reports monotone progress', async () => {
    // Health requests go over a real MessagePort, as the engine thread's RPCs do, one after the
    // other for as long as the warm-up runs: each is answered only when the event loop takes a
    // turn, so a stretch that seeded or backfilled many batches in one synchronous pass would show
    // as a request answered several batches after it was sent.
    const SYMBOLS = 400;
    const BATCH = 20;
    const progress: WarmUpProgress[] = [];
    const rankings: { afterEvents: number; result: RankingResult }[] = [];
    const { port1: caller, port2: engineSide } = new MessageChannel();
    const engine = createEngine(
      {
        exchange: 'sim',
        timeframes: ['1h', '4h'],
        backfillBars: 60,
        sim: { symbols: SYMBOLS, seed: 11, acceleration: 1, rateLimitScale: 20, startTimeMs: SIM_START_MS },
        universe: { minQuoteVolumeUsd: 0, maxSpreadBps: null, topN: 1000 },
      },
      { logger: silentLogger, live: false, warmUp: { batchSymbols: BATCH } },
    );
    engine.on('warmup', (p) => progress.push(p));
    engine.on('ranking', (result) => rankings.push({ afterEvents: progress.length, result }));
    /** Seeding batches done when each request was sent and when the engine side answered it. */
    const answered: { sentAfter: number; answeredAfter: number; ok: boolean }[] = [];
    let sent = 0;
    let warming = true;
    let lastAnswer: (() => void) | null = null;
    const send = () => {
      sent++;
      caller.postMessage({ method: 'health.get', sentAfter: progress.length });
    };
    engineSide.on('message', (m: { sentAfter: number }) => {
      let ok: boolean;
      try {
        ok = typeof engine.health().wsState === 'string';
      } catch {
        ok = false; // before the market is built: still an answer (the RPC's error reply)
      }
      engineSide.postMessage({ sentAfter: m.sentAfter, answeredAfter: progress.length, ok });
    });
    caller.on('message', (a: { sentAfter: number; answeredAfter: number; ok: boolean }) => {
      answered.push(a);
      if (warming) send();
      else lastAnswer?.();
    });
    try {
      send();
      await engine.start();
      warming = false;
      if (answered.length < sent) await new Promise<void>((done) => (lastAnswer = done));

      expect(answered, 'every health request was answered').toHaveLength(sent);
      const last = progress.at(-1)!;
      expect(last.done).toBe(true);
      expect(last.total).toBe(engine.universe().length);
      expect(last.seeded).toBe(last.total);
      expect(last.total).toBeGreaterThanOrEqual(SYMBOLS * 0.9);
      expect(last.etaMs).toBe(0);
      expect(last.streams).toBe(last.total * 2);
      expect(last.backfilled).toBe(last.streams);
      expect(last.timeframes).toEqual(['1h', '4h']);
      const batches = progress.filter((p) => !p.done);
      expect(batches.length, 'seeded a batch at a time').toBeGreaterThanOrEqual(Math.ceil(last.total / BATCH));
      for (let i = 1; i < progress.length; i++) {
        const [a, b] = [progress[i - 1]!, progress[i]!];
        expect(b.seeded, 'seeded never goes back').toBeGreaterThanOrEqual(a.seeded);
        expect(b.backfilled, 'backfilled never goes back').toBeGreaterThanOrEqual(a.backfilled);
        expect(b.seeded - a.seeded, 'one batch at a time').toBeLessThanOrEqual(BATCH);
      }
      for (const p of batches) expect(p.etaMs === null || p.etaMs >= 0).toBe(true);

      const early = rankings.filter((r) => r.afterEvents < progress.length - 1);
      expect(early.length, 'a ranking was published before the warm-up was done').toBeGreaterThan(0);
      expect(early[0]!.result.rows.length, 'the first one ranks the first batch').toBe(BATCH);
      expect(early[0]!.afterEvents, 'published with the first batch').toBe(0);
      expect(engine.latestRanking()?.rows.length, 'the last one ranks the whole universe').toBe(last.total);

      const during = answered.filter((a) => a.sentAfter > 0 && a.sentAfter < batches.length);
      expect(during.length, 'health was asked and answered while the universe was being seeded').toBeGreaterThan(0);
      // +2, not +1: between the send and the engine side's turn to read the port, one batch may be seeded by a backfill response handled in the same poll and one by the next setImmediate; a synchronous stretch of seeding would show as 3 or more.
      for (const a of answered) expect(a.answeredAfter, `request sent after event ${a.sentAfter} answered within two batches`).toBeLessThanOrEqual(a.sentAfter + 2);
    } finally {
      caller.close();
      await engine.stop();
    }
  }, 240_000); // a hang deadline for a 400-symbol backfill on a loaded machine, not a wait

  it('estimates the time left from the streams fetched so far', () => {
    expect(warmUpEtaMs(1_000, 0, 800)).toBeNull();
    expect(warmUpEtaMs(1_000, 200, 800)).toBe(3_000);
    expect(warmUpEtaMs(5_000, 800, 800)).toBe(0);
    expect(warmUpEtaMs(0, 0, 0)).toBe(0);
  });
});
