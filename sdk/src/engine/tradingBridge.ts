import type { Clock } from '../core/clock.js';
import { describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { OrderFlowSnapshot } from '../market/index.js';
import type { RankingRow } from '../ranking/index.js';
import type { RiskOrderFlow } from '../risk/index.js';
import type { Signal } from '../signals/index.js';
import type { BrokerEvent, PaperBroker, SignalOutcome, TradeSignal, TradingStack } from '../trading/index.js';
import type { Engine } from './createEngine.js';

export interface TradingBridgeOptions {
  engine: Engine;
  stack: TradingStack;
  /** The paper broker when trading on paper: it is fed the market data it fills against. */
  paper?: PaperBroker;
  clock: Clock;
  logger: Logger;
  /** Route selected signals to the AutoTrader (can be switched at run time). */
  autotrade: boolean;
  /** How often open positions' symbols get fresh book, trades and mark (default 5 s). */
  positionRefreshMs?: number;
  onBrokerEvent?: (event: BrokerEvent) => void;
  onSignalOutcome?: (signal: Signal, outcome: SignalOutcome) => void;
}

/**
 * The order-flow reading the risk gates take: null when neither tape nor book was seen, so a
 * configured floor refuses a symbol it cannot measure.
 */
export function riskOrderFlowOf(flow: OrderFlowSnapshot): RiskOrderFlow | null {
  if (!flow.trades && !flow.book) return null;
  return {
    tradesPerMin: flow.trades?.tradesPerMin ?? 0,
    notionalPerMinUsd: flow.trades?.notionalPerMinUsd ?? 0,
    depthUsd: flow.book ? flow.book.bidDepth50BpsUsd + flow.book.askDepth50BpsUsd : 0,
  };
}

/** Converts an engine signal plus its ranking row (and the order flow fetched for it) into what the AutoTrader takes. */
export function tradeSignalFrom(signal: Signal, row: RankingRow | undefined, quoteVolume24hUsd: number, atMs: number, flow?: OrderFlowSnapshot): TradeSignal | null {
  const price = signal.levels.entry;
  const atr = row && Number.isFinite(row.metrics.atrPct) ? (row.metrics.atrPct / 100) * price : Math.abs(signal.levels.entry - signal.levels.stop) / 1.2;
  if (!(price > 0) || !(atr > 0)) return null;
  return {
    symbol: signal.symbol,
    side: signal.side,
    score: signal.score,
    probability: signal.probability,
    calibrated: signal.calibrated,
    manipScore: row ? row.manipScore : null,
    quoteVolume24hUsd,
    price,
    atr,
    level: signal.components.find((c) => c.level !== null)?.level ?? null,
    atMs,
    riskMultiplier: signal.riskMultiplier,
    strategies: signal.components.map((c) => c.id),
    timeframe: signal.timeframe,
    regime: signal.regime,
    evidence: signal.evidence,
    ...(flow
      ? {
          funding: flow.funding?.nextFundingTimeMs !== undefined ? { rate: flow.funding.rate, nextFundingTimeMs: flow.funding.nextFundingTimeMs } : null,
          orderFlow: riskOrderFlowOf(flow),
        }
      : {}),
  };
}

/**
 * Connects an engine to a trading stack: feeds the paper broker the book, tape, mark and funding
 * it fills against; routes selected signals through the AutoTrader (and so through RiskPolicy);
 * moves protection on each bar close and on the mark of every open-position refresh. The same
 * bridge serves `perpscope run` and the desktop host.
 */
export class TradingBridge {
  private autotrade: boolean;
  private readonly unsubscribe: (() => void)[] = [];
  private cancelTimer: () => void = () => {};
  private refreshing = false;
  private stopped = false;
  /** Newest public trade time passed on per symbol: a refresh re-reads recent trades, and a print must cross a paper order once, and only if it happened after the order. */
  private readonly tradeWatermarkMs = new Map<string, number>();
  /** Symbols with an open position: the engine watches them for manipulation alerts. */
  private readonly held = new Set<string>();
  /** Signal routings under way, so a stop can wait for an order already on its way. */
  private readonly inFlight = new Set<Promise<void>>();
  /** The kill switch as last reported (null: not yet), so each change is reported once. */
  private killOn: boolean | null = null;

  constructor(private readonly o: TradingBridgeOptions) {
    this.autotrade = o.autotrade;
  }

  start(): void {
    const { engine, stack } = this.o;
    this.unsubscribe.push(
      stack.broker.on((event) => {
        if (event.type === 'position') {
          if (event.position) this.held.add(event.symbol);
          else this.held.delete(event.symbol);
        }
        if (event.type === 'position' && event.position === null) this.onPositionClosed(event.symbol);
        this.o.onBrokerEvent?.(event);
      }),
    );
    this.unsubscribe.push(engine.watchSymbols(() => this.held));
    stack.broker
      .fetchPositions()
      .then((positions) => {
        for (const p of positions) this.held.add(p.symbol);
      })
      .catch((err: unknown) => this.warn('position read for the manipulation watch failed', '*', err));
    this.unsubscribe.push(
      engine.on('signal', (signal) => {
        const routing = this.onSignal(signal).catch((err: unknown) => this.warn('signal routing failed', signal.symbol, err));
        this.inFlight.add(routing);
        const done = () => this.inFlight.delete(routing);
        routing.then(done, done);
      }),
    );
    this.unsubscribe.push(
      engine.on('bar', (bar) => {
        this.o.paper?.onMarkPrice(bar.symbol, bar.candle.close, this.o.clock.nowMs());
        stack.autoTrader.onPrice(bar.symbol, bar.candle.close).catch((err: unknown) => this.warn('protection update failed', bar.symbol, err));
      }),
    );
    this.checkKillSwitch();
    this.schedule();
  }

  /** Resolves once the signal routings under way when it was called have finished (after `stop`, nothing new starts). */
  async idle(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer();
    for (const off of this.unsubscribe.splice(0)) off();
  }

  setAutotrade(enabled: boolean): void {
    this.autotrade = enabled;
  }

  isAutotrade(): boolean {
    return this.autotrade;
  }

  /** Fetches fresh order flow for `symbol` and feeds it to the paper broker; call before a manual order. */
  async refresh(symbol: string): Promise<OrderFlowSnapshot> {
    const flow = await this.o.engine.refreshOrderFlow(symbol);
    this.feed(symbol, flow);
    return flow;
  }

  private feed(symbol: string, flow: OrderFlowSnapshot): void {
    const paper = this.o.paper;
    if (!paper) return;
    if (flow.bookTop) paper.onOrderBook(symbol, flow.bookTop);
    if (flow.recentTrades?.length) {
      const seen = this.tradeWatermarkMs.get(symbol);
      const newest = flow.recentTrades.reduce((m, t) => Math.max(m, t.timestampMs), seen ?? 0);
      this.tradeWatermarkMs.set(symbol, newest);
      // The first read only sets the watermark: older prints predate anything resting now.
      if (seen !== undefined) {
        const fresh = flow.recentTrades.filter((t) => t.timestampMs > seen).sort((a, b) => a.timestampMs - b.timestampMs);
        if (fresh.length) paper.onTrades(symbol, fresh);
      }
    }
    const mark = flow.markPrice?.markPrice ?? flow.book?.mid;
    if (mark !== undefined) paper.onMarkPrice(symbol, mark, flow.updatedAtMs);
    if (flow.funding?.nextFundingTimeMs !== undefined) paper.onFunding(symbol, flow.funding.rate, flow.funding.nextFundingTimeMs, mark);
  }

  private async onSignal(signal: Signal): Promise<void> {
    if (!this.autotrade || this.stopped) return;
    const { engine, stack } = this.o;
    try {
      const flow = await this.refresh(signal.symbol);
      const row = engine.latestRanking()?.rows.find((r) => r.symbol === signal.symbol);
      const member = engine.universe().find((m) => m.symbol === signal.symbol);
      const trade = tradeSignalFrom(signal, row, member?.quoteVolume24h ?? 0, this.o.clock.nowMs(), flow);
      // Stopped while the book was read: nothing is sent after a stop (a disarmed live session).
      if (!trade || this.stopped) return;
      const outcome = await stack.autoTrader.onSignal(trade);
      this.o.onSignalOutcome?.(signal, outcome);
    } catch (err) {
      this.warn('signal routing failed', signal.symbol, err);
    }
  }

  /**
   * What protected a closed position protects nothing now: its leftover reduce-only orders (a
   * take-profit that did not fill) would otherwise reduce the next position on the symbol. They
   * are cancelled, and protection closes the trade's plans. `run` and the desktop host share this.
   */
  private onPositionClosed(symbol: string): void {
    const { broker, protection } = this.o.stack;
    for (const ord of broker.openOrders(symbol)) {
      if (ord.reduceOnly) broker.cancelOrder(ord.clientOrderId).catch((err: unknown) => this.warn('leftover exit cancel failed', symbol, err));
    }
    protection.sync().catch((err: unknown) => this.warn('protection sync failed', symbol, err));
  }

  private schedule(): void {
    if (this.stopped) return;
    this.cancelTimer = this.o.clock.setTimer(this.o.positionRefreshMs ?? 5_000, () => {
      this.checkKillSwitch();
      // fetchPositions can fail (exchange down): log it and keep the refresh cycle alive.
      this.refreshOpen()
        .catch((err: unknown) => this.warn('open-position refresh failed', '*', err))
        .finally(() => this.schedule());
    });
  }

  /** Keeps open positions' market data fresh so marks, stops, limits and funding apply, and moves their stops on the mark. */
  private async refreshOpen(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    try {
      const positions = await this.o.stack.broker.fetchPositions();
      const held = new Set(positions.map((p) => p.symbol));
      const symbols = new Set([...held, ...this.o.stack.broker.openOrders().map((o) => o.symbol)]);
      for (const symbol of symbols) {
        const flow = await this.refresh(symbol).catch((err: unknown) => this.warn('order-flow refresh failed', symbol, err));
        // Break-even and trailing move on the mark read here, every refresh, not only at bar
        // closes up to a bar late; the trailing amend interval bounds how often a stop is replaced.
        const mark = flow ? (flow.markPrice?.markPrice ?? flow.book?.mid) : undefined;
        if (held.has(symbol) && mark !== undefined) {
          await this.o.stack.autoTrader.onPrice(symbol, mark).catch((err: unknown) => this.warn('protection update failed', symbol, err));
        }
      }
    } finally {
      this.refreshing = false;
    }
  }

  /**
   * Reports the kill switch when it is on at start and whenever it changes, wherever it was set
   * (this process, `perpscope panic` in another, the `.panic` file, the config): checked on every
   * refresh tick, so a change shows within `positionRefreshMs`.
   */
  private checkKillSwitch(): void {
    const s = this.o.stack.killSwitch.state();
    if (s.on === this.killOn || (this.killOn === null && !s.on)) {
      this.killOn = s.on;
      return;
    }
    this.killOn = s.on;
    const why = [s.sources.join(', '), s.reason].filter(Boolean).join(': ');
    this.o.onBrokerEvent?.(
      s.on
        ? { type: 'alert', level: 'warn', reason: 'kill_switch', message: `Kill switch on (${why}): new entries are refused`, details: { sources: s.sources, reason: s.reason } }
        : { type: 'alert', level: 'info', reason: 'kill_switch', message: 'Kill switch off: new entries are allowed again', details: { sources: [], reason: s.reason } },
    );
  }

  private warn(msg: string, symbol: string, err: unknown): void {
    this.o.logger.warn({ symbol, err: describeError(err) }, msg);
  }
}
