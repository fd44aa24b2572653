import { SystemClock } from '../../core/clock.js';
import { ConfigError } from '../../core/errors.js';
import { silentLogger } from '../../core/logger.js';
import { resolveSource } from '../../engine/index.js';
import { openStore } from '../../store/index.js';
import { createTradingStack, panic, type PaperBroker, type PanicReport } from '../../trading/index.js';
import type { CliIo } from '../io.js';
import { loadCliConfig } from '../loadCliConfig.js';
import type { GlobalOptions } from '../program.js';

export interface PanicCliOptions extends GlobalOptions {
  cancel?: boolean;
  close?: boolean;
  all?: boolean;
  symbols?: string[];
  exchange?: string;
  sim?: boolean;
}

/**
 * `perpscope panic`: turns the kill switch on (persisted, so a running `perpscope run` stops
 * opening trades at once), then cancels open orders and closes positions reduce-only on the
 * paper ledger. The paper broker closes against a fresh order book fetched from the exchange's
 * public API. Live panic needs the running trader's exchange session and goes through the
 * desktop app or `perpscope serve`.
 */
export async function runPanic(opts: PanicCliOptions, io: CliIo): Promise<PanicReport> {
  const { config, home } = loadCliConfig(opts, io.env, opts.sim ? { exchange: 'sim' } : opts.exchange ? { exchange: opts.exchange } : {});
  if (config.mode === 'live') {
    throw new ConfigError([{ path: 'mode', received: '"live"', expected: 'paper: for live positions use the panic control of the running app or `perpscope serve` (emergency.panic)' }]);
  }
  const both = opts.all === true || (!opts.cancel && !opts.close);
  const cancel = both || opts.cancel === true;
  const close = both || opts.close === true;
  const clock = new SystemClock();
  const store = openStore({ home });
  const resolved = await resolveSource(config, {}, clock, silentLogger);
  try {
    const markets = await resolved.source.loadMarkets();
    const fees = new Map(markets.map((m) => [m.symbol, { makerFee: m.makerFee, takerFee: m.takerFee }]));
    const exchangeId = resolved.sim ? 'blofin' : config.exchange;
    const stack = createTradingStack({ mode: 'paper', store, clock, risk: config.risk, exchangeId, home, paperMarket: (s) => fees.get(s) });
    const paper = stack.broker as PaperBroker;
    const positions = await paper.fetchPositions();
    const symbols = new Set([...positions.map((p) => p.symbol), ...paper.openOrders().map((o) => o.symbol)]);
    for (const symbol of symbols) {
      if (opts.symbols?.length && !opts.symbols.includes(symbol)) continue;
      const book = await resolved.source.fetchOrderBook(symbol, 50);
      paper.onOrderBook(symbol, book);
    }
    const report = await panic({ broker: paper, store, clock, killSwitch: stack.killSwitch }, { cancel, close, ...(opts.symbols?.length ? { symbols: opts.symbols } : {}) });
    io.out(
      io.isTTY
        ? `kill switch ON; cancelled ${report.cancelled.length} order(s), closed ${report.closed.length} position(s)${report.failures.length ? `; ${report.failures.length} failure(s): ${report.failures.map((f) => `${f.target}: ${f.error}`).join('; ')}` : ''}`
        : JSON.stringify({ type: 'panic', killSwitch: true, ...report }),
    );
    return report;
  } finally {
    await resolved.source.close();
    await resolved.sim?.stop();
    store.close();
  }
}
