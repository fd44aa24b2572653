import {
  createTradingStack,
  describeError,
  ManualOrders,
  PaperBroker,
  paperMarketSpec,
  TradingBridge,
  watchEmergencyFile,
  fillExitReason,
  type BrokerPosition,
  type Fill,
  type EmergencyFileWatch,
  type Clock,
  type Engine,
  type Logger,
  type RiskConfig,
  type Store,
  type AutoTraderConfigInput,
  type EdgeEvidenceFile,
  type EdgeGateConfig,
} from '@perpscope/sdk';
import type { KillSwitchStateView, MethodParams, OrderView, PositionView, RankingRowView } from '@perpscope/shared';
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
  /** AutoTrader settings, the edge gate among them. */
  autotrade: AutoTraderConfigInput;
  /** Edge evidence the engine's signals carry (named in the trader's status). */
  edgeEvidence: EdgeEvidenceFile | null;
  ranking: (symbol: string) => RankingRowView | null;
  /** Market-clock milliseconds between refreshes of symbols with positions or working orders. */
  positionRefreshMs: number;
}

export interface PaperTrading {
  port: TradingPort;
  subscribe(listener: (e: HostEvent) => void): () => void;
  /** Applies changed risk settings to the stack's RiskPolicy at once (the daily anchor is kept). */
  setRisk(config: RiskConfig): void;
  /** Applies a changed edge gate to the AutoTrader at once: the next signal and status use it. */
  setEdge(config: EdgeGateConfig): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Store key of the auto-trader switch, so it survives a restart. */
const AUTOTRADE_KEY = 'desktop.trading.autotrade';


/**
 * Paper trading over the sdk's trading stack, driven by one TradingBridge: every order passes the
 * stack's RiskPolicy (the kill switch first), the AutoTrader takes selected signals when the
 * switch is on, and orders, fills, positions and the switch live in the store so they survive a
 * restart. Manual orders refresh the symbol's order flow first so they walk the current book, then
 * go through the sdk's ManualOrders, which keeps the ticket's sizing and TP/SL logic.
 */
export function createPaperTrading(o: PaperTradingOptions): PaperTrading {
  const stack = createTradingStack({
    mode: 'paper',
    store: o.store,
    clock: o.clock,
    risk: structuredClone(o.risk),
    exchangeId: o.exchange,
    home: o.home,
    paperMarket: (symbol) => {
      const m = o.engine.markets().find((x) => x.symbol === symbol);
      return m ? paperMarketSpec(m) : undefined;
    },
    autoTrader: o.autotrade,
    edgeEvidence: o.edgeEvidence,
    logger: o.logger,
  });
  const { broker, killSwitch } = stack;
  let emergency: EmergencyFileWatch | undefined;
  const fillView = (f: Fill) => toFillView(f, fillExitReason(f, (id) => o.store.orders.get(id)));
  const lastPositions = new Map<string, PositionView>();
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
      } else if (e.type === 'fill') {
        emit({ event: 'fill', data: fillView(e.fill) });
      } else if (e.type === 'position') {
        if (e.position) {
          const view = positionView(e.position);
          lastPositions.set(e.symbol, view);
          emit({ event: 'position', data: view });
          return;
        }
        const last = lastPositions.get(e.symbol);
        lastPositions.delete(e.symbol);
        // The bridge cancels the closed position's leftover exits and closes its plans.
        if (last) emit({ event: 'position', data: { ...last, status: 'closed', sizeBase: 0, unrealizedPnlUsd: 0, updatedAtMs: Math.floor(o.clock.nowMs()) } });
      } else {
        alert(e.level, e.reason, e.message);
      }
    },
  });

  const manual = new ManualOrders({ stack, clock: o.clock, logger: o.logger });

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

  /** Manual orders go through the sdk's one order path: sized at the executable price, every gate. */
  async function placeOrder(p: MethodParams<'orders.place'>): Promise<OrderView> {
    manual.refuseIfKilled(p);
    const referencePrice = await refresh(p.symbol);
    const row = o.ranking(p.symbol);
    const order = await manual.place(
      {
        symbol: p.symbol,
        side: p.side,
        type: p.type,
        ...(p.price !== undefined ? { price: p.price } : {}),
        ...(p.amountBase !== undefined ? { amountBase: p.amountBase } : {}),
        ...(p.notionalUsd !== undefined ? { notionalUsd: p.notionalUsd } : {}),
        ...(p.stopLossPrice !== undefined ? { stopLossPrice: p.stopLossPrice } : {}),
        ...(p.takeProfitPrice !== undefined ? { takeProfitPrice: p.takeProfitPrice } : {}),
        ...(p.reduceOnly !== undefined ? { reduceOnly: p.reduceOnly } : {}),
        ...(p.leverage !== undefined ? { leverage: p.leverage } : {}),
      },
      { referencePrice: referencePrice ?? row?.lastPrice ?? null, manipScore: row?.manipScore ?? null, quoteVolume24hUsd: row?.quoteVolume24hUsd ?? 0, atrPct: row?.atrPct ?? null },
    );
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
    setEdge(config) {
      // The AutoTrader reads its edge config per signal and per status, so updating it in place suffices.
      Object.assign(stack.autoTrader.config.edge, structuredClone(config));
    },
    async start() {
      await stack.autoTrader.start();
      bridge.start();
      const file = stack.autoTrader.config.emergencyFile;
      if (file !== null) {
        emergency = watchEmergencyFile({ file, home: o.home, broker, store: o.store, clock: o.clock, killSwitch, onAlert: (a) => alert(a.level, a.kind, a.message) });
        // A file already there at start flattens before the first signal.
        await emergency.check();
      }
    },
    async stop() {
      // A flatten under way finishes before the broker and the store go away.
      await emergency?.stop().catch(() => undefined);
      bridge.stop();
      manual.dispose();
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
          edge: s.edge,
        };
      },
      setAutotrade(enabled) {
        o.store.settings.set(AUTOTRADE_KEY, enabled, o.clock.nowMs());
        bridge.setAutotrade(enabled);
        return bridge.isAutotrade();
      },
      placeOrder,
      history(limit) {
        return {
          orders: o.store.orders.listRecent('paper', o.exchange, limit).map(toOrderView),
          fills: o.store.fills.recent('paper', o.exchange, limit).map(fillView),
        };
      },
      async cancelOrder(orderId) {
        return toOrderView(await broker.cancelOrder(orderId));
      },
      async closePosition(symbol) {
        await refresh(symbol);
        return toOrderView(await manual.close(symbol));
      },
      setKillSwitch(active, reason) {
        killSwitch.set(active, reason ?? (active ? 'set from the app' : 'cleared from the app'));
        return killState();
      },
      async panic(symbols) {
        for (const s of symbols ?? (await broker.fetchPositions()).map((p) => p.symbol)) await refresh(s).catch((err: unknown) => o.logger.warn({ symbol: s, err: describeError(err) }, 'panic: book refresh failed; closing against the last book'));
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
