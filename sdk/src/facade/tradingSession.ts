import { ErrorCode } from '@perpscope/shared';
import type { Exchange } from 'ccxt';
import type { Clock } from '../core/clock.js';
import { describeError, PerpscopeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { PerpscopeConfig } from '../config/index.js';
import type { Engine } from '../engine/createEngine.js';
import { TradingBridge } from '../engine/tradingBridge.js';
import { resolveEdgeEvidence } from '../signals/edgeEvidence.js';
import type { StoredOrder, Store } from '../store/index.js';
import {
  CcxtBroker,
  createTradingStack,
  ManualOrderDesk,
  ManualOrders,
  PaperBroker,
  paperMarketSpec,
  watchEmergencyFile,
  type BrokerAccount,
  type BrokerEvent,
  type BrokerPosition,
  type EmergencyFileWatch,
  type KillSwitchState,
  type PanicReport,
  type TradingStack,
  type TradingStatus,
} from '../trading/index.js';
import { parsePlaceOrder, type SessionOrderInput } from './facadeInput.js';
import { unifiedSymbol } from './liveExchange.js';

/**
 * One trading account as a script drives it, paper or live: every order goes through the
 * trading stack's ManualOrders (sized at the executable price, every RiskPolicy gate, the kill
 * switch first), after the symbol's book, tape and mark were read fresh.
 */
export interface TradingSession {
  readonly mode: 'paper' | 'live';
  /** The exchange id its orders are kept under (`blofin` on the sim). */
  readonly exchange: string;
  /** The wired stack (broker, RiskPolicy, kill switch, protection, AutoTrader) for what the session does not cover. */
  readonly stack: TradingStack;
  /**
   * Places a trader's own order. Resolves with the entry as the ledger holds it (a market order
   * on paper is FILLED); its `sl`/`tp` are placed reduce-only once it fills.
   * @example
   * await session.placeOrder({ symbol: 'BTCUSDT', side: 'long', notionalUsd: 50, sl: 41_000 });
   */
  placeOrder(input: SessionOrderInput): Promise<StoredOrder>;
  positions(): Promise<BrokerPosition[]>;
  /** Orders that may still be live, for one symbol (any spelling) or all. */
  orders(symbol?: string): StoredOrder[];
  account(): Promise<BrokerAccount>;
  /** Market-closes the symbol's position reduce-only. */
  close(symbol: string): Promise<StoredOrder>;
  /** Cancels by client order id. */
  cancel(orderId: string): Promise<StoredOrder>;
  /**
   * Kill switch on at once (before any exchange read, so nothing new opens meanwhile), then every
   * open order cancelled and every position closed (or only `symbols`'), against books read fresh
   * when they answer within 3 s.
   */
  panic(options?: { symbols?: readonly string[] }): Promise<PanicReport>;
  /** Turns the stored kill switch on or off (the config's and the `.panic` file's stay as they are). */
  setKillSwitch(on: boolean, reason?: string): KillSwitchState;
  status(): Promise<TradingStatus>;
  /** Orders, fills, positions and alerts (the kill switch among them) as they happen. Returns the removal. */
  on(listener: (event: BrokerEvent) => void): () => void;
  /** Waits for commands under way, then stops the broker. Positions and orders stay as they are. */
  dispose(): Promise<void>;
}

export interface TradingSessionParts {
  mode: 'paper' | 'live';
  engine: Engine;
  store: Store;
  config: PerpscopeConfig;
  home: string;
  /** Market time: order, fill and protection times. */
  clock: Clock;
  logger: Logger;
  exchangeId: string;
  /** Live only: the ccxt client with the key. */
  exchange?: Exchange;
  autotrade: boolean;
  positionRefreshMs?: number;
  paperInitialBalanceUsd?: number;
  /** Called once the session is disposed. */
  onDisposed: () => void;
}

/** Builds and starts a session: the stack reconciles (live) or resumes (paper) before the first order. */
export async function openTradingSession(p: TradingSessionParts): Promise<TradingSession> {
  const { engine, store, clock, logger, config } = p;
  const stack = createTradingStack({
    mode: p.mode,
    store,
    clock,
    risk: structuredClone(config.risk),
    autoTrader: config.autotrade,
    edgeEvidence: resolveEdgeEvidence(config.signals),
    exchangeId: p.exchangeId,
    home: p.home,
    logger,
    ...(p.mode === 'live'
      ? { exchange: p.exchange! }
      : {
          paperMarket: (symbol: string) => {
            const m = engine.markets().find((x) => x.symbol === symbol);
            return m ? paperMarketSpec(m) : undefined;
          },
          ...(p.paperInitialBalanceUsd !== undefined ? { paperInitialBalanceUsd: p.paperInitialBalanceUsd } : {}),
        }),
  });
  const { broker } = stack;
  const listeners = new Set<(event: BrokerEvent) => void>();
  const bridge = new TradingBridge({
    engine,
    stack,
    ...(broker instanceof PaperBroker ? { paper: broker } : {}),
    clock,
    logger,
    autotrade: p.autotrade,
    ...(p.positionRefreshMs !== undefined ? { positionRefreshMs: p.positionRefreshMs } : {}),
    onBrokerEvent: (e) => {
      // Events arrive inside the bridge's refresh timer and the broker's stream: a script's
      // listener that throws must neither stop the others nor end those loops.
      for (const fn of [...listeners]) {
        try {
          fn(e);
        } catch (err) {
          logger.warn({ event: e.type, err: describeError(err) }, 'trading session listener threw; the others still run');
        }
      }
    },
  });
  const manual = new ManualOrders({ stack, clock, logger });
  const desk = new ManualOrderDesk({
    stack,
    manual,
    logger,
    refreshFlow: (symbol) => bridge.refresh(symbol),
    scan: (symbol) => {
      const row = engine.latestRanking()?.rows.find((r) => r.symbol === symbol);
      const member = engine.universe().find((m) => m.symbol === symbol);
      return {
        lastPrice: row?.metrics.close ?? null,
        manipScore: row?.manipScore ?? null,
        quoteVolume24hUsd: row?.metrics.quoteVolume24hUsd ?? member?.quoteVolume24h ?? 0,
        atrPct: row && Number.isFinite(row.metrics.atrPct) ? row.metrics.atrPct : null,
      };
    },
  });
  const inFlight = new Set<Promise<unknown>>();
  let emergency: EmergencyFileWatch | undefined;
  let disposed: Promise<void> | undefined;

  const run = <T>(fn: () => Promise<T>): Promise<T> => {
    if (disposed) return Promise.reject(new PerpscopeError(ErrorCode.InvalidInput, `This ${p.mode} session was disposed: open a new one`, { details: { mode: p.mode } }));
    const job = stack.commands.command(fn);
    inFlight.add(job);
    const done = () => inFlight.delete(job);
    job.then(done, done);
    return job;
  };
  const symbolOf = (input: string, field = 'symbol') => unifiedSymbol(input, engine.markets(), field);

  async function place(input: SessionOrderInput): Promise<StoredOrder> {
    const o = parsePlaceOrder(input);
    return desk.place({
      symbol: symbolOf(o.symbol),
      side: o.side === 'buy' || o.side === 'long' ? 'buy' : 'sell',
      type: o.type,
      ...(o.price !== undefined ? { price: o.price } : {}),
      ...(o.amountBase !== undefined ? { amountBase: o.amountBase } : {}),
      ...(o.notionalUsd !== undefined ? { notionalUsd: o.notionalUsd } : {}),
      ...(o.sl !== undefined ? { stopLossPrice: o.sl } : {}),
      ...(o.tp !== undefined ? { takeProfitPrice: o.tp } : {}),
      ...(o.reduceOnly !== undefined ? { reduceOnly: o.reduceOnly } : {}),
      ...(o.leverage !== undefined ? { leverage: o.leverage } : {}),
    });
  }

  const session: TradingSession = {
    mode: p.mode,
    exchange: p.exchangeId,
    stack,
    placeOrder: (input) => run(() => place(input)),
    positions: () => broker.fetchPositions(),
    orders: (symbol) => broker.openOrders(symbol === undefined ? undefined : symbolOf(symbol)),
    account: () => broker.fetchAccount(),
    close: (input) => run(async () => desk.close(symbolOf(input))),
    cancel: (orderId) =>
      run(async () => {
        if (typeof orderId !== 'string' || orderId.trim() === '') {
          throw new PerpscopeError(ErrorCode.InvalidInput, `Invalid orderId: got ${JSON.stringify(orderId)}, expected a client order id from orders()`, { details: { field: 'orderId', received: orderId } });
        }
        return broker.cancelOrder(orderId);
      }),
    panic: (options = {}) => {
      let symbols: string[] | undefined;
      try {
        symbols = options.symbols?.map((s, i) => symbolOf(s, `symbols.${i}`));
      } catch (err) {
        return Promise.reject(err as Error);
      }
      // The desk turns the switch on before it awaits anything: nothing new opens while books are read.
      return run(() => desk.panic(symbols));
    },
    setKillSwitch: (on, reason) => stack.killSwitch.set(on, reason ?? (on ? 'set from a script' : 'cleared from a script')),
    status: () => stack.status(),
    on(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    dispose() {
      disposed ??= (async () => {
        // A flatten under way finishes before the broker and the store go away.
        await emergency?.stop().catch(() => undefined);
        bridge.stop();
        await Promise.allSettled([...inFlight, bridge.idle()]);
        manual.dispose();
        await broker.stop().catch((err: unknown) => logger.warn({ err: describeError(err) }, 'broker stop failed'));
        await p.exchange?.close().catch(() => undefined);
        p.onDisposed();
      })();
      return disposed;
    },
  };

  try {
    await stack.autoTrader.start();
    // Live orders change on the exchange (a stop triggers, a limit fills): follow them there.
    if (broker instanceof CcxtBroker) broker.follow();
    bridge.start();
    const file = stack.autoTrader.config.emergencyFile;
    if (file !== null) {
      emergency = watchEmergencyFile({ file, home: p.home, broker, store, clock, killSwitch: stack.killSwitch, onAlert: (a) => logger.warn({ details: a.details }, a.message) });
      // A file already there at start flattens before the first order.
      await emergency.check();
    }
  } catch (err) {
    await session.dispose();
    throw err;
  }
  return session;
}
