import type { Clock } from '../core/clock.js';
import { describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { LimiterPriority, type OrderFlowSnapshot, type PriceTick } from '../market/index.js';
import type { RankingRow } from '../ranking/index.js';
import type { RiskOrderFlow } from '../risk/index.js';
import type { Signal } from '../signals/index.js';
import type { BrokerEvent, PaperBroker, SignalOutcome, TradeSignal, TradingStack } from '../trading/index.js';
import type { Engine } from './createEngine.js';
import { HeldPriceStream, type TickVia } from './heldPriceStream.js';

export interface TradingBridgeOptions {
  engine: Engine;
  stack: TradingStack;
  /** The paper broker when trading on paper: it is fed the market data it fills against. */
  paper?: PaperBroker;
  clock: Clock;
  logger: Logger;
  /** Route selected signals to the AutoTrader (can be switched at run time). */
  autotrade: boolean;
  /**
   * How often open positions' symbols get fresh book, trades and mark over REST (default 5 s).
   * Stops move on websocket prices; this poll moves them only for a symbol whose socket has
   * delivered nothing since the previous poll.
   */
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
 * moves protection on each bar close, on each websocket price push of a held symbol (one update
 * per symbol at a time, the newest price next), and on the REST mark of the open-position refresh
 * when the socket has not delivered since the previous one. A bar close goes to protection
 * directly, not through the per-symbol price queue: that is safe because protection runs every
 * stop change of a trade in turn (`withTrade`), whichever path the price came by. The same bridge
 * serves `perpscope run` and the desktop host.
 */
export class TradingBridge {
  private autotrade: boolean;
  private readonly unsubscribe: (() => void)[] = [];
  private cancelTimer: () => void = () => {};
  private refreshing = false;
  private stopped = false;
  /** Newest public trade time passed on per symbol: a refresh re-reads recent trades, and a print must cross a paper order once, and only if it happened after the order. */
  private readonly tradeWatermarkMs = new Map<string, number>();
  /**
   * Symbols with an open position, the one set both the manipulation watch and the price stream
   * follow: position events update it, and so does a refresh's read of the broker's positions
   * unless a position event came while that read was under way (the read may predate it).
   */
  private readonly held = new Set<string>();
  /** Counts position events, so a positions read can tell whether one came while it ran. */
  private positionGeneration = 0;
  /** Signal routings under way, so a stop can wait for an order already on its way. */
  private readonly inFlight = new Set<Promise<void>>();
  /** The kill switch as last reported (null: not yet), so each change is reported once. */
  private killOn: boolean | null = null;
  /** Websocket prices of held symbols; the REST refresh covers a symbol whose socket is down or silent. */
  private readonly prices: HeldPriceStream;
  /** When the previous open-position refresh ran: a push since then means the socket is delivering. */
  private lastRefreshMs: number;

  constructor(private readonly o: TradingBridgeOptions) {
    this.autotrade = o.autotrade;
    this.lastRefreshMs = o.clock.nowMs();
    const refreshMs = o.positionRefreshMs ?? 5_000;
    this.prices = new HeldPriceStream({
      watch: (symbol) => o.engine.watchPrice(symbol),
      unwatch: (symbol) => o.engine.unwatchPrice?.(symbol) ?? Promise.resolve(),
      onTick: (tick, via) => this.onTick(tick, via),
      clock: o.clock,
      logger: o.logger,
      // Scaled to the refresh interval, so an accelerated sim clock backs off over the same wall
      // time as a live one does on the default 5 s: 250 ms doubling up to 30 s.
      backoff: { baseMs: refreshMs / 20, maxMs: refreshMs * 6, factor: 2 },
    });
  }

  start(): void {
    const { engine, stack } = this.o;
    this.unsubscribe.push(
      stack.broker.on((event) => {
        if (event.type === 'position') {
          this.positionGeneration++;
          if (event.position) this.held.add(event.symbol);
          else this.held.delete(event.symbol);
          this.prices.sync(this.held);
        }
        if (event.type === 'position' && event.position === null) this.onPositionClosed(event.symbol);
        this.o.onBrokerEvent?.(event);
      }),
    );
    this.unsubscribe.push(engine.watchSymbols(() => this.held));
    this.readHeld().catch((err: unknown) => this.warn('position read for the manipulation watch failed', '*', err));
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

  /**
   * Resolves once the signal routings under way when it was called, and every price being handled,
   * have finished (after `stop`, nothing new starts and no waiting price runs).
   */
  async idle(): Promise<void> {
    await Promise.all([...this.inFlight, this.prices.idle()]);
  }

  /**
   * Reads the broker's positions into `held` and syncs the price stream to it. A read a position
   * event overtook is dropped: the event is newer than what the read saw.
   */
  private async readHeld(): Promise<Set<string>> {
    const generation = this.positionGeneration;
    const positions = await this.o.stack.broker.fetchPositions();
    if (generation === this.positionGeneration && !this.stopped) {
      this.held.clear();
      for (const p of positions) this.held.add(p.symbol);
      this.prices.sync(this.held);
    }
    return new Set(this.held);
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer();
    this.prices.stop();
    for (const off of this.unsubscribe.splice(0)) off();
  }

  setAutotrade(enabled: boolean): void {
    this.autotrade = enabled;
  }

  isAutotrade(): boolean {
    return this.autotrade;
  }

  /**
   * Fetches fresh order flow for `symbol` and feeds it to the paper broker; call before a manual
   * order. Urgent by default: a trader's order, close or panic waits on it, and it goes ahead of
   * candle polls and background order-flow passes in the rate budget. The bridge's own reads (a
   * signal's book, the held positions' periodic marks) go at `high`, beside the candle polls, so a
   * book of positions cannot fill the urgent lane ahead of the trader.
   */
  async refresh(symbol: string, priority: LimiterPriority = LimiterPriority.urgent): Promise<OrderFlowSnapshot> {
    const flow = await this.o.engine.refreshOrderFlow(symbol, { priority });
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

  /**
   * One price of a held symbol, never two at once for a symbol: a pushed mark also feeds the paper
   * broker its mark (a poll's mark was fed with the rest of its order flow; a pushed last-trade
   * price, BloFin's ticker, is no mark and would fill paper stops on a price the mark never
   * reached, so it only updates the paper broker's last price), then break-even and trailing move on it, whatever its basis. How often a stop is replaced stays bounded by the trailing rule's minimum step and
   * amend interval, however often prices arrive.
   */
  private onTick(tick: PriceTick, via: TickVia): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (via === 'push' && tick.basis === 'mark') this.o.paper?.onMarkPrice(tick.symbol, tick.price, this.o.clock.nowMs());
    // The same price protection moves on is the one a new stop is checked against, not the last poll's.
    if (via === 'push' && tick.basis === 'last') this.o.paper?.onLastPrice(tick.symbol, tick.price, tick.localClock ? undefined : tick.timestampMs);
    return this.o.stack.autoTrader.onPrice(tick.symbol, tick.price);
  }

  private async onSignal(signal: Signal): Promise<void> {
    if (!this.autotrade || this.stopped) return;
    const { engine, stack } = this.o;
    try {
      const flow = await this.refresh(signal.symbol, LimiterPriority.high);
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

  /**
   * Keeps open positions' market data fresh so marks, stops, limits and funding apply, and moves
   * their stops on the mark where the websocket has not delivered a price since the last refresh.
   */
  private async refreshOpen(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    const since = this.lastRefreshMs;
    this.lastRefreshMs = this.o.clock.nowMs();
    try {
      // The broker's positions are the truth: a missed position event still gets (or loses) its stream.
      const held = await this.readHeld();
      const symbols = new Set([...held, ...this.o.stack.broker.openOrders().map((o) => o.symbol)]);
      for (const symbol of symbols) {
        const flow = await this.refresh(symbol, LimiterPriority.high).catch((err: unknown) => this.warn('order-flow refresh failed', symbol, err));
        // The fallback for a socket that failed or went silent: break-even and trailing move on the
        // mark read here, through the same one-at-a-time queue as the pushes.
        const mark = flow ? (flow.markPrice?.markPrice ?? flow.book?.mid) : undefined;
        // Not awaited: a symbol whose protection update is slow must not hold up the other symbols' reads or the next cycle.
        if (flow && held.has(symbol) && mark !== undefined && !this.prices.pushedSince(symbol, since)) {
          this.prices.offer({ symbol, timestampMs: flow.updatedAtMs, price: mark, basis: flow.markPrice ? 'mark' : 'last' }).catch((err: unknown) => this.warn('protection update on a REST mark failed', symbol, err));
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
