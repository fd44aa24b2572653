import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPanic } from '../../src/cli/commands/panic.js';
import { SystemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { loadConfig } from '../../src/config/index.js';
import { resolveSource } from '../../src/engine/index.js';
import { openStore } from '../../src/store/index.js';
import { createTradingStack, type PaperBroker } from '../../src/trading/index.js';
import { captureIo } from './testIo.js';

const SYMBOL = 'ETH/USDT:USDT';

describe('perpscope panic (paper ledger)', () => {
  it('turns the kill switch on and closes an open position reduce-only, persisted for the next process', async () => {
    const home = mkdtempSync(join(tmpdir(), 'perpscope-panic-'));
    const env = { PERPSCOPE_SIM__SYMBOLS: '5' };
    const config = loadConfig({ env, options: { exchange: 'sim', home, risk: { gates: { minScore: 0, minProbability: 0, minQuoteVolume24hUsd: 0, maxExposureUsd: 1e6 }, sizing: { mode: 'fixed', fixedNotionalUsd: 1_000, minMarginUsd: 0 } } } });
    const clock = new SystemClock();
    // Open a paper position the way `perpscope run` would, in a "previous process".
    const resolved = await resolveSource(config, {}, clock, silentLogger);
    const store = openStore({ home });
    try {
      const markets = await resolved.source.loadMarkets();
      const fees = new Map(markets.map((m) => [m.symbol, { makerFee: m.makerFee, takerFee: m.takerFee }]));
      const stack = createTradingStack({ mode: 'paper', store, clock, risk: config.risk, exchangeId: 'blofin', home, paperMarket: (s) => fees.get(s) });
      const paper = stack.broker as PaperBroker;
      const book = await resolved.source.fetchOrderBook(SYMBOL, 50);
      paper.onOrderBook(SYMBOL, book);
      const price = book.asks[0]![0];
      await paper.placeOrder({
        symbol: SYMBOL,
        side: 'buy',
        type: 'market',
        amountBase: 0.1,
        tradeId: 'manual-1',
        leg: 'entry',
        risk: { symbol: SYMBOL, side: 'long', score: 10, probability: 0.9, manipScore: null, quoteVolume24hUsd: 1e9, entryPrice: price, atr: price * 0.01 },
      });
      expect((await paper.fetchPositions()).map((p) => p.symbol)).toEqual([SYMBOL]);
    } finally {
      store.close();
      await resolved.source.close();
      await resolved.sim?.stop();
    }

    const io = captureIo(false);
    const report = await runPanic({ sim: true, home }, { ...io, env });
    expect(report.closed, 'the position was closed').toEqual([SYMBOL]);
    expect(report.failures).toEqual([]);
    expect(JSON.parse(io.lines[0]!)).toMatchObject({ type: 'panic', killSwitch: true, closed: [SYMBOL] });

    const after = openStore({ home });
    try {
      const stack = createTradingStack({ mode: 'paper', store: after, clock, risk: config.risk, exchangeId: 'blofin', home, paperMarket: () => ({ makerFee: 0.0002, takerFee: 0.0006 }) });
      expect(await stack.broker.fetchPositions(), 'no position after a restart').toEqual([]);
      expect(stack.killSwitch.state().on, 'the kill switch survives a restart').toBe(true);
    } finally {
      after.close();
    }
  });
});

describe('perpscope panic --sim --exchange (the paper ledger of a sim speaking another exchange)', () => {
  it('closes the position `run --sim --exchange bybit` keeps under bybit, against a sim speaking Bybit', async () => {
    const home = mkdtempSync(join(tmpdir(), 'perpscope-panic-bybit-'));
    const env = { PERPSCOPE_SIM__SYMBOLS: '5' };
    const config = loadConfig({ env, options: { exchange: 'sim', home, risk: { gates: { minScore: 0, minProbability: 0, minQuoteVolume24hUsd: 0, maxExposureUsd: 1e6 }, sizing: { mode: 'fixed', fixedNotionalUsd: 1_000, minMarginUsd: 0 } } } });
    const clock = new SystemClock();
    // The rows a previous `run --sim --exchange bybit` left: kept under the exchange the sim speaks for.
    const resolved = await resolveSource(config, { simDialect: 'bybit' }, clock, silentLogger);
    const store = openStore({ home });
    try {
      const markets = await resolved.source.loadMarkets();
      const fees = new Map(markets.map((m) => [m.symbol, { makerFee: m.makerFee, takerFee: m.takerFee }]));
      const paper = createTradingStack({ mode: 'paper', store, clock, risk: config.risk, exchangeId: 'bybit', home, paperMarket: (s) => fees.get(s) }).broker as PaperBroker;
      const book = await resolved.source.fetchOrderBook(SYMBOL, 50);
      paper.onOrderBook(SYMBOL, book);
      const price = book.asks[0]![0];
      const risk = { symbol: SYMBOL, side: 'long' as const, score: 10, probability: 0.9, manipScore: null, quoteVolume24hUsd: 1e9, entryPrice: price, atr: price * 0.01 };
      await paper.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: 0.1, tradeId: 'manual-1', leg: 'entry', risk });
      expect((await paper.fetchPositions()).map((p) => p.symbol)).toEqual([SYMBOL]);
    } finally {
      store.close();
      await resolved.source.close();
      await resolved.sim?.stop();
    }

    const report = await runPanic({ sim: true, exchange: 'bybit', home }, { ...captureIo(false), env });
    expect(report.closed, 'the bybit row was found and closed').toEqual([SYMBOL]);
    expect(report.failures).toEqual([]);
    await expect(runPanic({ sim: true, exchange: 'kraken', home }, { ...captureIo(false), env }), 'an exchange the sim cannot speak').rejects.toThrow(/got "kraken", expected with --sim, an exchange SimExchange speaks/);
  });
});
