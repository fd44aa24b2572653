import { SystemClock } from '../../core/clock.js';
import { ConfigError } from '../../core/errors.js';
import { silentLogger } from '../../core/logger.js';
import { resolveSource } from '../../engine/index.js';
import { openStore } from '../../store/index.js';
import type { Exchange } from 'ccxt';
import type { PerpscopeConfig } from '../../config/index.js';
import { createCcxtExchange } from '../../engine/exchangeClient.js';
import { createKeytarSecretStore, type SecretStore } from '../../secrets/index.js';
import { createTradingStack, panic, type PaperBroker, type PanicOptions, type PanicReport } from '../../trading/index.js';
import type { CliIo } from '../io.js';
import { loadCliConfig } from '../loadCliConfig.js';
import type { GlobalOptions } from '../program.js';

export interface PanicDeps {
  secrets?: SecretStore;
  /** The live exchange client (tests point it at a SimExchange); by default built from the stored key. */
  exchange?: Exchange;
}

export interface PanicCliOptions extends GlobalOptions {
  /** Act on the live ledger and the exchange account (default: the configured mode). */
  live?: boolean;
  label?: string;
  cancel?: boolean;
  close?: boolean;
  all?: boolean;
  symbols?: string[];
  exchange?: string;
  sim?: boolean;
}

function printReport(io: CliIo, report: PanicReport, ledger: string): void {
  io.out(
    io.isTTY
      ? `kill switch ON; ${ledger}: cancelled ${report.cancelled.length} order(s), closed ${report.closed.length} position(s)${report.failures.length ? `; ${report.failures.length} failure(s): ${report.failures.map((f) => `${f.target}: ${f.error}`).join('; ')}` : ''}`
      : JSON.stringify({ type: 'panic', ledger, killSwitch: true, ...report }),
  );
}

/**
 * Live panic: reconciles the ledger with the exchange first (so orders and positions opened by a
 * crashed or still-running trader are known), then cancels and closes reduce-only on the exchange.
 */
async function livePanic(config: PerpscopeConfig, home: string, opts: PanicOptions, deps: PanicDeps): Promise<PanicReport> {
  let exchange = deps.exchange;
  if (!exchange) {
    const secret = await (deps.secrets ?? createKeytarSecretStore()).get({ exchange: config.exchange, label: 'default' });
    if (!secret) throw new ConfigError([{ path: 'keys', received: `no key ${config.exchange}:default`, expected: `a stored key: perpscope keys set --exchange ${config.exchange}` }]);
    exchange = createCcxtExchange(config.exchange, { timeoutMs: 10_000 });
    exchange.apiKey = secret.apiKey;
    exchange.secret = secret.secret;
    if (secret.password) exchange.password = secret.password;
    exchange.enableRateLimit = true;
  }
  const clock = new SystemClock();
  const store = openStore({ home });
  const stack = createTradingStack({ mode: 'live', store, clock, risk: config.risk, exchangeId: config.exchange === 'sim' ? 'blofin' : config.exchange, home, exchange });
  try {
    await stack.broker.start();
    return await panic({ broker: stack.broker, store, clock, killSwitch: stack.killSwitch }, opts);
  } finally {
    await stack.broker.stop();
    store.close();
  }
}

/**
 * `perpscope panic`: turns the kill switch on (persisted, so a running `perpscope run` stops
 * opening trades at once), then cancels open orders and closes positions reduce-only. Paper: the
 * paper broker closes against a fresh order book from the exchange's public API. Live
 * (`--live`, or `mode: live` in the config): with the stored key, after reconciling with the
 * exchange.
 */
export async function runPanic(opts: PanicCliOptions, io: CliIo, deps: PanicDeps = {}): Promise<PanicReport> {
  const { config, home } = loadCliConfig(opts, io.env, {
    ...(opts.sim ? { exchange: 'sim' } : opts.exchange ? { exchange: opts.exchange } : {}),
    ...(opts.live ? { mode: 'live' } : {}),
  });
  const both = opts.all === true || (!opts.cancel && !opts.close);
  const cancel = both || opts.cancel === true;
  const close = both || opts.close === true;
  const panicOpts: PanicOptions = { cancel, close, ...(opts.symbols?.length ? { symbols: opts.symbols } : {}) };
  if (config.mode === 'live') {
    const report = await livePanic(config, home, panicOpts, deps);
    printReport(io, report, 'live');
    return report;
  }
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
    const report = await panic({ broker: paper, store, clock, killSwitch: stack.killSwitch }, panicOpts);
    printReport(io, report, 'paper');
    return report;
  } finally {
    await resolved.source.close();
    await resolved.sim?.stop();
    store.close();
  }
}
