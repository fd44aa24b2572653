import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runRun } from '../../src/cli/commands/run.js';
import type { Engine } from '../../src/engine/createEngine.js';
import { SystemClock } from '../../src/core/clock.js';
import { liveExchangeClient, SIM_TEST_API_KEY } from '../../src/index.js';
import { RiskConfigSchema, type RiskOrderRequest } from '../../src/risk/index.js';
import { startSimExchange, type SimDialectName } from '../../src/sim/index.js';
import { openStore } from '../../src/store/index.js';
import { BinanceUsdmGateway, BybitGateway, createTradingStack, HtxGateway, type CcxtBroker, type PaperBroker, type TradingStack } from '../../src/trading/index.js';
import { captureIo } from './testIo.js';
import { SIM_START_MS, until as waitUntil } from '../../../test/support/sim.js';

const home = () => mkdtempSync(join(tmpdir(), 'perpscope-run-dialect-'));
const ENV = { PERPSCOPE_SIM__SYMBOLS: '4', PERPSCOPE_TIMEFRAMES: '1m', PERPSCOPE_SIM__RATE_LIMIT_SCALE: '20', PERPSCOPE_BACKFILL_BARS: '60', PERPSCOPE_UNIVERSE__MIN_QUOTE_VOLUME_USD: '0' };
const SYMBOL = 'ETH/USDT:USDT';

/** What each non-BloFin dialect is recognised by: its REST path prefixes, its order gateway and the POSTs a protected entry makes. */
const DIALECTS: readonly { dialect: Exclude<SimDialectName, 'blofin'>; prefixes: readonly string[]; gateway: abstract new (...args: never[]) => unknown; posts: readonly string[] }[] = [
  { dialect: 'binanceusdm', prefixes: ['/fapi/', '/futures/'], gateway: BinanceUsdmGateway, posts: ['/fapi/v1/order', '/fapi/v1/algoOrder', '/fapi/v1/leverage'] },
  { dialect: 'bybit', prefixes: ['/v5/'], gateway: BybitGateway, posts: ['/v5/order/create', '/v5/position/set-leverage'] },
  { dialect: 'htx', prefixes: ['/linear-swap-api/', '/linear-swap-ex/', '/v5/', '/api/v1/', '/v2/reference/'], gateway: HtxGateway, posts: ['/v5/trade/order', '/v5/algo/order', '/v5/position/lever'] },
];

/** Runs `perpscope run --paper --sim --exchange <dialect>` until `body` is done with the started engine and trading stack. */
async function withPaperRun(dialect: string, body: (engine: Engine, stack: TradingStack) => Promise<void>): Promise<string[]> {
  const io = captureIo(false);
  let stop!: () => void;
  const until = new Promise<void>((r) => (stop = r));
  let engine: Engine | undefined;
  let stack: TradingStack | undefined;
  let failed: unknown = null;
  const running = runRun(
    { paper: true, sim: true, exchange: dialect, label: 'default', home: home(), seed: 11, startMs: Date.UTC(2025, 0, 6) },
    { ...io, env: ENV },
    { until, onEngine: (e) => (engine = e), onTrading: (s) => (stack = s) },
  ).catch((err: unknown) => {
    failed = err;
  });
  try {
    await waitUntil('the trading stack', () => {
      if (failed) throw failed as Error;
      return stack ?? null;
    }, 45_000);
    await body(engine!, stack!);
  } finally {
    stop();
    await running;
  }
  return io.lines;
}

describe.each(DIALECTS)('perpscope run --sim --exchange $dialect', ({ dialect, prefixes, gateway, posts }) => {
  const ownPath = (path: string) => prefixes.some((p) => path.startsWith(p));

  it('--paper runs on the dialect: rows kept under its exchange id, a paper order fills at that sim\'s book, nothing signed', async () => {
    await withPaperRun(dialect, async (engine, stack) => {
      const sim = engine.sim()!;
      expect(sim.dialect).toBe(dialect);
      expect(stack.broker.exchange).toBe(dialect);
      const book = await waitUntil(`a two-sided book of the ${dialect} sim`, () => {
        const b = engine.orderFlow(SYMBOL)?.bookTop;
        return b && b.bids.length > 0 && b.asks.length > 0 ? b : null;
      });
      const ask = book.asks[0]![0];
      const px = (book.bids[0]![0] + ask) / 2;
      // What the run's bridge does before a manual order: the sim's book goes to the paper broker.
      (stack.broker as PaperBroker).onOrderBook(SYMBOL, book);
      const order = await stack.broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: 0.01, tradeId: `run${dialect}paper`, leg: 'entry', risk: entryRisk(px) });
      const filled = await waitUntil('the paper fill', () => (stack.broker.openOrders(SYMBOL).some((o) => o.clientOrderId === order.clientOrderId) ? null : true));
      expect(filled).toBe(true);
      const position = (await stack.broker.fetchPositions()).find((p) => p.symbol === SYMBOL);
      expect(position?.side).toBe('long');
      // Priced by this sim's book: within a few ticks of its ask when the order went out.
      expect(Math.abs((position?.entryPrice ?? 0) - ask) / ask).toBeLessThan(0.01);
      const log = sim.requestLog();
      expect(log.length).toBeGreaterThan(0);
      expect(log.filter((r) => !ownPath(r.path)).map((r) => r.path), `${dialect} paths only`).toEqual([]);
      expect(log.some((r) => r.method === 'POST'), 'paper places nothing on the exchange').toBe(false);
    });
  });

  it('live trading stack on its sim, signed with the sim key: the dialect\'s gateway places an entry and a conditional stop, and panic flattens it', async () => {
    const dir = home();
    const sim = await startSimExchange({ dialect, symbols: 4, seed: 11, startTimeMs: SIM_START_MS, acceleration: 1, apiKey: { ...SIM_TEST_API_KEY }, initialBalanceUsdt: 100_000, rateLimitScale: 20 });
    const store = openStore({ home: dir });
    const clock = new SystemClock();
    // The client `trade.live` and the desktop host build on the sim: the dialect's ccxt class, the sim's key.
    const exchange = await liveExchangeClient(dialect, { ...SIM_TEST_API_KEY }, sim, 5_000);
    try {
      const stack = createTradingStack({ mode: 'live', store, clock, risk: RiskConfigSchema.parse({ gates: { minScore: 0, minProbability: 0, minQuoteVolume24hUsd: 0, cooldownMs: 0, dailyLossLimitPct: null, maxManipScore: null }, sizing: { mode: 'fixed', fixedNotionalUsd: 150, leverage: 3, minMarginUsd: 0 } }), exchangeId: dialect, exchange, home: dir });
      const broker = stack.broker as CcxtBroker;
      expect(broker.gateway).toBeInstanceOf(gateway);
      await broker.start();
      const book = await exchange.fetchOrderBook(SYMBOL, 5);
      const px = (book.bids[0]![0]! + book.asks[0]![0]!) / 2;
      const tradeId = `run${dialect}1`;
      const entry = await broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: 0.03, tradeId, leg: 'entry', risk: entryRisk(px) });
      expect(entry.state, entry.lastError ?? '').toBe('FILLED');
      const stop = await broker.placeOrder({ symbol: SYMBOL, side: 'sell', type: 'stop_market', triggerPrice: Number(exchange.priceToPrecision(SYMBOL, px * 0.8)), amountBase: entry.filledBase, reduceOnly: true, purpose: 'stop_loss', tradeId, leg: 'sl' });
      expect(stop.state, stop.lastError ?? '').toBe('ACK');
      const core = sim.source.markets().find((m) => m.symbol === SYMBOL)!;
      const snap = sim.accountSnapshot();
      expect(snap.positions.find((p) => p.instId === core.id), 'the sim account holds the position').toBeDefined();
      expect(snap.triggers.filter((t) => t.state === 'live'), 'and the stop as a working trigger').toHaveLength(1);
      const paths = sim.requestLog().filter((r) => r.method === 'POST').map((r) => r.path);
      expect(paths).toEqual(expect.arrayContaining([...posts]));

      const report = await stack.autoTrader.panic();
      expect(report.failures, JSON.stringify(report.failures)).toEqual([]);
      expect(report.closed.length, 'the position closed').toBe(1);
      expect(stack.killSwitch.isOn(), 'panic leaves the kill switch on').toBe(true);
      const after = sim.accountSnapshot();
      expect(after.positions.find((p) => p.instId === core.id), 'flat after the panic').toBeUndefined();
      expect(after.triggers.filter((t) => t.state === 'live'), 'and no stop left working').toEqual([]);
      await broker.stop();
    } finally {
      await exchange.close();
      await sim.stop();
      store.close();
    }
  });
});

describe('perpscope run --sim on another exchange', () => {
  it('--live on the sim is refused whatever the dialect: the sim has no real money', async () => {
    const io = captureIo(false);
    await expect(runRun({ live: true, confirmLive: true, sim: true, exchange: 'binanceusdm', label: 'default', home: home() }, { ...io, env: ENV })).rejects.toThrow(/mode.*paper when exchange is sim/s);
  });

  it('an exchange the sim cannot speak is refused, naming the ones it can', async () => {
    const io = captureIo(false);
    await expect(runRun({ paper: true, sim: true, exchange: 'kraken', label: 'default', home: home() }, { ...io, env: ENV })).rejects.toThrow(/blofin, binanceusdm, bybit or htx/);
  });
});

/** The risk context of a manual long entry at `price`. */
function entryRisk(price: number): RiskOrderRequest {
  return { symbol: SYMBOL, side: 'long', score: 10, probability: 0.9, manipScore: null, quoteVolume24hUsd: 1e9, entryPrice: price, atr: price * 0.01 };
}
