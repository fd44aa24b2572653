import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countBadData } from '../../sdk/src/market/index.js';
import { Ledger } from '../../sdk/src/store/index.js';
import { entryRisk } from '../../sdk/test/trading/helpers.js';
import { BOOK_AND_TRADE_CASES, startChaosRig, type ChaosExpectation, type ChaosRig } from '../support/marketChaos.js';

/**
 * Market-data chaos over REST (RELIABILITY 31; the rig is in `test/support/marketChaos.ts`): the
 * book and trades are read over REST only, so each refresh reads every corrupted endpoint once.
 * `market-chaos-stream.test.ts` proves the same for the book and trades streams.
 */

/** Requests per fault before giving up waiting for the drop to be counted (each round is one read of each endpoint). */
const MAX_ROUNDS = 8;

const CASES: ChaosExpectation[] = [
  ...BOOK_AND_TRADE_CASES,
  { kind: 'markPrice', mode: 'zero', counter: { kind: 'markPrice', reason: 'non_positive' } },
  { kind: 'markPrice', mode: 'negative', counter: { kind: 'markPrice', reason: 'non_positive' } },
  { kind: 'markPrice', mode: 'nan', counter: { kind: 'markPrice', reason: 'non_finite' } },
  { kind: 'markPrice', mode: 'infinite', counter: { kind: 'markPrice', reason: 'non_finite' } },
  { kind: 'markPrice', mode: 'stale', counter: { kind: 'markPrice', reason: 'stale' } },
  { kind: 'markPrice', mode: 'out_of_order', counter: { kind: 'markPrice', reason: 'out_of_order' } },
  { kind: 'funding', mode: 'zero', counter: { kind: 'funding', reason: 'non_positive' } },
  { kind: 'funding', mode: 'negative', counter: { kind: 'funding', reason: 'non_positive' } },
  { kind: 'funding', mode: 'nan', counter: { kind: 'funding', reason: 'non_finite' } },
  { kind: 'funding', mode: 'infinite', counter: { kind: 'funding', reason: 'non_finite' } },
  { kind: 'funding', mode: 'extreme', counter: { kind: 'funding', reason: 'out_of_range' } },
  { kind: 'funding', mode: 'stale', counter: { kind: 'funding', reason: 'stale' } },
  { kind: 'funding', mode: 'out_of_order', counter: { kind: 'funding', reason: 'out_of_order' } },
];

const TICKER_CASES: ChaosExpectation[] = [
  // ccxt reads a zero last price as absent.
  { kind: 'ticker', mode: 'zero', counter: { kind: 'ticker', reason: 'non_finite' } },
  { kind: 'ticker', mode: 'negative', counter: { kind: 'ticker', reason: 'non_positive' } },
  { kind: 'ticker', mode: 'infinite', counter: { kind: 'ticker', reason: 'non_finite' } },
  { kind: 'ticker', mode: 'crossed', counter: { kind: 'ticker', reason: 'crossed' } },
  { kind: 'ticker', mode: 'stale', counter: { kind: 'ticker', reason: 'stale' } },
  { kind: 'ticker', mode: 'out_of_order', counter: { kind: 'ticker', reason: 'out_of_order' } },
];

describe('market-data chaos over REST: garbage from the exchange never triggers or fills a paper order', () => {
  let rig: ChaosRig;
  const bad = (c: ChaosExpectation['counter']) => rig.bad(c);
  const pump = () => rig.pump();

  beforeAll(async () => {
    rig = await startChaosRig('rest');
  });

  afterAll(async () => {
    await rig?.stop();
  });

  it.each(CASES)('$kind $mode: dropped, counted as $counter.kind/$counter.reason, and nothing trades', async (c) => {
    const before = bad(c.counter);
    rig.sim.faults.corruptMarketData({ kind: c.kind, mode: c.mode });
    try {
      for (let round = 0; round < MAX_ROUNDS && bad(c.counter) === before; round++) await pump();
    } finally {
      rig.sim.faults.corruptMarketData({ kind: c.kind, mode: null });
    }
    rig.assertNothingTraded(`${c.kind} ${c.mode}`);
    expect(bad(c.counter), 'the drop is counted in market health').toBeGreaterThan(before);
    expect(rig.service.health().badData[c.counter.kind]?.[c.counter.reason], 'and shows in the health snapshot').toBe(bad(c.counter));
  });

  it('a market order placed while the book is garbage fills at the last good book, never at the garbage', async () => {
    for (const mode of ['zero', 'negative', 'crossed', 'stale'] as const) {
      const before = bad(mode === 'zero' || mode === 'negative' ? { kind: 'bookLevel', reason: 'non_positive' } : { kind: 'book', reason: mode });
      rig.sim.faults.corruptMarketData({ kind: 'book', mode });
      try {
        const flow = await pump();
        expect(bad(mode === 'zero' || mode === 'negative' ? { kind: 'bookLevel', reason: 'non_positive' } : { kind: 'book', reason: mode })).toBeGreaterThan(before);
        const top = flow.bookTop!;
        expect(top.asks[0]![0], `${mode}: the book fed is sane`).toBeGreaterThan(top.bids[0]![0]);
        const amount = top.asks[0]![1] / 10;
        const order = await rig.broker.placeOrder({ symbol: rig.symbol, side: 'buy', type: 'market', amountBase: amount, tradeId: `chaos-${mode}`, leg: 'entry', risk: entryRisk(rig.symbol, 'long', rig.mid) });
        expect(order.state).toBe('FILLED');
        expect(Math.abs(order.avgFillPrice! / rig.mid - 1), `${mode}: filled near the real market`).toBeLessThan(0.05);
      } finally {
        rig.sim.faults.corruptMarketData({ kind: 'book', mode: null });
      }
    }
  });

  it.each(TICKER_CASES)('ticker $mode: dropped and counted; the universe keeps the last good ticker', async (c) => {
    const clean = (await rig.source.fetchTickers()).get(rig.symbol)!;
    expect(clean.last).toBeGreaterThan(0);
    const before = bad(c.counter);
    rig.sim.faults.corruptMarketData({ kind: 'ticker', mode: c.mode });
    let tickers;
    try {
      tickers = await rig.source.fetchTickers();
    } finally {
      rig.sim.faults.corruptMarketData({ kind: 'ticker', mode: null });
    }
    expect(bad(c.counter), 'one drop per corrupted symbol').toBeGreaterThanOrEqual(before + 1);
    expect(tickers.get(rig.symbol), 'the last good ticker stands in').toEqual(clean);
    for (const t of tickers.values()) {
      expect(Number.isFinite(t.last) && t.last > 0, `${t.symbol} last`).toBe(true);
      if (t.bid !== undefined && t.ask !== undefined) expect(t.bid).toBeLessThan(t.ask);
    }
  });

  it('the sim refuses a fault mode that does not apply to the kind, naming what it expected; reset clears every mode', async () => {
    expect(() => rig.sim.faults.corruptMarketData({ kind: 'trades', mode: 'crossed' })).toThrow(/corruptMarketData\.mode: got crossed for trades, expected one of zero, negative/);
    expect(() => rig.sim.faults.corruptMarketData({ kind: 'candles' as never, mode: 'zero' })).toThrow(/corruptMarketData\.kind: got candles, expected one of trades, book/);
    const before = bad({ kind: 'markPrice', reason: 'non_positive' });
    rig.sim.faults.corruptMarketData({ kind: 'markPrice', mode: 'zero' });
    rig.sim.faults.reset();
    await expect(rig.source.fetchMarkPrice(rig.symbol)).resolves.toMatchObject({ symbol: rig.symbol });
    expect(bad({ kind: 'markPrice', reason: 'non_positive' }), 'reset cleared the fault').toBe(before);
  });

  it('ticker nan: ccxt cannot parse the answer; the read fails, is counted, and the next clean read works', async () => {
    const before = bad({ kind: 'ticker', reason: 'unparseable' });
    rig.sim.faults.corruptMarketData({ kind: 'ticker', mode: 'nan' });
    try {
      await expect(rig.source.fetchTickers()).rejects.toMatchObject({ code: 'INTERNAL' });
    } finally {
      rig.sim.faults.corruptMarketData({ kind: 'ticker', mode: null });
    }
    expect(bad({ kind: 'ticker', reason: 'unparseable' })).toBe(before + 1);
    expect((await rig.source.fetchTickers()).get(rig.symbol)?.last).toBeGreaterThan(0);
  });

  it('with the faults off, valid data flows again and drops stop; the same broker still fires on a real crash print', async () => {
    const fillsBefore = rig.store.fills.since(Ledger.Paper, 0).length;
    const total = () => countBadData(rig.source.health().badData ?? {});
    const dropsBefore = total();
    const first = await pump();
    const second = await pump();
    expect(total(), 'clean data is not dropped').toBe(dropsBefore);
    expect(second.bookTop!.timestampMs, 'the book is fresh').toBeGreaterThan(first.bookTop!.timestampMs - 1);
    expect(second.bookTop!.asks[0]![0]).toBeGreaterThan(second.bookTop!.bids[0]![0]);
    expect(second.recentTrades?.length, 'trades still arrive').toBeGreaterThan(0);
    expect(second.markPrice?.markPrice, 'the mark arrives').toBeGreaterThan(0);
    expect(second.funding, 'funding arrives').toBeDefined();
    expect(Math.abs(second.book!.mid / rig.mid - 1)).toBeLessThan(0.05);
    // Control: the setup can fail. A genuine print through the stop (fed straight to the broker)
    // fires it at once, as a zero-price print did before the edge checks.
    const crash = rig.mid * 0.5;
    rig.broker.onTrades(rig.symbol, [{ symbol: rig.symbol, id: 'control-crash', timestampMs: rig.sim.nowMs(), price: crash, amount: 1, side: 'sell' }]);
    const legs = rig.store.fills.since(Ledger.Paper, 0).slice(fillsBefore);
    expect(legs.length, 'the stop fired and filled').toBeGreaterThan(0);
    expect(rig.broker.openOrders(rig.symbol).some((o) => o.type === 'stop_market'), 'the stop is no longer resting').toBe(false);
  });
});
