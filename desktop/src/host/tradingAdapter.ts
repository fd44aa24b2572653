import { DEFAULT_TAKER_FEE_RATE, PerpscopeError, RiskPolicy, type Clock, type DailyAnchor, type Logger, type RiskConfig, type RiskOrderRequest } from '@perpscope/sdk';
import { ErrorCode, type KillSwitchStateView, type MethodParams, type OrderBook, type OrderView, type PositionView, type RankingRowView, type Trade } from '@perpscope/shared';
import type { HostEvent, TradingPort } from './ports.js';
import type { SettingsRepositoryLike } from './profilesAdapter.js';
import { toAccountView, toFillView, toOrderView, toPositionView, type BrokerAccountLike, type BrokerPositionLike, type FillLike, type StoredOrderLike } from './tradingViews.js';

/** An order request as the sdk's PaperBroker takes it. */
export interface BrokerOrderRequest {
  symbol: string;
  side: 'buy' | 'sell';
  type: 'market' | 'limit' | 'stop_market' | 'take_profit_market';
  amountBase: number;
  price?: number;
  triggerPrice?: number;
  reduceOnly?: boolean;
  purpose?: 'entry' | 'exit' | 'stop_loss' | 'take_profit';
  tradeId: string;
  leg: string;
  risk?: RiskOrderRequest;
  leverage?: number;
}

export type BrokerEventLike =
  | { type: 'order'; order: StoredOrderLike }
  | { type: 'fill'; fill: FillLike }
  | { type: 'position'; symbol: string; position: BrokerPositionLike | null }
  | { type: 'alert'; level: 'info' | 'warn' | 'error'; reason: string; message: string };

/** The sdk's PaperBroker, as far as the desktop drives it. */
export interface PaperBrokerLike {
  start(): Promise<void>;
  stop(): Promise<void>;
  placeOrder(req: BrokerOrderRequest): Promise<StoredOrderLike>;
  cancelOrder(clientOrderId: string): Promise<StoredOrderLike>;
  openOrders(symbol?: string): StoredOrderLike[];
  fetchPositions(): Promise<BrokerPositionLike[]>;
  fetchAccount(): Promise<BrokerAccountLike>;
  closePosition(symbol: string, opts?: { tradeId?: string }): Promise<StoredOrderLike | null>;
  on(listener: (e: BrokerEventLike) => void): () => void;
  onOrderBook(symbol: string, book: OrderBook): void;
  onTrades(symbol: string, trades: readonly Trade[]): void;
  onMarkPrice(symbol: string, markPrice: number, atMs: number): void;
}

export interface KillSwitchLike {
  isOn(): boolean;
  state(): { on: boolean; sources: string[]; reason: string | null; changedAtMs: number | null };
  set(on: boolean, reason: string): unknown;
}

/** What the broker asks of its RiskPolicy. */
export type RiskGateLike = Pick<RiskPolicy, 'config' | 'evaluateEntry' | 'evaluateExit'>;

/** The sdk's trading module (PaperBroker, KillSwitch, panic), loaded at run time. */
export interface TradingModuleLike {
  PaperBroker: new (o: {
    store: unknown;
    clock: Clock;
    risk: RiskGateLike;
    exchange: string;
    market: (symbol: string) => { makerFee: number; takerFee: number } | undefined;
    logger?: Logger;
  }) => PaperBrokerLike;
  KillSwitch: new (o: { store: unknown; clock: Clock; home?: string }) => KillSwitchLike;
  panic(
    deps: { broker: PaperBrokerLike; store: unknown; clock: Clock; killSwitch?: KillSwitchLike },
    opts: { symbols?: readonly string[] },
  ): Promise<{ cancelled: string[]; closed: string[]; failures: { target: string; error: string }[] }>;
}

/** Market data the paper broker is fed: the engine's order flow and the source's public trades. */
export interface PaperFeedSource {
  refreshOrderFlow(symbol: string): Promise<{ bookTop?: OrderBook; markPrice?: { markPrice: number } }>;
  fetchTrades(symbol: string, limit: number): Promise<Trade[]>;
}

export interface PaperTradingOptions {
  trading: TradingModuleLike;
  /** The sdk Store (opaque here; the broker and kill switch use it directly). */
  store: unknown;
  settings: SettingsRepositoryLike;
  positionTimes: (symbol: string) => { openedAtMs: number; updatedAtMs: number } | undefined;
  exchange: string;
  home: string;
  /** Sim-aware clock for order and fill times. */
  clock: Clock;
  /** Wall clock for the feed timer. */
  wall: Clock;
  logger: Logger;
  feed: PaperFeedSource;
  risk: () => RiskConfig;
  ranking: (symbol: string) => RankingRowView | null;
  /** Wall milliseconds between feeds of symbols with positions or working orders (default 1 s). */
  feedIntervalMs?: number;
}

export interface PaperTrading {
  port: TradingPort;
  subscribe(listener: (e: HostEvent) => void): () => void;
  /** Rebuilds the RiskPolicy after a settings change (the daily anchor is kept). */
  setRisk(config: RiskConfig): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const ANCHOR_KEY = 'trading.paper.dailyAnchor';
/** BloFin's base maker fee; the taker fee is the ranking's default (6 bps). */
const MAKER_FEE_RATE = 0.0002;

/**
 * Paper trading over the sdk's PaperBroker: every order passes the RiskPolicy (the kill switch
 * first), orders, fills and positions live in the store so they survive a restart, and a feed
 * gives the broker books, marks and public trades for the symbols it has positions or orders in,
 * so market orders walk a real book and stops and take-profits trigger on real prints.
 */
export function createPaperTrading(o: PaperTradingOptions): PaperTrading {
  const savedAnchor = o.settings.get(ANCHOR_KEY) as DailyAnchor | undefined;
  let anchor: DailyAnchor | null = savedAnchor && typeof savedAnchor.dayStartMs === 'number' ? savedAnchor : null;
  const killSwitch = new o.trading.KillSwitch({ store: o.store, clock: o.clock, home: o.home });
  const makePolicy = (config: RiskConfig) =>
    new RiskPolicy(config, {
      clock: o.clock,
      isKillSwitchOn: killSwitch.isOn,
      initialAnchor: anchor,
      onAnchor: (a) => {
        anchor = a;
        o.settings.set(ANCHOR_KEY, a, o.wall.nowMs());
      },
    });
  let policy = makePolicy(o.risk());
  // The broker keeps the policy it was built with; this one delegates so settings apply at once.
  const delegate: RiskGateLike = {
    get config() {
      return policy.config;
    },
    evaluateEntry: (req, account) => policy.evaluateEntry(req, account),
    evaluateExit: (req, account) => policy.evaluateExit(req, account),
  };
  const broker = new o.trading.PaperBroker({
    store: o.store,
    clock: o.clock,
    risk: delegate,
    exchange: o.exchange,
    market: () => ({ makerFee: MAKER_FEE_RATE, takerFee: DEFAULT_TAKER_FEE_RATE }),
    logger: o.logger,
  });

  const lastTradeMs = new Map<string, number>();
  const lastPositions = new Map<string, PositionView>();
  const pendingProtection = new Map<string, { tradeId: string; stop?: number; target?: number }>();
  const listeners = new Set<(e: HostEvent) => void>();
  const emit = (e: HostEvent) => {
    for (const fn of [...listeners]) fn(e);
  };

  /** Feeds the broker one symbol's book, mark and new prints; returns the freshest price seen. */
  async function feed(symbol: string): Promise<number | null> {
    const flow = await o.feed.refreshOrderFlow(symbol);
    if (flow.bookTop) broker.onOrderBook(symbol, flow.bookTop);
    if (flow.markPrice) broker.onMarkPrice(symbol, flow.markPrice.markPrice, o.clock.nowMs());
    const trades = await o.feed.fetchTrades(symbol, 100);
    const seen = lastTradeMs.get(symbol);
    const newest = trades.reduce((m, t) => Math.max(m, t.timestampMs), seen ?? 0);
    lastTradeMs.set(symbol, newest);
    const bid = flow.bookTop?.bids[0]?.[0];
    const ask = flow.bookTop?.asks[0]?.[0];
    const price = bid !== undefined && ask !== undefined ? (bid + ask) / 2 : (flow.markPrice?.markPrice ?? null);
    // The first read only marks where the tape stands: older prints must not fill new orders.
    if (seen === undefined) return price;
    const fresh = trades.filter((t) => t.timestampMs > seen).sort((a, b) => a.timestampMs - b.timestampMs);
    if (fresh.length > 0) broker.onTrades(symbol, fresh);
    return price;
  }

  const protection = (symbol: string) => {
    let stop: number | null = null;
    let target: number | null = null;
    for (const ord of broker.openOrders(symbol)) {
      if (ord.type === 'stop_market') stop = ord.triggerPrice;
      if (ord.type === 'take_profit_market') target = ord.triggerPrice;
    }
    return { stop, target };
  };

  function positionView(p: BrokerPositionLike): PositionView {
    const times = o.positionTimes(p.symbol) ?? { openedAtMs: o.clock.nowMs(), updatedAtMs: o.clock.nowMs() };
    return toPositionView(p, times, protection(p.symbol));
  }

  async function protect(order: StoredOrderLike, plan: { tradeId: string; stop?: number; target?: number }): Promise<void> {
    const exitSide = order.side === 'buy' ? 'sell' : 'buy';
    const legs: [BrokerOrderRequest['type'], number | undefined, string][] = [
      ['stop_market', plan.stop, 'sl'],
      ['take_profit_market', plan.target, 'tp'],
    ];
    for (const [type, triggerPrice, leg] of legs) {
      if (triggerPrice === undefined) continue;
      const purpose = type === 'stop_market' ? 'stop_loss' : 'take_profit';
      await broker.placeOrder({ symbol: order.symbol, side: exitSide, type, amountBase: order.filledBase, triggerPrice, reduceOnly: true, purpose, tradeId: plan.tradeId, leg });
    }
  }

  const offBroker = broker.on((e) => {
    if (e.type === 'order') {
      emit({ event: 'order', data: toOrderView(e.order) });
      const plan = pendingProtection.get(e.order.clientOrderId);
      if (plan && e.order.state === 'FILLED') {
        pendingProtection.delete(e.order.clientOrderId);
        protect(e.order, plan).catch((err: unknown) => o.logger.warn({ symbol: e.order.symbol, err: err instanceof Error ? err.message : String(err) }, 'protective orders refused'));
      }
    } else if (e.type === 'fill') {
      emit({ event: 'fill', data: toFillView(e.fill) });
    } else if (e.type === 'position') {
      if (e.position) {
        const view = positionView(e.position);
        lastPositions.set(e.symbol, view);
        emit({ event: 'position', data: view });
      } else {
        const last = lastPositions.get(e.symbol);
        lastPositions.delete(e.symbol);
        if (last) emit({ event: 'position', data: { ...last, status: 'closed', sizeBase: 0, unrealizedPnlUsd: 0, updatedAtMs: Math.floor(o.clock.nowMs()) } });
        // What protected a closed position protects nothing now.
        for (const ord of broker.openOrders(e.symbol)) if (ord.reduceOnly) void broker.cancelOrder(ord.clientOrderId).catch(() => undefined);
      }
    } else {
      emit({ event: 'alert', data: { id: `${e.reason}-${o.clock.nowMs()}`, level: e.level, kind: e.reason, message: e.message, symbol: null, atMs: Math.floor(o.clock.nowMs()) } });
    }
  });

  function killState(): KillSwitchStateView {
    const s = killSwitch.state();
    return { active: s.on, reason: s.on ? (s.reason ?? s.sources.join(', ')) : s.reason, sinceMs: s.changedAtMs === null ? null : Math.floor(s.changedAtMs) };
  }

  async function placeOrder(p: MethodParams<'orders.place'>): Promise<OrderView> {
    if (!p.reduceOnly && killSwitch.isOn()) {
      const s = killState();
      throw new PerpscopeError(ErrorCode.KillSwitchActive, `Kill switch is on${s.reason ? ` (${s.reason})` : ''}: new orders are blocked`, { details: { reason: s.reason } });
    }
    const mid = await feed(p.symbol);
    const row = o.ranking(p.symbol);
    const refPrice = p.price ?? mid ?? row?.lastPrice ?? null;
    if (refPrice === null || !(refPrice > 0)) {
      throw new PerpscopeError(ErrorCode.InvalidInput, `No price for ${p.symbol} yet; try again once it is ranked`, { details: { symbol: p.symbol } });
    }
    const amountBase = p.amountBase ?? (p.notionalUsd ?? 0) / refPrice;
    const side = p.side === 'buy' ? 'long' : 'short';
    const tradeId = `manual_${p.symbol.replace(/[^A-Za-z0-9]/g, '')}_${Math.floor(o.clock.nowMs())}`;
    const risk: RiskOrderRequest = {
      symbol: p.symbol,
      side,
      // A manual order is the user's own call: the signal-quality gates (min score and
      // probability) are met by definition; every other gate applies.
      score: policy.config.gates.minScore,
      probability: policy.config.gates.minProbability,
      manipScore: row?.manipScore ?? null,
      quoteVolume24hUsd: row?.quoteVolume24hUsd ?? 0,
      entryPrice: refPrice,
      atr: ((row?.atrPct ?? 0) / 100) * refPrice,
      stopPrice: p.stopLossPrice ?? null,
    };
    const order = await broker.placeOrder({
      symbol: p.symbol,
      side: p.side,
      type: p.type,
      amountBase,
      ...(p.price !== undefined ? { price: p.price } : {}),
      ...(p.reduceOnly ? { reduceOnly: true, purpose: 'exit' as const } : { risk, purpose: 'entry' as const }),
      ...(p.leverage !== undefined ? { leverage: p.leverage } : {}),
      tradeId,
      leg: 'entry',
    });
    const plan = { tradeId, ...(p.stopLossPrice !== undefined ? { stop: p.stopLossPrice } : {}), ...(p.takeProfitPrice !== undefined ? { target: p.takeProfitPrice } : {}) };
    if (plan.stop !== undefined || plan.target !== undefined) {
      if (order.state === 'FILLED') await protect(order, plan);
      else if (order.state === 'ACK' || order.state === 'PARTIAL') pendingProtection.set(order.clientOrderId, plan);
    }
    return toOrderView(order);
  }

  let cancelTimer: (() => void) | undefined;
  let stopped = false;
  const tick = (): void => {
    if (stopped) return;
    const run = async () => {
      const symbols = new Set([...(await broker.fetchPositions()).map((p) => p.symbol), ...broker.openOrders().map((ord) => ord.symbol)]);
      for (const s of symbols) await feed(s);
      for (const p of await broker.fetchPositions()) {
        const view = positionView(p);
        lastPositions.set(p.symbol, view);
        emit({ event: 'position', data: view });
      }
    };
    run()
      .catch((err: unknown) => o.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'paper feed failed; retrying'))
      .finally(() => {
        if (!stopped) cancelTimer = o.wall.setTimer(o.feedIntervalMs ?? 1_000, tick);
      });
  };

  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    setRisk(config) {
      policy = makePolicy(config);
    },
    async start() {
      await broker.start();
      tick();
    },
    async stop() {
      stopped = true;
      cancelTimer?.();
      offBroker();
      await broker.stop();
    },
    port: {
      async status() {
        const positions = await broker.fetchPositions();
        return {
          mode: 'paper',
          exchange: o.exchange,
          autotrade: false,
          killSwitch: killState(),
          account: toAccountView(await broker.fetchAccount(), anchor ? (await broker.fetchAccount()).equityUsd - anchor.equityUsd : null),
          positions: positions.map(positionView),
          orders: broker.openOrders().map(toOrderView),
        };
      },
      setAutotrade() {
        throw new PerpscopeError(ErrorCode.NotSupported, 'Auto-trading is not available in the desktop app yet; place orders manually');
      },
      placeOrder,
      async cancelOrder(orderId) {
        return toOrderView(await broker.cancelOrder(orderId));
      },
      async closePosition(symbol) {
        await feed(symbol);
        const order = await broker.closePosition(symbol, { tradeId: `close_${symbol.replace(/[^A-Za-z0-9]/g, '')}_${Math.floor(o.clock.nowMs())}` });
        if (!order) throw new PerpscopeError(ErrorCode.InvalidInput, `No open paper position on ${symbol}`, { details: { symbol } });
        return toOrderView(order);
      },
      setKillSwitch(active, reason) {
        killSwitch.set(active, reason ?? (active ? 'set from the app' : 'cleared from the app'));
        return killState();
      },
      async panic(symbols) {
        for (const s of symbols ?? (await broker.fetchPositions()).map((p) => p.symbol)) await feed(s).catch(() => undefined);
        const report = await o.trading.panic({ broker, store: o.store, clock: o.clock, killSwitch }, symbols ? { symbols } : {});
        return {
          canceledOrders: report.cancelled.length,
          closedPositions: report.closed.length,
          failures: report.failures.map((f) => ({ symbol: f.target, message: f.error })),
        };
      },
    },
  };
}
