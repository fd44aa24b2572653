import { SystemClock } from '../../core/clock.js';
import { ConfigError, describeError } from '../../core/errors.js';
import { silentLogger } from '../../core/logger.js';
import { resolveSource } from '../../engine/index.js';
import { openStore, type Store } from '../../store/index.js';
import type { Exchange } from 'ccxt';
import type { PerpscopeConfig } from '../../config/index.js';
import type { SimDialectName } from '../../sim/dialects/types.js';
import { createCcxtExchange, simDialectFor, venueExchangeId } from '../../engine/exchangeClient.js';
import { createKeytarSecretStore, type SecretStore } from '../../secrets/index.js';
import { createTradingStack, KillSwitch, panic, type PaperBroker, type PanicOptions, type PanicReport } from '../../trading/index.js';
import { paperMarketSpec } from '../../trading/paperMarketSpec.js';
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
async function livePanic(config: PerpscopeConfig, home: string, store: Store, opts: PanicOptions, label: string, deps: PanicDeps, simDialect: SimDialectName | undefined): Promise<PanicReport> {
  let exchange = deps.exchange;
  if (!exchange) {
    const secret = await (deps.secrets ?? createKeytarSecretStore()).get({ exchange: config.exchange, label });
    if (!secret) throw new ConfigError([{ path: 'keys', received: `no key ${config.exchange}:${label}`, expected: `a stored key: perpscope keys set --exchange ${config.exchange} --label ${label}` }]);
    exchange = await createCcxtExchange(config.exchange, { timeoutMs: 10_000, sandbox: config.sandbox });
    exchange.apiKey = secret.apiKey;
    exchange.secret = secret.secret;
    if (secret.password) exchange.password = secret.password;
    exchange.enableRateLimit = true;
  }
  const clock = new SystemClock();
  // On the sim, the ledger rows are kept under the exchange its dialect stands in for, as `run` keeps them.
  const exchangeId = venueExchangeId(config.exchange, simDialect);
  const stack = createTradingStack({ mode: 'live', store, clock, risk: config.risk, exchangeId, home, exchange });
  try {
    await stack.broker.start();
    return await panic({ broker: stack.broker, store, clock, killSwitch: stack.killSwitch }, opts);
  } finally {
    await stack.broker.stop();
  }
}

/**
 * Engages the kill switch, persisted in the home's store, before anything touches the network:
 * a trader panics exactly when the exchange is unreachable, and a running `perpscope run` must
 * stop opening trades whatever happens to the cancel and flatten steps after this.
 */
function engageKillSwitch(config: PerpscopeConfig, home: string, store: Store): void {
  const clock = new SystemClock();
  new KillSwitch({ store, clock, configOn: config.risk.gates.killSwitch, home }).set(true, 'panic');
  store.events.append({ atMs: clock.nowMs(), type: 'panic_engaged', ledger: config.mode === 'live' ? 'live' : 'paper', payload: { before: 'network' } });
}

/** A failure before cancel and flatten could run (exchange down, no key): reported, never thrown. */
function unreachable(err: unknown): PanicReport {
  return { cancelled: [], closed: [], failures: [{ target: 'exchange', error: `${describeError(err)}; the kill switch is on, nothing new opens; run panic again once the exchange answers` }] };
}

/**
 * `perpscope panic`: turns the kill switch on first, before any network call (persisted, so a
 * running `perpscope run` stops opening trades at once), then cancels open orders and closes
 * positions reduce-only; what could not be done is in the report, and the exit is non-zero. Paper: the
 * paper broker closes against a fresh order book from the exchange's public API. Live
 * (`--live`, or `mode: live` in the config): with the stored key, after reconciling with the
 * exchange.
 */
export async function runPanic(opts: PanicCliOptions, io: CliIo, deps: PanicDeps = {}): Promise<PanicReport> {
  const { config, home } = loadCliConfig(opts, io.env, {
    ...(opts.sim ? { exchange: 'sim' } : opts.exchange ? { exchange: opts.exchange } : {}),
    ...(opts.live ? { mode: 'live' } : {}),
  });
  // With --sim, --exchange picks the dialect the sim speaks, as for `run --sim`: the rows it acts on are that exchange's.
  const simDialect = opts.sim ? simDialectFor(opts.exchange) : undefined;
  const both = opts.all === true || (!opts.cancel && !opts.close);
  const cancel = both || opts.cancel === true;
  const close = both || opts.close === true;
  const panicOpts: PanicOptions = { cancel, close, ...(opts.symbols?.length ? { symbols: opts.symbols } : {}) };
  const store = openStore({ home });
  try {
    engageKillSwitch(config, home, store);
    let report: PanicReport;
    try {
      report = config.mode === 'live' ? await livePanic(config, home, store, panicOpts, opts.label ?? 'default', deps, simDialect) : await paperPanic(config, home, store, panicOpts, opts.symbols, simDialect);
    } catch (err) {
      report = unreachable(err);
    }
    printReport(io, report, config.mode === 'live' ? 'live' : 'paper');
    return report;
  } finally {
    store.close();
  }
}

/** Paper panic: the paper broker closes against a fresh order book from the exchange's public API. */
async function paperPanic(config: PerpscopeConfig, home: string, store: Store, panicOpts: PanicOptions, only: string[] | undefined, simDialect: SimDialectName | undefined): Promise<PanicReport> {
  const clock = new SystemClock();
  // One read per position: a websocket stream would answer none of them (`live: false`).
  const resolved = await resolveSource(config, { live: false, ...(simDialect ? { simDialect } : {}) }, clock, silentLogger);
  try {
    const markets = await resolved.source.loadMarkets();
    const fees = new Map(markets.map((m) => [m.symbol, paperMarketSpec(m)]));
    const exchangeId = venueExchangeId(config.exchange, resolved.sim?.dialect);
    const stack = createTradingStack({ mode: 'paper', store, clock, risk: config.risk, exchangeId, home, paperMarket: (s) => fees.get(s) });
    const paper = stack.broker as PaperBroker;
    const positions = await paper.fetchPositions();
    const symbols = new Set([...positions.map((p) => p.symbol), ...paper.openOrders().map((o) => o.symbol)]);
    for (const symbol of symbols) {
      if (only?.length && !only.includes(symbol)) continue;
      const book = await resolved.source.fetchOrderBook(symbol, 50);
      paper.onOrderBook(symbol, book);
    }
    return await panic({ broker: paper, store, clock, killSwitch: stack.killSwitch }, panicOpts);
  } finally {
    await resolved.source.close();
    await resolved.sim?.stop();
  }
}
