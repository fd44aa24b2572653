import {
  CcxtBroker,
  createTradingStack,
  PerpscopeError,
  describeError,
  ManualOrderDesk,
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
  type AutoTraderConfig,
  type AutoTraderConfigInput,
  type EdgeEvidenceFile,
  type EdgeGateConfig,
  type TradingStack,
  type TpSlConfig,
  type MarketPrecision,
} from '@perpscope/sdk';
import type { Exchange } from 'ccxt';
import { ErrorCode, type KillSwitchStateView, type MethodParams, type OrderView, type PositionView, type RankingRowView } from '@perpscope/shared';
import type { HostEvent, HostSecret, TradingPort } from './ports.js';
import { toAccountView, toFillView, toOrderView, toPositionView } from './tradingViews.js';
import { previewOrder } from './orderPreview.js';
import { amendTrigger, setPositionTrigger } from './triggerAmend.js';
import { closePosition } from './positionClose.js';
import { listHistory, realizedNetOfFeesUsd } from './tradeHistory.js';

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
  /**
   * A ccxt client with `secret` for live trading on `exchange` (SimExchange's private API when the
   * engine runs on the sim). Absent: live trading is not offered.
   */
  liveExchange?: (exchange: string, secret: HostSecret) => Exchange | Promise<Exchange>;
  /**
   * The venue the engine reads (under the sim, the exchange its dialect speaks for): a live session trades there only, since
   * its signals, order-flow gates, ticket prices and protection marks all come from it.
   */
  venue?: string;
}

export interface PaperTrading {
  port: TradingPort;
  subscribe(listener: (e: HostEvent) => void): () => void;
  /** Applies changed risk settings to the stack's RiskPolicy at once (the daily anchor is kept). */
  setRisk(config: RiskConfig): void;
  /** Applies a changed edge gate to the AutoTrader at once: the next signal and status use it. */
  setEdge(config: EdgeGateConfig): void;
  /** Applies changed TP/SL, break-even and trailing settings: positions opened from now on use them. */
  setTpsl(config: TpSlConfig): void;
  /** Applies changed pyramid levels at once: the AutoTrader reads them at each price, open positions included. */
  setPyramid(levels: AutoTraderConfig['pyramidLevels']): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Store key of the paper auto-trader switch, so it survives a restart (live never starts armed). */
const AUTOTRADE_KEY = 'desktop.trading.autotrade';

/** One trading stack with its bridge, ticket path and emergency-file watch: paper, or live once armed. */
interface Session {
  kind: 'paper' | 'live';
  /** The exchange id its ledger rows are kept under. */
  exchange: string;
  /** The key's label (live). */
  label: string | null;
  stack: TradingStack;
  bridge: TradingBridge;
  /** The sdk's sequence for the trader's own orders, closes and panic over this session's stack. */
  desk: ManualOrderDesk;
  /** Credential values to keep out of every message of this session (live). */
  secrets: readonly string[];
  /** Runs a command of this session; its stop waits for the commands under way. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  positionView(p: BrokerPosition): PositionView;
  fillView(f: Fill): ReturnType<typeof toFillView>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Trading over the sdk's trading stack, paper by default and live once armed, each driven by its
 * own TradingBridge: every order passes the stack's RiskPolicy (the kill switch first), the
 * AutoTrader takes selected signals when its switch is on, and orders, fills, positions and the
 * switch live in the store so they survive a restart. Manual orders, closes and panic run the
 * sdk's ManualOrderDesk sequence (fresh book, executable price, size, place, protect).
 *
 * Live is armed by `armLive` with a key the host has already read from the keychain and tested;
 * it runs the same stack `perpscope run --live` builds (CcxtBroker: the ledger before the send,
 * reconcile at start, leverage and margin set on the exchange). While armed, every command and
 * event is the live session's; disarming stops it and returns to paper. Nothing of it is stored,
 * so a restart is always paper.
 */
export function createPaperTrading(o: PaperTradingOptions): PaperTrading {
  const listeners = new Set<(e: HostEvent) => void>();
  const emit = (e: HostEvent) => {
    for (const fn of [...listeners]) fn(e);
  };
  const alert = (level: 'info' | 'warn' | 'error', kind: string, message: string, symbol: string | null = null) => {
    const atMs = Math.floor(o.clock.nowMs());
    emit({ event: 'alert', data: { id: `${kind}-${atMs}`, level, kind, message, symbol, atMs } });
  };
  let risk = structuredClone(o.risk);
  const edge = { ...(o.autotrade.edge ?? {}) };
  let tpsl = structuredClone(o.autotrade.tpsl);
  let pyramidLevels = structuredClone(o.autotrade.pyramidLevels);

  function openSession(kind: 'paper' | 'live', exchange: string, label: string | null, client?: Exchange, secrets: readonly string[] = []): Session {
    const stack = createTradingStack({
      mode: kind,
      store: o.store,
      clock: o.clock,
      risk: structuredClone(risk),
      exchangeId: exchange,
      home: o.home,
      ...(kind === 'live'
        ? { exchange: client! }
        : {
            paperMarket: (symbol: string) => {
              const m = o.engine.markets().find((x) => x.symbol === symbol);
              return m ? paperMarketSpec(m) : undefined;
            },
          }),
      autoTrader: {
        ...o.autotrade,
        edge: { ...edge } as EdgeGateConfig,
        ...(tpsl ? { tpsl: structuredClone(tpsl) } : {}),
        ...(pyramidLevels ? { pyramidLevels: structuredClone(pyramidLevels) } : {}),
        // Arming never closes what the account already holds: its open positions get a fallback
        // stop (the dialog says so), whatever `safeRestart` says for a restart of the app.
        ...(kind === 'live' ? { safeRestart: 'rearm' as const } : {}),
      },
      edgeEvidence: o.edgeEvidence,
      logger: o.logger,
    });
    const { broker, killSwitch } = stack;
    const ledger = kind;
    const inFlight = new Set<Promise<unknown>>();
    let stopping = false;
    const say = (level: 'info' | 'warn' | 'error', kind: string, message: string, symbol: string | null = null) => {
      if (active() === session) alert(level, kind, redact(message, secrets), symbol);
    };
    let emergency: EmergencyFileWatch | undefined;
    const fillView = (f: Fill) => toFillView(f, fillExitReason(f, (id) => o.store.orders.get(id)));
    const lastPositions = new Map<string, PositionView>();
    // Only the active session's events reach the app: the positions and orders it shows are its.
    const emitIfActive = (e: HostEvent) => {
      if (active() === session) emit(e);
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
    const positionView = (p: BrokerPosition): PositionView => {
      const times = o.store.positions.get(ledger, exchange, p.symbol) ?? { openedAtMs: o.clock.nowMs(), updatedAtMs: o.clock.nowMs() };
      return toPositionView(p, times, protection(p.symbol));
    };
    const bridge = new TradingBridge({
      engine: o.engine,
      stack,
      paper: broker instanceof PaperBroker ? broker : undefined,
      clock: o.clock,
      logger: o.logger,
      autotrade: kind === 'paper' && o.store.settings.get(AUTOTRADE_KEY) === true,
      positionRefreshMs: o.positionRefreshMs,
      onSignalOutcome: (signal, outcome) => {
        if (outcome.status === 'placed') say('info', 'autotrade_entry', `Auto-trader opened ${signal.side} ${signal.symbol}${kind === 'live' ? ' (LIVE)' : ''}`, signal.symbol);
        else say('info', 'autotrade_skip', `Auto-trader skipped ${signal.side} ${signal.symbol}: ${outcome.message}`, signal.symbol);
      },
      onBrokerEvent: (e) => {
        if (e.type === 'order') {
          emitIfActive({ event: 'order', data: toOrderView(e.order) });
        } else if (e.type === 'fill') {
          emitIfActive({ event: 'fill', data: fillView(e.fill) });
        } else if (e.type === 'position') {
          if (e.position) {
            const view = positionView(e.position);
            lastPositions.set(e.symbol, view);
            emitIfActive({ event: 'position', data: view });
            return;
          }
          const last = lastPositions.get(e.symbol);
          lastPositions.delete(e.symbol);
          // The bridge cancels the closed position's leftover exits and closes its plans.
          if (last) emitIfActive({ event: 'position', data: { ...last, status: 'closed', sizeBase: 0, unrealizedPnlUsd: 0, updatedAtMs: Math.floor(o.clock.nowMs()) } });
        } else {
          say(e.level, e.reason, e.message);
        }
      },
    });
    const manual = new ManualOrders({ stack, clock: o.clock, logger: o.logger });
    const desk = new ManualOrderDesk({
      stack,
      manual,
      logger: o.logger,
      refreshFlow: (symbol) => bridge.refresh(symbol),
      scan: (symbol) => {
        const row = o.ranking(symbol);
        return { lastPrice: row?.lastPrice ?? null, manipScore: row?.manipScore ?? null, quoteVolume24hUsd: row?.quoteVolume24hUsd ?? 0, atrPct: row?.atrPct ?? null };
      },
    });
    const session: Session = {
      kind,
      exchange,
      label,
      stack,
      bridge,
      desk,
      positionView,
      fillView,
      secrets,
      run(fn) {
        if (stopping) return Promise.reject(new PerpscopeError(ErrorCode.InvalidInput, `The ${kind} session is stopping: ${kind === 'live' ? 'LIVE was disarmed' : 'the app is closing'}`));
        // A trader's command: the status reads the screen polls wait while it runs.
        const p = stack.commands.command(fn);
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p)).catch(() => undefined);
        return p;
      },
      async start() {
        await stack.autoTrader.start();
        // Live orders change on the exchange (a stop triggers, a limit fills): follow them there,
        // as run --live does, so fills, positions and protection see it.
        if (broker instanceof CcxtBroker) broker.follow();
        bridge.start();
        const file = stack.autoTrader.config.emergencyFile;
        if (file !== null) {
          emergency = watchEmergencyFile({ file, home: o.home, broker, store: o.store, clock: o.clock, killSwitch, onAlert: (a) => say(a.level, a.kind, a.message) });
          // A file already there at start flattens before the first signal.
          await emergency.check();
        }
      },
      async stop() {
        stopping = true;
        // A flatten under way finishes before the broker and the store go away.
        await emergency?.stop().catch(() => undefined);
        bridge.stop();
        // Orders already on their way (a ticket, a signal) finish before the broker stops.
        await Promise.allSettled([...inFlight, bridge.idle()]);
        manual.dispose();
        await broker.stop();
        await client?.close().catch(() => undefined);
      },
    };
    return session;
  }

  const paper = openSession('paper', o.exchange, null);
  let live: Session | null = null;
  /**
   * An arm request between its call and its session's start; null otherwise. Only one at a time;
   * taken before the exchange client is built (that may await), so a second request sees it.
   */
  let arming: { exchange: string; label: string; session: Session | null; cancelled: boolean } | null = null;
  /** Settles when the last arm request has finished, armed or not. */
  let armed: Promise<void> = Promise.resolve();
  const active = (): Session => live ?? paper;
  const sessions = () => [paper, live, arming?.session].filter((x): x is Session => x !== null && x !== undefined);

  /**
   * The market's lot and minimum in base units from the engine's listing (the venue a live session
   * trades too): a partial close is rounded on it before it is sent.
   */
  function marketLot(symbol: string): MarketPrecision | undefined {
    const m = o.engine.markets().find((x) => x.symbol === symbol);
    if (!m) return undefined;
    const spec = paperMarketSpec(m);
    return { ...(spec.lotSize !== undefined ? { amountStep: spec.lotSize } : {}), ...(spec.minAmount !== undefined ? { minAmountBase: spec.minAmount } : {}) };
  }

  function killState(): KillSwitchStateView {
    const s = active().stack.killSwitch.state();
    return { active: s.on, reason: s.on ? (s.reason ?? s.sources.join(', ')) : s.reason, sinceMs: s.changedAtMs === null ? null : Math.floor(s.changedAtMs) };
  }

  /** Manual orders go through the sdk's one order path: sized at the executable price, every gate. */
  async function placeOrder(p: MethodParams<'orders.place'>): Promise<OrderView> {
    const session = active();
    refuseUnexpectedMode(session, p.expectMode, 'orders.place');
    return session.run(() => placeOn(session, p));
  }

  /**
   * The caller's `expectMode` checked against the session the command is about to run on, with no
   * await in between: a session armed or disarmed after the caller looked cannot take the order.
   */
  function refuseUnexpectedMode(session: Session, expectMode: 'paper' | 'live' | undefined, method: string): void {
    if (expectMode === undefined || expectMode === session.kind) return;
    const account = session.kind === 'live' ? ` (${session.exchange}:${session.label ?? ''})` : '';
    throw new PerpscopeError(ErrorCode.PermissionDenied, `${method} refused: expectMode is ${expectMode} but the trading session is ${session.kind.toUpperCase()}${account}; nothing was sent`, {
      details: { field: 'expectMode', value: expectMode, expected: session.kind, mode: session.kind },
    });
  }

  async function placeOn(session: Session, p: MethodParams<'orders.place'>): Promise<OrderView> {
    const order = await session.desk.place({
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
      ...(p.postOnly !== undefined ? { postOnly: p.postOnly } : {}),
      ...(p.timeInForce !== undefined ? { timeInForce: p.timeInForce } : {}),
    });
    return toOrderView(order);
  }

  async function status() {
    const session = active();
    const s = await session.stack.status();
    const anchor = session.stack.risk.dailyAnchor();
    return {
      mode: session.kind,
      exchange: session.exchange,
      liveAccount: session.kind === 'live' ? { exchange: session.exchange, label: session.label ?? '' } : null,
      autotrade: session.bridge.isAutotrade(),
      killSwitch: killState(),
      account: toAccountView(
        s.account,
        anchor ? s.account.equityUsd - anchor.equityUsd : null,
        realizedNetOfFeesUsd(o.store.fills.since(session.kind, 0).filter((f) => f.exchange === session.exchange)),
      ),
      positions: s.positions.map(session.positionView),
      orders: s.openOrders.map(toOrderView),
      edge: s.edge,
      halt: s.halted ? { reason: s.halted.reason, message: redact(s.halted.message, session.secrets), sinceMs: Math.floor(s.halted.atMs) } : null,
    };
  }

  /** The trader lifts an error-burst halt of the live session's entries; the broker records it. */
  async function resumeEntries() {
    const session = active();
    const { broker } = session.stack;
    const halt = broker instanceof CcxtBroker ? broker.halted() : null;
    if (!(broker instanceof CcxtBroker) || halt?.reason !== 'error_burst') {
      const why = halt ? `trading is halted by ${halt.reason}: ${halt.message}` : `new entries on the ${session.kind} session are not halted`;
      throw new PerpscopeError(ErrorCode.InvalidInput, `Nothing to resume: ${redact(why, session.secrets)}`, { details: { mode: session.kind, halt: halt?.reason ?? null } });
    }
    broker.resumeEntries('from the app');
    return status();
  }

  async function disarm(reason: string): Promise<void> {
    // An arm under way is called off: it stops its session when its start returns.
    if (arming) arming.cancelled = true;
    const session = live;
    if (!session) return;
    live = null;
    await session.stop().catch((err: unknown) => o.logger.warn({ err: describeError(err) }, 'live session stop failed'));
    alert('warn', 'live_disarmed', `LIVE trading on ${session.exchange}:${session.label ?? ''} disarmed (${reason}); back to paper`);
  }

  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    setRisk(config) {
      risk = structuredClone(config);
      // Broker and AutoTrader share each stack's one policy: updating its config in place applies
      // the new limits to both, and keeps its daily anchor.
      for (const session of sessions()) Object.assign(session.stack.risk.config, structuredClone(config));
    },
    setEdge(config) {
      Object.assign(edge, structuredClone(config));
      // The AutoTrader reads its edge config per signal and per status, so updating it in place suffices.
      for (const session of sessions()) Object.assign(session.stack.autoTrader.config.edge, structuredClone(config));
    },
    setTpsl(config) {
      tpsl = structuredClone(config);
      // The AutoTrader reads its TP/SL config at each entry; an armed plan keeps its own levels.
      for (const session of sessions()) Object.assign(session.stack.autoTrader.config, { tpsl: structuredClone(config) });
    },
    setPyramid(levels) {
      pyramidLevels = structuredClone(levels);
      for (const session of sessions()) Object.assign(session.stack.autoTrader.config, { pyramidLevels: structuredClone(levels) });
    },
    async start() {
      await paper.start();
    },
    async stop() {
      await disarm('the app is stopping');
      await armed;
      await paper.stop();
    },
    port: {
      status,
      isAutotrade: () => active().bridge.isAutotrade(),
      setAutotrade(enabled) {
        const session = active();
        // Only the paper switch is stored: live never starts trading by itself after a restart.
        if (session.kind === 'paper') o.store.settings.set(AUTOTRADE_KEY, enabled, o.clock.nowMs());
        session.bridge.setAutotrade(enabled);
        return session.bridge.isAutotrade();
      },
      placeOrder,
      resumeEntries,
      history(limit) {
        const session = active();
        return {
          orders: o.store.orders.listRecent(session.kind, session.exchange, limit).map(toOrderView),
          fills: o.store.fills.recent(session.kind, session.exchange, limit).map(session.fillView),
        };
      },
      async previewOrder(p) {
        const session = active();
        return previewOrder({ broker: session.stack.broker, markets: () => o.engine.markets(), refreshBook: (symbol) => session.desk.refresh(symbol), defaultLeverage: session.stack.risk.config.sizing.leverage }, p);
      },
      async amendTrigger(p) {
        const session = active();
        refuseUnexpectedMode(session, p.expectMode, 'orders.amendTrigger');
        return session.run(async () => {
          const { order, replaced } = await amendTrigger({ broker: session.stack.broker, store: o.store, ledger: session.kind, exchange: session.exchange, protection: session.stack.protection }, p.orderId, p.triggerPrice);
          return { order: toOrderView(order), replaced: toOrderView(replaced) };
        });
      },
      async setPositionTrigger(p) {
        const session = active();
        refuseUnexpectedMode(session, p.expectMode, 'positions.setTrigger');
        return session.run(async () => {
          const deps = { broker: session.stack.broker, store: o.store, ledger: session.kind, exchange: session.exchange, protection: session.stack.protection };
          const { order, replaced } = await setPositionTrigger(deps, { symbol: p.symbol, kind: p.kind, triggerPrice: p.triggerPrice });
          return { order: toOrderView(order), replaced: replaced ? toOrderView(replaced) : null };
        });
      },
      historyPage(p) {
        const session = active();
        return listHistory({ store: o.store, ledger: session.kind, exchange: session.exchange }, p);
      },
      async cancelOrder(orderId) {
        const session = active();
        return session.run(async () => toOrderView(await session.stack.broker.cancelOrder(orderId)));
      },
      async closePosition(symbol, expectMode, close) {
        const session = active();
        refuseUnexpectedMode(session, expectMode, 'positions.close');
        return session.run(async () =>
          toOrderView(
            await closePosition(
              { broker: session.stack.broker, desk: session.desk, precision: marketLot, protection: session.stack.protection, logger: o.logger },
              symbol,
              close ?? {},
            ),
          ),
        );
      },
      secretsInUse() {
        return active().secrets;
      },
      setKillSwitch(active, reason) {
        // One stored switch for both sessions: turning it on from the app blocks paper and live alike.
        paper.stack.killSwitch.set(active, reason ?? (active ? 'set from the app' : 'cleared from the app'));
        return killState();
      },
      async panic(symbols) {
        const session = active();
        // Panic switches the auto-trader off for good, not just until the kill switch is cleared: it
        // stays off (stored, for paper) until the trader turns it back on. Done before the first
        // await, so no signal is taken while the books are read.
        if (session.kind === 'paper') o.store.settings.set(AUTOTRADE_KEY, false, o.clock.nowMs());
        session.bridge.setAutotrade(false);
        // The desk turns the switch on before it awaits anything: nothing new opens while books are read.
        const report = await session.desk.panic(symbols ?? undefined);
        return {
          canceledOrders: report.cancelled.length,
          closedPositions: report.closed.length,
          failures: report.failures.map((f) => ({ symbol: f.target, message: f.error })),
        };
      },
      ...(o.liveExchange
        ? {
            async armLive(exchange: string, label: string, secret: HostSecret, testKey: () => Promise<unknown>) {
              const busy = live ?? arming;
              if (busy) throw new PerpscopeError(ErrorCode.InvalidInput, `LIVE trading is already ${live ? 'armed' : 'being armed'} on ${busy.exchange}:${busy.label ?? ''}; disarm it first`, { details: { exchange: busy.exchange, label: busy.label } });
              if (o.venue !== undefined && exchange !== o.venue) {
                throw new PerpscopeError(ErrorCode.InvalidInput, `LIVE trading on ${exchange} refused: this engine reads ${o.venue}, and its signals, gates and prices are ${o.venue}'s; use a ${o.venue} key`, {
                  details: { exchange, venue: o.venue },
                });
              }
              const attempt: NonNullable<typeof arming> = { exchange, label, session: null, cancelled: false };
              arming = attempt;
              let done!: () => void;
              armed = new Promise<void>((r) => (done = r));
              let session: Session;
              try {
                session = openSession('live', exchange, label, await o.liveExchange!(exchange, secret), [secret.apiKey, secret.secret, secret.password ?? ''].filter(Boolean));
                attempt.session = session;
                // The key must authenticate now, before a single live order can be sent with it.
                await testKey();
                // Reconciles with the exchange before the first order: its positions and orders become the ledger's.
                await session.start();
                if (attempt.cancelled) throw new PerpscopeError(ErrorCode.InvalidInput, 'LIVE trading was disarmed while it was being armed');
              } catch (err) {
                await attempt.session?.stop().catch(() => undefined);
                throw err;
              } finally {
                arming = null;
                done();
              }
              live = session;
              alert('warn', 'live_armed', `LIVE trading armed on ${exchange}:${label}: orders from the app now use real funds`);
              return status();
            },
            async disarmLive() {
              await disarm('from the app');
              return status();
            },
          }
        : {}),
    },
  };
}

/** `text` with every credential value masked: ccxt messages may carry a request URL or body. */
function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const v of secrets) if (v.length >= 4) out = out.split(v).join('[redacted]');
  return out;
}
