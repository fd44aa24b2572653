import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../sdk/src/core/clock.js';
import { CcxtMarketData, countBadData, MarketDataService, type MarketDataIssueReason, type MarketDataKind, type OrderFlowSnapshot } from '../../sdk/src/market/index.js';
import { createBlofinClient, startSimExchange, type MarketDataFaultKind, type MarketDataFaultMode, type SimExchange } from '../../sdk/src/sim/index.js';
import { Ledger, openStore, type Store } from '../../sdk/src/store/index.js';
import { PaperBroker, type BrokerEvent } from '../../sdk/src/trading/index.js';
import { entryRisk, permissiveRisk, tempDir } from '../../sdk/test/trading/helpers.js';
import { SIM_START_MS } from '../support/sim.js';

/**
 * Market-data chaos: SimExchange corrupts one public endpoint at a time (zero, negative, NaN,
 * infinite, crossed, stale, out-of-order records, each at a price that would trip the paper
 * orders below), ccxt's real `blofin` class reads it over loopback, and the order flow is fed to
 * a PaperBroker the way the trading bridge feeds it. The broker holds a long protected by a stop,
 * a resting buy limit and a resting take-profit limit, all far from the market: only garbage
 * can reach them. Every fault must be dropped and counted, and nothing may trigger or fill.
 */

/** Requests per fault before giving up waiting for the drop to be counted (each round is one read of each endpoint). */
const MAX_ROUNDS = 8;

interface Expectation {
  kind: MarketDataFaultKind;
  mode: MarketDataFaultMode;
  /** The counter the drop must show up in. */
  counter: { kind: MarketDataKind; reason: MarketDataIssueReason };
}

const CASES: Expectation[] = [
  { kind: 'trades', mode: 'zero', counter: { kind: 'trade', reason: 'non_positive' } },
  { kind: 'trades', mode: 'negative', counter: { kind: 'trade', reason: 'non_positive' } },
  { kind: 'trades', mode: 'nan', counter: { kind: 'trade', reason: 'unparseable' } },
  { kind: 'trades', mode: 'infinite', counter: { kind: 'trade', reason: 'non_finite' } },
  { kind: 'trades', mode: 'stale', counter: { kind: 'trade', reason: 'stale' } },
  { kind: 'trades', mode: 'out_of_order', counter: { kind: 'trade', reason: 'out_of_order' } },
  { kind: 'book', mode: 'zero', counter: { kind: 'bookLevel', reason: 'non_positive' } },
  { kind: 'book', mode: 'negative', counter: { kind: 'bookLevel', reason: 'non_positive' } },
  { kind: 'book', mode: 'nan', counter: { kind: 'bookLevel', reason: 'non_finite' } },
  { kind: 'book', mode: 'infinite', counter: { kind: 'bookLevel', reason: 'non_finite' } },
  { kind: 'book', mode: 'crossed', counter: { kind: 'book', reason: 'crossed' } },
  { kind: 'book', mode: 'stale', counter: { kind: 'book', reason: 'stale' } },
  { kind: 'book', mode: 'out_of_order', counter: { kind: 'book', reason: 'out_of_order' } },
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

const TICKER_CASES: Expectation[] = [
  // ccxt reads a zero last price as absent.
  { kind: 'ticker', mode: 'zero', counter: { kind: 'ticker', reason: 'non_finite' } },
  { kind: 'ticker', mode: 'negative', counter: { kind: 'ticker', reason: 'non_positive' } },
  { kind: 'ticker', mode: 'infinite', counter: { kind: 'ticker', reason: 'non_finite' } },
  { kind: 'ticker', mode: 'crossed', counter: { kind: 'ticker', reason: 'crossed' } },
  { kind: 'ticker', mode: 'stale', counter: { kind: 'ticker', reason: 'stale' } },
  { kind: 'ticker', mode: 'out_of_order', counter: { kind: 'ticker', reason: 'out_of_order' } },
];

describe('market-data chaos: garbage from the exchange never triggers or fills a paper order', () => {
  let sim: SimExchange;
  let source: CcxtMarketData;
  let service: MarketDataService;
  let store: Store;
  let dir: { dir: string; cleanup: () => void };
  let broker: PaperBroker;
  let symbol: string;
  let mid: number;
  const events: BrokerEvent[] = [];
  /** Every value handed to the broker, to prove none was garbage. */
  const fed: { what: string; value: number }[] = [];

  const bad = (c: Expectation['counter']) => countBadData(source.health().badData ?? {}, c);

  /** What the trading bridge does with a refresh, minus its trade watermark: every trade the source returns reaches the broker. */
  function feed(flow: OrderFlowSnapshot): void {
    if (flow.bookTop) {
      for (const [p, a] of [...flow.bookTop.bids, ...flow.bookTop.asks]) fed.push({ what: 'book price', value: p }, { what: 'book size', value: a });
      broker.onOrderBook(symbol, flow.bookTop);
    }
    if (flow.recentTrades?.length) {
      for (const t of flow.recentTrades) fed.push({ what: 'trade price', value: t.price }, { what: 'trade amount', value: t.amount });
      broker.onTrades(symbol, flow.recentTrades);
    }
    const mark = flow.markPrice?.markPrice ?? flow.book?.mid;
    if (mark !== undefined) {
      fed.push({ what: 'mark', value: mark });
      broker.onMarkPrice(symbol, mark, flow.updatedAtMs);
    }
    if (flow.funding?.nextFundingTimeMs !== undefined) broker.onFunding(symbol, flow.funding.rate, flow.funding.nextFundingTimeMs, mark);
  }

  async function pump(): Promise<OrderFlowSnapshot> {
    const flow = await service.refreshOrderFlow(symbol);
    feed(flow);
    return flow;
  }

  beforeAll(async () => {
    dir = tempDir('perpscope-chaos-');
    store = openStore({ home: dir.dir });
    sim = await startSimExchange({ port: 0, symbols: 3, seed: 19, historyBars: 10, startTimeMs: SIM_START_MS, acceleration: 1 });
    const clock = new SystemClock();
    source = new CcxtMarketData({ exchange: createBlofinClient(sim, { timeout: 5_000 }), clock });
    service = new MarketDataService({ source, clock, timeframes: [], live: false, universeRefreshMs: 0, healthIntervalMs: 0, bookDepth: 20 });
    const markets = await source.loadMarkets();
    symbol = markets[0]!.symbol;
    const spec = markets[0]!;
    broker = new PaperBroker({
      store,
      clock,
      risk: permissiveRisk(clock, { gates: { maxExposureUsd: 1e13 }, sizing: { fixedNotionalUsd: 1e12 } }),
      exchange: 'blofin',
      market: () => ({ makerFee: spec.makerFee, takerFee: spec.takerFee }),
    });
    await broker.start();
    // Two clean reads: the book and marks are known, and every cursor exists.
    await pump();
    const flow = await pump();
    expect(flow.bookTop, 'a clean book before any fault').toBeDefined();
    mid = flow.book!.mid;
    const size = Math.min(flow.bookTop!.asks[0]![1], flow.bookTop!.bids[0]![1]) / 4;
    const entry = await broker.placeOrder({ symbol, side: 'buy', type: 'market', amountBase: size, tradeId: 'chaos', leg: 'entry', risk: entryRisk(symbol, 'long', mid) });
    expect(entry.state).toBe('FILLED');
    // Far from the market: half the price (what every garbage record carries) crosses them all;
    // the real market does not move 30 % in the seconds this test runs.
    const stop = await broker.placeOrder({ symbol, side: 'sell', type: 'stop_market', amountBase: size, triggerPrice: mid * 0.7, reduceOnly: true, tradeId: 'chaos', leg: 'sl' });
    const dip = await broker.placeOrder({ symbol, side: 'buy', type: 'limit', amountBase: size, price: mid * 0.7, tradeId: 'chaos-dip', leg: 'entry', risk: entryRisk(symbol, 'long', mid * 0.7) });
    const tp = await broker.placeOrder({ symbol, side: 'sell', type: 'limit', amountBase: size, price: mid * 1.5, reduceOnly: true, tradeId: 'chaos', leg: 'tp1' });
    expect([stop.state, dip.state, tp.state], 'all three resting').toEqual(['ACK', 'ACK', 'ACK']);
    broker.on((e) => events.push(e));
  });

  afterAll(async () => {
    await source?.close();
    await sim?.stop();
    store?.close();
    dir?.cleanup();
  });

  function assertNothingTraded(label: string): void {
    expect(events.filter((e) => e.type !== 'position' || e.position === null), `${label}: no order event, fill or closed position`).toEqual([]);
    expect(store.fills.since(Ledger.Paper, 0).length, `${label}: only the entry fill`).toBe(1);
    const open = broker.openOrders(symbol);
    expect(open.map((o) => `${o.type}:${o.side}:${o.state}:${o.filledBase}`).sort(), `${label}: the resting orders are untouched`).toEqual([
      'limit:buy:ACK:0',
      'limit:sell:ACK:0',
      'stop_market:sell:ACK:0',
    ]);
    const garbage = fed.filter((f) => !(Number.isFinite(f.value) && f.value > 0));
    expect(garbage, `${label}: nothing non-finite or non-positive reached the broker`).toEqual([]);
    const far = fed.filter((f) => f.what !== 'book size' && f.what !== 'trade amount' && Math.abs(f.value / mid - 1) > 0.2);
    expect(far, `${label}: no price half the market reached the broker`).toEqual([]);
  }

  it.each(CASES)('$kind $mode: dropped, counted as $counter.kind/$counter.reason, and nothing trades', async (c) => {
    const before = bad(c.counter);
    sim.faults.corruptMarketData({ kind: c.kind, mode: c.mode });
    try {
      for (let round = 0; round < MAX_ROUNDS && bad(c.counter) === before; round++) await pump();
    } finally {
      sim.faults.corruptMarketData({ kind: c.kind, mode: null });
    }
    assertNothingTraded(`${c.kind} ${c.mode}`);
    expect(bad(c.counter), 'the drop is counted in market health').toBeGreaterThan(before);
    expect(service.health().badData[c.counter.kind]?.[c.counter.reason], 'and shows in the health snapshot').toBe(bad(c.counter));
  });

  it('a market order placed while the book is garbage fills at the last good book, never at the garbage', async () => {
    for (const mode of ['zero', 'negative', 'crossed', 'stale'] as const) {
      const before = bad(mode === 'zero' || mode === 'negative' ? { kind: 'bookLevel', reason: 'non_positive' } : { kind: 'book', reason: mode });
      sim.faults.corruptMarketData({ kind: 'book', mode });
      try {
        const flow = await pump();
        expect(bad(mode === 'zero' || mode === 'negative' ? { kind: 'bookLevel', reason: 'non_positive' } : { kind: 'book', reason: mode })).toBeGreaterThan(before);
        const top = flow.bookTop!;
        expect(top.asks[0]![0], `${mode}: the book fed is sane`).toBeGreaterThan(top.bids[0]![0]);
        const amount = top.asks[0]![1] / 10;
        const order = await broker.placeOrder({ symbol, side: 'buy', type: 'market', amountBase: amount, tradeId: `chaos-${mode}`, leg: 'entry', risk: entryRisk(symbol, 'long', mid) });
        expect(order.state).toBe('FILLED');
        expect(Math.abs(order.avgFillPrice! / mid - 1), `${mode}: filled near the real market`).toBeLessThan(0.05);
      } finally {
        sim.faults.corruptMarketData({ kind: 'book', mode: null });
      }
    }
  });

  it.each(TICKER_CASES)('ticker $mode: dropped and counted; the universe keeps the last good ticker', async (c) => {
    const clean = (await source.fetchTickers()).get(symbol)!;
    expect(clean.last).toBeGreaterThan(0);
    const before = bad(c.counter);
    sim.faults.corruptMarketData({ kind: 'ticker', mode: c.mode });
    let tickers;
    try {
      tickers = await source.fetchTickers();
    } finally {
      sim.faults.corruptMarketData({ kind: 'ticker', mode: null });
    }
    expect(bad(c.counter), 'one drop per corrupted symbol').toBeGreaterThanOrEqual(before + 1);
    expect(tickers.get(symbol), 'the last good ticker stands in').toEqual(clean);
    for (const t of tickers.values()) {
      expect(Number.isFinite(t.last) && t.last > 0, `${t.symbol} last`).toBe(true);
      if (t.bid !== undefined && t.ask !== undefined) expect(t.bid).toBeLessThan(t.ask);
    }
  });

  it('the sim refuses a fault mode that does not apply to the kind, naming what it expected; reset clears every mode', async () => {
    expect(() => sim.faults.corruptMarketData({ kind: 'trades', mode: 'crossed' })).toThrow(/corruptMarketData\.mode: got crossed for trades, expected one of zero, negative/);
    expect(() => sim.faults.corruptMarketData({ kind: 'candles' as never, mode: 'zero' })).toThrow(/corruptMarketData\.kind: got candles, expected one of trades, book/);
    const before = bad({ kind: 'markPrice', reason: 'non_positive' });
    sim.faults.corruptMarketData({ kind: 'markPrice', mode: 'zero' });
    sim.faults.reset();
    await expect(source.fetchMarkPrice(symbol)).resolves.toMatchObject({ symbol });
    expect(bad({ kind: 'markPrice', reason: 'non_positive' }), 'reset cleared the fault').toBe(before);
  });

  it('ticker nan: ccxt cannot parse the answer; the read fails, is counted, and the next clean read works', async () => {
    const before = bad({ kind: 'ticker', reason: 'unparseable' });
    sim.faults.corruptMarketData({ kind: 'ticker', mode: 'nan' });
    try {
      await expect(source.fetchTickers()).rejects.toMatchObject({ code: 'INTERNAL' });
    } finally {
      sim.faults.corruptMarketData({ kind: 'ticker', mode: null });
    }
    expect(bad({ kind: 'ticker', reason: 'unparseable' })).toBe(before + 1);
    expect((await source.fetchTickers()).get(symbol)?.last).toBeGreaterThan(0);
  });

  it('with the faults off, valid data flows again and drops stop; the same broker still fires on a real crash print', async () => {
    const fillsBefore = store.fills.since(Ledger.Paper, 0).length;
    const total = () => countBadData(source.health().badData ?? {});
    const dropsBefore = total();
    const first = await pump();
    const second = await pump();
    expect(total(), 'clean data is not dropped').toBe(dropsBefore);
    expect(second.bookTop!.timestampMs, 'the book is fresh').toBeGreaterThan(first.bookTop!.timestampMs - 1);
    expect(second.bookTop!.asks[0]![0]).toBeGreaterThan(second.bookTop!.bids[0]![0]);
    expect(second.recentTrades?.length, 'trades still arrive').toBeGreaterThan(0);
    expect(second.markPrice?.markPrice, 'the mark arrives').toBeGreaterThan(0);
    expect(second.funding, 'funding arrives').toBeDefined();
    expect(Math.abs(second.book!.mid / mid - 1)).toBeLessThan(0.05);
    // Control: the setup can fail. A genuine print through the stop (fed straight to the broker)
    // fires it at once, as a zero-price print did before the edge checks.
    const crash = mid * 0.5;
    broker.onTrades(symbol, [{ symbol, id: 'control-crash', timestampMs: second.updatedAtMs, price: crash, amount: 1, side: 'sell' }]);
    const legs = store.fills.since(Ledger.Paper, 0).slice(fillsBefore);
    expect(legs.length, 'the stop fired and filled').toBeGreaterThan(0);
    expect(broker.openOrders(symbol).some((o) => o.type === 'stop_market'), 'the stop is no longer resting').toBe(false);
  });
});
