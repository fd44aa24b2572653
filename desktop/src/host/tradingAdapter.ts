import {
  createTradingStack,
  describeError,
  PaperBroker,
  PerpscopeError,
  TradingBridge,
  type BrokerPosition,
  type Clock,
  type Engine,
  type Logger,
  type PlaceOrderRequest,
  type RiskConfig,
  type RiskOrderRequest,
  type Store,
  type StoredOrder,
} from '@perpscope/sdk';
import { ErrorCode, type KillSwitchStateView, type MethodParams, type OrderView, type PositionView, type RankingRowView } from '@perpscope/shared';
import type { HostEvent, TradingPort } from './ports.js';
import { toAccountView, toFillView, toOrderView, toPositionView } from './tradingViews.js';

export interface PaperTradingOptions {
  engine: Engine;
  store: Store;
  exchange: string;
  home: string;
  /** Market clock (the sim's when running on SimExchange): order, fill and signal times. */
  clock: Clock;
  logger: Logger;
  risk: RiskConfig;
  ranking: (symbol: string) => RankingRowView | null;
  /** Market-clock milliseconds between refreshes of symbols with positions or working orders. */
  positionRefreshMs: number;
}

export interface PaperTrading {
  port: TradingPort;
  subscribe(listener: (e: HostEvent) => void): () => void;
  /** Applies changed risk settings to the stack's RiskPolicy at once (the daily anchor is kept). */
  setRisk(config: RiskConfig): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Store key of the auto-trader switch, so it survives a restart. */
const AUTOTRADE_KEY = 'desktop.trading.autotrade';

const tradeKey = (prefix: string, symbol: string, atMs: number) => `${prefix}_${symbol.replace(/[^A-Za-z0-9]/g, '')}_${Math.floor(atMs)}`;

/**
 * Paper trading over the sdk's trading stack, driven by one TradingBridge: every order passes the
 * stack's RiskPolicy (the kill switch first), the AutoTrader takes selected signals when the
 * switch is on, and orders, fills, positions and the switch live in the store so they survive a
 * restart. Manual orders refresh the symbol's order flow first so they walk the current book.
 */
export function createPaperTrading(o: PaperTradingOptions): PaperTrading {
  const stack = createTradingStack({
    mode: 'paper',
    store: o.store,
    clock: o.clock,
    risk: structuredClone(o.risk),
    exchangeId: o.exchange,
    home: o.home,
    paperMarket: (symbol) => o.engine.markets().find((m) => m.symbol === symbol),
    logger: o.logger,
  });
  const { broker, killSwitch } = stack;
  const lastPositions = new Map<string, PositionView>();
  const pendingProtection = new Map<string, { tradeId: string; stop?: number; target?: number }>();
  const listeners = new Set<(e: HostEvent) => void>();
  const emit = (e: HostEvent) => {
    for (const fn of [...listeners]) fn(e);
  };
  const alert = (level: 'info' | 'warn' | 'error', kind: string, message: string, symbol: string | null = null) => {
    const atMs = Math.floor(o.clock.nowMs());
    emit({ event: 'alert', data: { id: `${kind}-${atMs}`, level, kind, message, symbol, atMs } });
  };

  const protection = (symbol: string) => {
    let stop: number | null = null;
    let target: number | null = null;
    for (const ord of broker.openOrders(symbol)) {
      if (ord.type === 'stop_market') stop = ord.triggerPrice;
      if (ord.type === 'take_profit_market') target = ord.triggerPrice;
    }
    return { stop, target };
  };

  function positionView(p: BrokerPosition): PositionView {
    const times = o.store.positions.get('paper', o.exchange, p.symbol) ?? { openedAtMs: o.clock.nowMs(), updatedAtMs: o.clock.nowMs() };
    return toPositionView(p, times, protection(p.symbol));
  }

  /** The manual ticket's stop and take-profit, placed reduce-only once the entry has filled. */
  async function protect(order: StoredOrder, plan: { tradeId: string; stop?: number; target?: number }): Promise<void> {
    const exitSide = order.side === 'buy' ? 'sell' : 'buy';
    const legs: [PlaceOrderRequest['type'], number | undefined, string][] = [
      ['stop_market', plan.stop, 'sl'],
      ['take_profit_market', plan.target, 'tp'],
    ];
    for (const [type, triggerPrice, leg] of legs) {
      if (triggerPrice === undefined) continue;
      const purpose = type === 'stop_market' ? 'stop_loss' : 'take_profit';
      await broker.placeOrder({ symbol: order.symbol, side: exitSide, type, amountBase: order.filledBase, triggerPrice, reduceOnly: true, purpose, tradeId: plan.tradeId, leg });
    }
  }

  const bridge = new TradingBridge({
    engine: o.engine,
    stack,
    paper: broker instanceof PaperBroker ? broker : undefined,
    clock: o.clock,
    logger: o.logger,
    autotrade: o.store.settings.get(AUTOTRADE_KEY) === true,
    positionRefreshMs: o.positionRefreshMs,
    onSignalOutcome: (signal, outcome) =>
      outcome.status === 'placed'
        ? alert('info', 'autotrade_entry', `Auto-trader opened ${signal.side} ${signal.symbol}`, signal.symbol)
        : alert('info', 'autotrade_skip', `Auto-trader skipped ${signal.side} ${signal.symbol}: ${outcome.message}`, signal.symbol),
    onBrokerEvent: (e) => {
      if (e.type === 'order') {
        emit({ event: 'order', data: toOrderView(e.order) });
        const plan = pendingProtection.get(e.order.clientOrderId);
        if (plan && e.order.state === 'FILLED') {
          pendingProtection.delete(e.order.clientOrderId);
          protect(e.order, plan).catch((err: unknown) => o.logger.warn({ symbol: e.order.symbol, err: describeError(err) }, 'protective orders refused'));
        }
      } else if (e.type === 'fill') {
        emit({ event: 'fill', data: toFillView(e.fill) });
      } else if (e.type === 'position') {
        if (e.position) {
          const view = positionView(e.position);
          lastPositions.set(e.symbol, view);
          emit({ event: 'position', data: view });
          return;
        }
        const last = lastPositions.get(e.symbol);
        lastPositions.delete(e.symbol);
        if (last) emit({ event: 'position', data: { ...last, status: 'closed', sizeBase: 0, unrealizedPnlUsd: 0, updatedAtMs: Math.floor(o.clock.nowMs()) } });
        // What protected a closed position protects nothing now; the AutoTrader's plans close too.
        for (const ord of broker.openOrders(e.symbol)) if (ord.reduceOnly) void broker.cancelOrder(ord.clientOrderId).catch(() => undefined);
        stack.protection.sync().catch((err: unknown) => o.logger.warn({ symbol: e.symbol, err: describeError(err) }, 'protection sync failed'));
      } else {
        alert(e.level, e.reason, e.message);
      }
    },
  });

  function killState(): KillSwitchStateView {
    const s = killSwitch.state();
    return { active: s.on, reason: s.on ? (s.reason ?? s.sources.join(', ')) : s.reason, sinceMs: s.changedAtMs === null ? null : Math.floor(s.changedAtMs) };
  }

  /** The freshest mid (or mark) after feeding the broker the symbol's current book. */
  async function refresh(symbol: string): Promise<number | null> {
    const flow = await bridge.refresh(symbol);
    const bid = flow.bookTop?.bids[0]?.[0];
    const ask = flow.bookTop?.asks[0]?.[0];
    return bid !== undefined && ask !== undefined ? (bid + ask) / 2 : (flow.markPrice?.markPrice ?? null);
  }

  async function placeOrder(p: MethodParams<'orders.place'>): Promise<OrderView> {
    if (!p.reduceOnly && killSwitch.isOn()) {
      const s = killState();
      throw new PerpscopeError(ErrorCode.KillSwitchActive, `Kill switch is on${s.reason ? ` (${s.reason})` : ''}: new orders are blocked`, { details: { reason: s.reason } });
    }
    const mid = await refresh(p.symbol);
    const row = o.ranking(p.symbol);
    const refPrice = p.price ?? mid ?? row?.lastPrice ?? null;
    if (refPrice === null || !(refPrice > 0)) {
      throw new PerpscopeError(ErrorCode.InvalidInput, `No price for ${p.symbol} yet; try again once it is ranked`, { details: { symbol: p.symbol } });
    }
    const amountBase = p.amountBase ?? (p.notionalUsd ?? 0) / refPrice;
    const tradeId = tradeKey('manual', p.symbol, o.clock.nowMs());
    const gates = stack.risk.config.gates;
    const risk: RiskOrderRequest = {
      symbol: p.symbol,
      side: p.side === 'buy' ? 'long' : 'short',
      // A manual order is the user's own call: the signal-quality gates (min score and
      // probability) are met by definition; every other gate applies.
      score: gates.minScore,
      probability: gates.minProbability,
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

  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    setRisk(config) {
      // Broker and AutoTrader share the stack's one policy: updating its config in place applies
      // the new limits to both, and keeps its daily anchor.
      Object.assign(stack.risk.config, structuredClone(config));
    },
    async start() {
      await stack.autoTrader.start();
      bridge.start();
    },
    async stop() {
      bridge.stop();
      await broker.stop();
    },
    port: {
      async status() {
        const s = await stack.status();
        const anchor = stack.risk.dailyAnchor();
        return {
          mode: 'paper',
          exchange: o.exchange,
          autotrade: bridge.isAutotrade(),
          killSwitch: killState(),
          account: toAccountView(s.account, anchor ? s.account.equityUsd - anchor.equityUsd : null),
          positions: s.positions.map(positionView),
          orders: s.openOrders.map(toOrderView),
        };
      },
      setAutotrade(enabled) {
        o.store.settings.set(AUTOTRADE_KEY, enabled, o.clock.nowMs());
        bridge.setAutotrade(enabled);
        return bridge.isAutotrade();
      },
      placeOrder,
      async cancelOrder(orderId) {
        return toOrderView(await broker.cancelOrder(orderId));
      },
      async closePosition(symbol) {
        await refresh(symbol);
        const order = await broker.closePosition(symbol, { tradeId: tradeKey('close', symbol, o.clock.nowMs()) });
        if (!order) throw new PerpscopeError(ErrorCode.InvalidInput, `No open paper position on ${symbol}`, { details: { symbol } });
        return toOrderView(order);
      },
      setKillSwitch(active, reason) {
        killSwitch.set(active, reason ?? (active ? 'set from the app' : 'cleared from the app'));
        return killState();
      },
      async panic(symbols) {
        for (const s of symbols ?? (await broker.fetchPositions()).map((p) => p.symbol)) await refresh(s).catch(() => undefined);
        const report = await stack.autoTrader.panic(symbols ? { symbols } : {});
        return {
          canceledOrders: report.cancelled.length,
          closedPositions: report.closed.length,
          failures: report.failures.map((f) => ({ symbol: f.target, message: f.error })),
        };
      },
    },
  };
}
