import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countBadData } from '../../sdk/src/market/index.js';
import { until } from '../support/sim.js';
import { restPath } from '../support/streamFallback.js';
import { BOOK_AND_TRADE_CASES, startChaosRig, type ChaosRig } from '../support/marketChaos.js';

/**
 * Market-data chaos over BloFin's websocket streams (RELIABILITY 31; the rig is in
 * `test/support/marketChaos.ts`): the engine reads the book and trades from the `books` and
 * `trades` channels while they are fresh, and the sim garbles those pushes as it garbles REST. A
 * garbage push must be dropped and counted like a garbage REST answer, and nothing may trigger or
 * fill. Two cases differ, by what ccxt does before Perpscope sees the push:
 * - a "NaN" trade price makes ccxt throw: the stream fails, the read falls back to REST, and the
 *   drop is counted there (REST is garbled too);
 * - NaN and infinite book levels are dropped by ccxt's own book: nothing reaches Perpscope to count.
 */

const TRADES_PATH = '/api/v1/market/trades';
/** Push rounds a fault stays on when ccxt hides it: each round pushes a garbage snapshot. */
const HIDDEN_FAULT_ROUNDS = 5;

const streamOperation = { book: 'watchOrderBook', trades: 'watchTrades' } as const;

describe('market-data chaos over the streams: a garbage push never triggers or fills a paper order', () => {
  let rig: ChaosRig;
  const restReads = (path: string) => restPath(rig.sim, path);
  const totalDrops = () => countBadData(rig.source.health().badData ?? {});

  /** Waits until a refresh reads both the book and trades from their streams (after a failed stream, once it has resubscribed). */
  async function streamsServing(): Promise<void> {
    await until('the book and trades served from their streams', async () => {
      const before = rig.source.streamStats().servedFromStream;
      await rig.pump();
      const after = rig.source.streamStats().servedFromStream;
      return after.orderbook > before.orderbook && after.trades > before.trades ? true : null;
    });
  }

  beforeAll(async () => {
    rig = await startChaosRig('stream');
  });

  beforeEach(streamsServing);

  afterAll(async () => {
    await rig?.stop();
  });

  const counted = BOOK_AND_TRADE_CASES.filter((c) => !(c.kind === 'book' && (c.mode === 'nan' || c.mode === 'infinite')));

  it.each(counted)('$kind $mode: dropped, counted as $counter.kind/$counter.reason, and nothing trades', async (c) => {
    const before = rig.bad(c.counter);
    const restBefore = restReads(TRADES_PATH);
    const dropsFrom = rig.dropsBy.length;
    rig.sim.faults.corruptMarketData({ kind: c.kind, mode: c.mode });
    try {
      await until(`${c.kind} ${c.mode} counted`, async () => {
        await rig.pump();
        return rig.bad(c.counter) > before ? true : null;
      });
    } finally {
      rig.sim.faults.corruptMarketData({ kind: c.kind, mode: null });
    }
    rig.assertNothingTraded(`${c.kind} ${c.mode}`);
    expect(rig.service.health().badData[c.counter.kind]?.[c.counter.reason], 'the drop shows in the health snapshot').toBe(rig.bad(c.counter));
    if (c.kind === 'trades' && c.mode === 'nan') {
      expect(restReads(TRADES_PATH), 'the read fell back to REST').toBeGreaterThan(restBefore);
      expect(rig.dropsBy.slice(dropsFrom)).toContain('fetchTrades');
    } else {
      expect(rig.dropsBy.slice(dropsFrom), 'the garbage was met on the stream').toContain(streamOperation[c.kind as 'book' | 'trades']);
    }
  });

  it.each(['nan', 'infinite'] as const)('book %s: ccxt drops the garbage levels itself; the streamed books read meanwhile are sane and nothing trades', async (mode) => {
    const dropsBefore = totalDrops();
    const round = rig.sim.wsCounters().pushRounds;
    const streamedBefore = rig.source.streamStats().servedFromStream.orderbook;
    rig.sim.faults.corruptMarketData({ kind: 'book', mode });
    try {
      await until(`${HIDDEN_FAULT_ROUNDS} garbage push rounds read`, async () => {
        const flow = await rig.pump();
        expect(flow.bookTop!.asks[0]![0]).toBeGreaterThan(flow.bookTop!.bids[0]![0]);
        return rig.sim.wsCounters().pushRounds >= round + HIDDEN_FAULT_ROUNDS ? true : null;
      });
    } finally {
      rig.sim.faults.corruptMarketData({ kind: 'book', mode: null });
    }
    expect(rig.source.streamStats().servedFromStream.orderbook, 'the books came from the stream').toBeGreaterThan(streamedBefore);
    expect(totalDrops(), 'nothing reached Perpscope to count').toBe(dropsBefore);
    rig.assertNothingTraded(`book ${mode}`);
  });

  it('with the faults off, the streams serve clean data again and garbage still in ccxt\'s trade cache is not counted twice', async () => {
    const dropsBefore = totalDrops();
    const streamedBefore = rig.source.streamStats().servedFromStream;
    const flow = await until('a clean book and trades from the streams', async () => {
      const f = await rig.pump();
      const s = rig.source.streamStats().servedFromStream;
      return s.orderbook > streamedBefore.orderbook + 3 && s.trades > streamedBefore.trades + 3 ? f : null;
    });
    expect(flow.bookTop!.asks[0]![0]).toBeGreaterThan(flow.bookTop!.bids[0]![0]);
    expect(Math.abs(flow.book!.mid / rig.mid - 1)).toBeLessThan(0.05);
    expect(totalDrops(), 'clean pushes are not dropped').toBe(dropsBefore);
    rig.assertNothingTraded('after the faults');
  });
});
