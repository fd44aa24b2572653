import { expect } from 'vitest';
import { SystemClock } from '../../sdk/src/core/clock.js';
import type { Logger } from '../../sdk/src/core/logger.js';
import { limitsForExchange, scaleLimits } from '../../sdk/src/market/exchangeLimits.js';
import { acceleratedClock, CcxtMarketData, countBadData, MarketDataService, type MarketDataIssueReason, type MarketDataKind, type OrderFlowSnapshot } from '../../sdk/src/market/index.js';
import { createBlofinClient, startSimExchange, type MarketDataFaultKind, type MarketDataFaultMode, type SimExchange } from '../../sdk/src/sim/index.js';
import { Ledger, openStore, type Store } from '../../sdk/src/store/index.js';
import { PaperBroker, type BrokerEvent } from '../../sdk/src/trading/index.js';
import { entryRisk, permissiveRisk, tempDir } from '../../sdk/test/trading/helpers.js';
import { SIM_START_MS } from './sim.js';

/**
 * The market-data chaos rig (RELIABILITY 31): SimExchange corrupts one kind of public data at a
 * time (zero, negative, NaN, infinite, crossed, stale, out-of-order records, each at a price that
 * would trip the paper orders below), ccxt's real `blofin` class reads it over loopback, and the
 * order flow is fed to a PaperBroker the way the trading bridge feeds it. The broker holds a long
 * protected by a stop, a resting buy limit and a resting take-profit limit, all far from the
 * market: only garbage can reach them. `transport` picks how the book and trades arrive: REST
 * reads only, or BloFin's websocket streams as the engine reads them (REST then serves only the
 * mark and funding, and the fallback while a stream is stale).
 */

export interface ChaosExpectation {
  kind: MarketDataFaultKind;
  mode: MarketDataFaultMode;
  /** The counter the drop must show up in. */
  counter: { kind: MarketDataKind; reason: MarketDataIssueReason };
}

export const BOOK_AND_TRADE_CASES: ChaosExpectation[] = [
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
];

export type ChaosTransport = 'rest' | 'stream';

export interface ChaosRig {
  sim: SimExchange;
  source: CcxtMarketData;
  service: MarketDataService;
  store: Store;
  broker: PaperBroker;
  symbol: string;
  /** The mid when the orders were placed. */
  mid: number;
  /** Broker events since the resting orders were placed. */
  events: BrokerEvent[];
  /** The operation of every read that dropped something (`fetchOrderBook`, `watchTrades`, ...), in order. */
  dropsBy: string[];
  /** The drops counted so far under `counter`. */
  bad(counter: ChaosExpectation['counter']): number;
  /** One order-flow refresh, fed to the broker. */
  pump(): Promise<OrderFlowSnapshot>;
  /** Nothing traded, nothing garbage and nothing half the market reached the broker. */
  assertNothingTraded(label: string): void;
  stop(): Promise<void>;
}

/** The sim's and the client's request budgets are scaled alike: the stream rig refreshes far more often than the engine's order-flow loop. */
const STREAM_RATE_SCALE = 10;

export async function startChaosRig(transport: ChaosTransport): Promise<ChaosRig> {
  const dir = tempDir('perpscope-chaos-');
  const store = openStore({ home: dir.dir });
  const streams = transport === 'stream';
  const sim = await startSimExchange({ port: 0, symbols: 3, seed: 19, historyBars: 10, startTimeMs: SIM_START_MS, acceleration: 1, ...(streams ? { pushIntervalMs: 100, rateLimitScale: STREAM_RATE_SCALE } : {}) });
  const clock = new SystemClock();
  const dropsBy: string[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (fields, msg) => {
      if (msg === 'bad market data dropped') dropsBy.push(String(fields.operation));
    },
    error: () => undefined,
    child: () => logger,
  };
  const exchange = createBlofinClient(sim, { timeout: 5_000 });
  const limits = limitsForExchange(exchange);
  const source = new CcxtMarketData({
    exchange,
    clock,
    logger,
    limits: streams ? scaleLimits(limits, STREAM_RATE_SCALE) : { ...limits, capabilities: { ...limits.capabilities, streamOrderFlow: false } },
    // A stream ccxt failed (a "NaN" trade) resubscribes within a few pushes, not the engine's seconds.
    ...(streams ? { backoff: { baseMs: 50, maxMs: 200 } } : {}),
  });
  expect(source.limits.capabilities.streamOrderFlow ?? false, 'the transport under test').toBe(streams);
  const service = new MarketDataService({ source, clock, timeframes: [], live: false, universeRefreshMs: 0, healthIntervalMs: 0, bookDepth: 20 });
  const markets = await source.loadMarkets();
  const spec = markets[0]!;
  const symbol = spec.symbol;
  // The trading side runs on the sim's clock, as `run --paper --sim` gives it: orders and funding
  // are dated in the market's time, like the prints.
  const tradingClock = acceleratedClock(() => sim.nowMs(), 1);
  const broker = new PaperBroker({
    store,
    clock: tradingClock,
    risk: permissiveRisk(tradingClock, { gates: { maxExposureUsd: 1e13 }, sizing: { fixedNotionalUsd: 1e12 } }),
    exchange: 'blofin',
    market: () => ({ makerFee: spec.makerFee, takerFee: spec.takerFee }),
  });
  await broker.start();
  /** Every value handed to the broker, to prove none was garbage. */
  const fed: { what: string; value: number }[] = [];

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

  // Two clean reads: the book and marks are known, and every cursor exists.
  await pump();
  const flow = await pump();
  expect(flow.bookTop, 'a clean book before any fault').toBeDefined();
  const mid = flow.book!.mid;
  const size = Math.min(flow.bookTop!.asks[0]![1], flow.bookTop!.bids[0]![1]) / 4;
  const entry = await broker.placeOrder({ symbol, side: 'buy', type: 'market', amountBase: size, tradeId: 'chaos', leg: 'entry', risk: entryRisk(symbol, 'long', mid) });
  expect(entry.state).toBe('FILLED');
  // Far from the market: half the price (what every garbage record carries) crosses them all;
  // the real market does not move 30 % in the seconds this test runs.
  const stop = await broker.placeOrder({ symbol, side: 'sell', type: 'stop_market', amountBase: size, triggerPrice: mid * 0.7, reduceOnly: true, tradeId: 'chaos', leg: 'sl' });
  const dip = await broker.placeOrder({ symbol, side: 'buy', type: 'limit', amountBase: size, price: mid * 0.7, tradeId: 'chaos-dip', leg: 'entry', risk: entryRisk(symbol, 'long', mid * 0.7) });
  const tp = await broker.placeOrder({ symbol, side: 'sell', type: 'limit', amountBase: size, price: mid * 1.5, reduceOnly: true, tradeId: 'chaos', leg: 'tp1' });
  expect([stop.state, dip.state, tp.state], 'all three resting').toEqual(['ACK', 'ACK', 'ACK']);
  const events: BrokerEvent[] = [];
  broker.on((e) => events.push(e));

  return {
    sim,
    source,
    service,
    store,
    broker,
    symbol,
    mid,
    events,
    dropsBy,
    bad: (c) => countBadData(source.health().badData ?? {}, c),
    pump,
    assertNothingTraded(label: string): void {
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
    },
    async stop(): Promise<void> {
      await source.close();
      await sim.stop();
      store.close();
      dir.cleanup();
    },
  };
}
