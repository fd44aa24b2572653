import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import type { Exchange } from 'ccxt';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTrades, type TradeFill, type TradeRecord } from '../../src/backtest/index.js';
import { SystemClock } from '../../src/core/clock.js';
import type { Logger } from '../../src/core/logger.js';
import { parseConfig, type PerpscopeConfigInput } from '../../src/config/index.js';
import { createEngine } from '../../src/engine/createEngine.js';
import { TradingBridge } from '../../src/engine/tradingBridge.js';
import { acceleratedClock, BLOFIN_LIMITS, CcxtMarketData, scaleLimits } from '../../src/market/index.js';
import type { Signal } from '../../src/signals/index.js';
import { createBlofinClient, startSimExchange } from '../../src/sim/index.js';
import { Ledger, openStore, type Fill } from '../../src/store/index.js';
import { createTradingStack, type PaperBroker, type SignalOutcome } from '../../src/trading/index.js';
import { paperMarketSpec } from '../../src/trading/paperMarketSpec.js';
import { exitReasonOf } from '../../src/trading/exitReason.js';

export interface PaperSimReplayOptions {
  /** Directory of recorded candles (the layouts of `../shared/data`). */
  dataDir: string;
  /** Exchange symbols (`XRPUSDT`) the sim serves: only their files are linked into its directory. */
  symbols: readonly string[];
  fromMs: number;
  toMs: number;
  warmupBars: number;
  seed: number;
  /** Sim milliseconds per wall millisecond. */
  acceleration: number;
  /** How far before each bar close the sim holds for a refresh, and past it while the engine acts on the close. */
  holdMs: number;
  /** Engine, risk and signal settings: the same object the backtest gets. */
  engineConfig: PerpscopeConfigInput;
}

export interface PaperOpenPosition {
  symbol: string;
  side: 'long' | 'short';
  openedAtMs: number;
}

export interface PaperSimReplayResult {
  signals: Signal[];
  outcomes: { signal: Signal; outcome: SignalOutcome }[];
  /** Round trips closed by `toMs` (the same reconstruction the backtest uses). */
  trades: TradeRecord[];
  /** Positions still open at `toMs`: the backtest closes these as `end_of_data`. */
  open: PaperOpenPosition[];
  fills: number;
  /** Every fill and stop move, in order, for failure messages. */
  log: string[];
  /** Warnings and errors the engine and trading stack logged, by message, and each with its fields and sim time. */
  warnings: Record<string, number>;
  warningDetails: string[];
  /** Sim time at every hold: bar close + holdMs, in order. */
  holds: number[];
  /** The fees the sim lists (the same for every replayed market, else this throws). */
  fees: { makerFee: number; takerFee: number };
  /** The funding rate the sim announces (its replay serves one flat rate). */
  fundingRate: number;
}

const H = 3_600_000;

/**
 * `perpscope run --paper --sim --autotrade` over a SimExchange replaying recorded 1h bars at
 * `acceleration`, assembled from the pieces `run` and `resolveSource` use, with two deviations
 * (docs/backtest.md: **tradingClock**, **positionRefresh**): the trading side runs on the sim's
 * clock, and open positions are refreshed once per bar, with the sim held `holdMs` before the
 * close. The sim is then held `holdMs` past the close until the engine has confirmed the bar on
 * every symbol, run its signal cycle, and the AutoTrader has answered every signal of it. Between
 * holds time runs freely.
 */
export async function runPaperSimReplay(o: PaperSimReplayOptions): Promise<PaperSimReplayResult> {
  const work = mkdtempSync(join(tmpdir(), 'perpscope-equivalence-'));
  const dataDir = join(work, 'data');
  symlinkDirFiles(o.dataDir, dataDir, o.symbols);
  const warnings: Record<string, number> = {};
  const warningDetails: string[] = [];
  const note = (fields: object, msg: string) => {
    warnings[msg] = (warnings[msg] ?? 0) + 1;
    warningDetails.push(`${new Date(sim.nowMs()).toISOString()} ${msg} ${JSON.stringify(fields)}`);
  };
  const logger: Logger = { debug() {}, info() {}, warn: note, error: note, child: () => logger };
  const rateLimitScale = 100;
  const sim = await startSimExchange({ dataDir, seed: o.seed, startTimeMs: o.fromMs, acceleration: o.acceleration, rateLimitScale, pushIntervalMs: 5 });
  // Warm-up reads the bars closed by `fromMs`; the sim must not run on while it does.
  sim.pause();
  const config = parseConfig({
    ...o.engineConfig,
    exchange: 'sim',
    mode: 'paper',
    timeframes: ['1h'],
    backfillBars: o.warmupBars,
    ringCapacity: Math.max(2_000, o.warmupBars),
    sim: { acceleration: o.acceleration, rateLimitScale, seed: o.seed, startTimeMs: o.fromMs, dataDir },
    // As the backtest: the replay trades the symbols it is given.
    universe: { ...o.engineConfig.universe, minQuoteVolumeUsd: 0, maxSpreadBps: null, include: [], topN: o.symbols.length, blueChipOnly: false, refreshMs: H },
  });
  // What `resolveSource` builds for `exchange: 'sim'`: ccxt's real blofin class on loopback,
  // request pacing on the wall clock, bars and staleness on the sim's accelerated clock.
  const marketClock = acceleratedClock(() => sim.nowMs(), o.acceleration);
  const exchange = createBlofinClient(sim, { timeout: config.requestTimeoutMs, apiKey: '', secret: '', password: '' });
  const source = new CcxtMarketData({ exchange: exchange as unknown as Exchange, clock: new SystemClock(), logger, limits: scaleLimits(BLOFIN_LIMITS, rateLimitScale) });
  const engine = createEngine(config, { clock: marketClock, source, logger, marketWallScale: o.acceleration });
  const store = openStore({ file: join(work, 'ledger.sqlite') });
  const signals: Signal[] = [];
  const outcomes: { signal: Signal; outcome: SignalOutcome }[] = [];
  const fills: Fill[] = [];
  const holds: number[] = [];
  const barsAt = new Map<number, number>();
  const rankingBeforeLastBar = new Map<number, number>();
  let rankings = 0;
  let trading = false;
  const bridge = { current: undefined as TradingBridge | undefined };
  try {
    await engine.start();
    const fees = new Map(engine.markets().map((m) => [m.symbol, paperMarketSpec(m)]));
    const stack = createTradingStack({ mode: 'paper', store, clock: marketClock, risk: config.risk, autoTrader: config.autotrade, exchangeId: 'blofin', paperMarket: (symbol) => fees.get(symbol), logger });
    stack.broker.on((e) => {
      if (e.type === 'fill') fills.push(e.fill);
    });
    engine.on('signal', (s) => {
      if (trading) signals.push(s);
    });
    engine.on('ranking', () => rankings++);
    engine.on('bar', (b) => {
      const n = (barsAt.get(b.candle.openTimeMs) ?? 0) + 1;
      barsAt.set(b.candle.openTimeMs, n);
      // The cycle that follows the last bar of a close is the one that has seen them all.
      if (n === o.symbols.length) rankingBeforeLastBar.set(b.candle.openTimeMs, rankings);
    });
    bridge.current = new TradingBridge({
      engine,
      stack,
      paper: stack.broker as PaperBroker,
      clock: marketClock,
      logger,
      autotrade: true,
      // At 1x the bridge refreshes open positions every 5 s, so the paper broker has a bar's last
      // prints before the bar closes. At 20,000x that timer would fire every 0.25 ms of wall time,
      // lag minutes of sim time behind and overlap the signal refreshes; the test runs the same
      // refresh (`bridge.refresh`) itself, once per bar just before the close, and the timer never fires.
      positionRefreshMs: o.toMs - o.fromMs + H,
      onSignalOutcome: (signal, outcome) => outcomes.push({ signal, outcome }),
    });
    // Protection acts on each price (break-even, trailing) while sim time stands still, as the
    // backtest moves a stop at the path point that triggers it: otherwise the accelerated sim runs on
    // during the move, and on a busy machine the price can pass the new stop before it is placed
    // (docs/backtest.md: **priceHold**). Holds the loop below takes are left to it.
    let pricesInFlight = 0;
    let heldForPrices = false;
    const onPrice = stack.autoTrader.onPrice.bind(stack.autoTrader);
    stack.autoTrader.onPrice = async (symbol, price) => {
      if (pricesInFlight++ === 0 && !sim.isPaused()) {
        sim.pause();
        heldForPrices = true;
      }
      try {
        await onPrice(symbol, price);
      } finally {
        if (--pricesInFlight === 0 && heldForPrices) {
          heldForPrices = false;
          sim.resume();
        }
      }
    };
    const resumeWhenPricesSettled = async (what: string) => {
      await waitFor(`protection to finish its prices before ${what}`, () => pricesInFlight === 0);
      sim.resume();
    };
    await stack.autoTrader.start();
    bridge.current.start();
    trading = true;
    const answered = () => outcomes.length + (warnings['signal routing failed'] ?? 0);
    const paperBridge = bridge.current;
    for (let closeMs = o.fromMs + H; closeMs <= o.toMs; closeMs += H) {
      // The open-position refresh (see `positionRefreshMs` above), held just before the close.
      const preCloseMs = closeMs - o.holdMs;
      sim.pauseAt(preCloseMs);
      await resumeWhenPricesSettled(`the run to ${new Date(preCloseMs).toISOString()}`);
      await waitFor(`the sim to reach ${new Date(preCloseMs).toISOString()}`, () => sim.nowMs() === preCloseMs);
      const exposed = new Set([...store.positions.list(Ledger.Paper, 'blofin').map((p) => p.symbol), ...stack.broker.openOrders().map((ord) => ord.symbol)]);
      for (const symbol of [...exposed].sort()) await paperBridge.refresh(symbol);
      const holdMs = closeMs + o.holdMs;
      sim.pauseAt(holdMs);
      await resumeWhenPricesSettled(`the run to ${new Date(holdMs).toISOString()}`);
      await waitFor(`the sim to reach ${new Date(holdMs).toISOString()}`, () => sim.nowMs() === holdMs);
      await waitFor(`the bars closing at ${new Date(closeMs).toISOString()} on every symbol`, () => (barsAt.get(closeMs - H) ?? 0) >= o.symbols.length);
      await waitFor(`the signal cycle of ${new Date(closeMs).toISOString()}`, () => rankings > rankingBeforeLastBar.get(closeMs - H)!);
      await waitFor(`the AutoTrader's answer to every signal of ${new Date(closeMs).toISOString()}`, () => answered() >= signals.length);
      holds.push(holdMs);
    }
    trading = false;
    bridge.current.stop();
    const tradeFills: TradeFill[] = fills.map((f) => {
      const order = f.clientOrderId ? store.orders.get(f.clientOrderId) : undefined;
      return { ...f, tradeId: order?.tradeId ?? null, exitReason: exitReasonOf(order) };
    });
    const markets = engine.markets();
    const feeSet = new Set(markets.map((m) => `${m.makerFee}/${m.takerFee}`));
    if (feeSet.size !== 1) throw new Error(`the replayed markets list different fees: ${[...feeSet].join(', ')}`);
    const log = [
      ...tradeFills.map((f) => ({ atMs: f.atMs, line: `${f.symbol} ${f.side} ${f.exitReason ?? 'entry'} ${f.amountBase} @ ${f.price}` })),
      ...store.events.list({ type: 'stop_moved' }).map((e) => ({ atMs: e.atMs, line: `${e.symbol ?? ''} stop moved ${JSON.stringify(e.payload)}` })),
    ]
      .sort((x, y) => x.atMs - y.atMs)
      .map((x) => `${new Date(x.atMs).toISOString()} ${x.line}`);
    return {
      log,
      fees: { makerFee: markets[0]!.makerFee, takerFee: markets[0]!.takerFee },
      fundingRate: sim.source.fundingRate(markets[0]!.symbol, o.fromMs).rate,
      signals,
      outcomes,
      trades: buildTrades(tradeFills, [], new Map()),
      open: store.positions
        .list(Ledger.Paper, 'blofin')
        .map((p) => ({ symbol: p.symbol, side: p.side, openedAtMs: p.openedAtMs }))
        .sort((a, b) => a.openedAtMs - b.openedAtMs || (a.symbol < b.symbol ? -1 : 1)),
      fills: fills.length,
      warnings,
      warningDetails,
      holds,
    };
  } finally {
    trading = false;
    bridge.current?.stop();
    await engine.stop();
    await exchange.close();
    await sim.stop();
    store.close();
    rmSync(work, { recursive: true, force: true });
  }
}

/** Links the 1h files of `symbols` from `from` into `to` (the sim serves every file it finds). */
function symlinkDirFiles(from: string, to: string, symbols: readonly string[]): void {
  mkdirSync(to);
  for (const s of symbols) symlinkSync(join(from, `${s}_1h.csv`), join(to, `${s}_1h.csv`));
}

/**
 * Polls `check` (cheap: it reads state) until true; fails naming `what` after `timeoutMs` of wall
 * time. The short period keeps a step of the accelerated sim from idling; the deadline only turns a
 * hang into a clear failure.
 */
async function waitFor(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2)); // poll period between state checks, not a wait for progress
  }
}
