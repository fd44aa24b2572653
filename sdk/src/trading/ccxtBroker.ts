import type { CloseLeg } from './exitReason.js';
import type { Exchange } from 'ccxt';
import { ErrorCode } from '@perpscope/shared';
import type { Clock } from '../core/clock.js';
import { AuthError, PerpscopeError, RiskRejectedError, TemporaryError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { RiskPolicy } from '../risk/index.js';
import { uniqueSignNonces } from '../sim/uniqueNonce.js';
import { Ledger, OrderState, type StoredOrder } from '../store/index.js';
import type { Store } from '../store/index.js';
import { EntryTimes, Listeners } from './brokerState.js';
import { CCXT_TICK_SIZE, DEFAULT_READ_RETRY, ExchangeClockSync, isAuthFailure, isExchangeUnavailable, isTimestampRejection, retryRead, type CcxtGatewayBase, type ReadRetry } from './ccxtGateway.js';
import { createOrderGateway } from './orderGateways.js';
import { DEFAULT_CLIENT_ID_PREFIX, isOwnClientOrderId } from './clientOrderId.js';
import { LeverageSync } from './leverageSync.js';
import { OrderLedger } from './orderLedger.js';
import { Reconciler, type ReconcileReport } from './reconciler.js';
import { orderBookFromCcxt } from '../market/ccxtConvert.js';
import { contractsToBase } from '../market/contractUnits.js';
import { executablePrice, type ExecutableQuote } from './executablePrice.js';
import { checkMinimums, fitToMarket, toStep, type MarketPrecision } from './marketPrecision.js';
import { fitAmendment, gateAmendment, gateOrder, riskAccountState, validatePlaceRequest } from './riskGate.js';
import type { AmendOrderRequest, Broker, BrokerAccount, BrokerEvent, BrokerListener, BrokerPosition, PlaceOrderRequest, QuoteRequest } from './types.js';

export interface CcxtBrokerOptions {
  store: Store;
  clock: Clock;
  risk: RiskPolicy;
  /**
   * A ccxt exchange with credentials (`new ccxt.pro.blofin({...})`, `createBlofinClient(sim)`, or
   * binanceusdm's); its class picks the order gateway (see createOrderGateway).
   * The broker installs `uniqueSignNonces` on it: concurrent private calls never share a nonce.
   */
  exchange: Exchange;
  exchangeId?: string;
  logger?: Logger;
  prefix?: string;
  /** Client-id lookups before an UNKNOWN order is LOST (default 4). */
  maxLookups?: number;
  lookupBaseMs?: number;
  readRetry?: Partial<ReadRetry>;
  /** Intents older than this are abandoned rather than sent at restart (default 60 s). */
  resumeMaxAgeMs?: number;
  random?: () => number;
  /** While paused by an outage, entries probe the exchange at most this often (default 0: every entry). */
  probeIntervalMs?: number;
  /** `Date`-header readings per clock-skew measurement (default 3). */
  clockSamples?: number;
  /**
   * This many failed exchange calls (refused orders, errors) within `windowMs` halt new entries
   * until `resume()`: something is wrong that retrying will not fix. Null: off. Default 5 in 60 s.
   */
  errorBurst?: { maxErrors: number; windowMs: number } | null;
}

/** Why new entries are paused: the exchange answered maintenance/unavailable, or the breaker is open. */
export interface PauseState {
  reason: 'exchange_unavailable';
  message: string;
  atMs: number;
}

/** Why trading stopped, when it did. */
export interface HaltState {
  /** `authentication`: every order is refused; `error_burst`: new entries are, exits still go out. */
  reason: 'authentication' | 'error_burst';
  message: string;
  atMs: number;
}

/**
 * The live broker: ccxt for the exchange, the OrderLedger for crash safety, the Reconciler at
 * start and after every reconnect. An AuthenticationError halts it (every later order is refused
 * with the reason) until `resume()` after the key is fixed.
 */
export class CcxtBroker implements Broker {
  readonly ledger = Ledger.Live;
  readonly exchange: string;
  readonly orders: OrderLedger;
  readonly gateway: CcxtGatewayBase;
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly risk: RiskPolicy;
  private readonly ex: Exchange;
  private readonly log: Logger;
  private readonly listeners = new Listeners<BrokerEvent>();
  private readonly entries: EntryTimes;
  private readonly leverageSync: LeverageSync;
  private readonly retry: ReadRetry;
  private readonly reconciler: Reconciler;
  private halt: HaltState | null = null;
  /** Entries halted by a burst of failed calls (exits still go out). */
  private burst: HaltState | null = null;
  private readonly failureTimes: number[] = [];
  private readonly errorBurst: { maxErrors: number; windowMs: number } | null;
  private pause: PauseState | null = null;
  private lastProbeMs = Number.NEGATIVE_INFINITY;
  private readonly probeIntervalMs: number;
  /** Measures and corrects the skew between our clock and the exchange's. */
  readonly clockSync: ExchangeClockSync;
  private resyncing: Promise<void> | null = null;
  private readonly prefix: string;
  private following: { stop: () => void; done: Promise<void> } | null = null;

  constructor(o: CcxtBrokerOptions) {
    if (!o.risk) throw new PerpscopeError(ErrorCode.InvalidConfig, 'A broker needs a RiskPolicy: every order passes it');
    this.store = o.store;
    this.clock = o.clock;
    this.risk = o.risk;
    // Its private calls run concurrently (stream refreshes, reconciliation, orders): they must
    // never share a nonce, however the instance was built.
    this.ex = uniqueSignNonces(o.exchange);
    this.exchange = o.exchangeId ?? o.exchange.id;
    this.log = o.logger ?? silentLogger;
    this.retry = { ...DEFAULT_READ_RETRY, ...(o.random ? { random: o.random } : {}), ...o.readRetry };
    this.probeIntervalMs = o.probeIntervalMs ?? 0;
    this.errorBurst = o.errorBurst === undefined ? { maxErrors: 5, windowMs: 60_000 } : o.errorBurst;
    this.clockSync = ExchangeClockSync.for(o.exchange, () => this.timeProbe(), o.clockSamples ?? 3);
    this.gateway = createOrderGateway(o.exchange, this.exchange, o.clock, this.retry, () => this.resyncClock());
    const prefix = o.prefix ?? DEFAULT_CLIENT_ID_PREFIX;
    this.prefix = prefix;
    this.orders = new OrderLedger({
      store: o.store,
      ledger: Ledger.Live,
      exchange: this.exchange,
      clock: o.clock,
      gateway: this.gateway,
      logger: this.log,
      prefix,
      ...(o.maxLookups !== undefined ? { maxLookups: o.maxLookups } : {}),
      ...(o.lookupBaseMs !== undefined ? { lookupBaseMs: o.lookupBaseMs } : {}),
      ...(o.random ? { random: o.random } : {}),
      onEvent: (e) => this.listeners.emit(e),
    });
    this.entries = new EntryTimes(o.store, Ledger.Live, this.exchange);
    this.leverageSync = new LeverageSync(o.exchange, this.log);
    this.reconciler = new Reconciler({ ledger: this.orders, gateway: this.gateway, clock: o.clock, prefix, logger: this.log, ...(o.resumeMaxAgeMs !== undefined ? { resumeMaxAgeMs: o.resumeMaxAgeMs } : {}) });
  }

  /** Loads markets, measures clock skew and reconciles. */
  async start(): Promise<void> {
    await this.guard(() => retryRead(this.clock, this.retry, { exchange: this.exchange, operation: 'loadMarkets' }, () => this.ex.loadMarkets()));
    await this.resyncClock();
    this.entries.dropFuture(this.clock.nowMs());
    await this.reconcile();
  }

  /**
   * Re-measures the exchange's clock (after a timestamp rejection, or on demand). Concurrent
   * callers share one measurement.
   */
  async resyncClock(): Promise<void> {
    this.resyncing ??= this.guard(() => retryRead(this.clock, this.retry, { exchange: this.exchange, operation: 'measureClockSkew' }, () => this.clockSync.measure()))
      .then((offsetMs) => this.log.info({ offsetMs }, 'exchange clock offset measured'))
      .finally(() => (this.resyncing = null));
    return this.resyncing;
  }

  private async timeProbe(): Promise<unknown> {
    if (!this.ex.markets) await this.ex.loadMarkets();
    const symbol = this.ex.symbols[0];
    if (symbol === undefined) throw new PerpscopeError(ErrorCode.Internal, `${this.exchange} lists no markets to read its clock from`);
    return this.ex.fetchTicker(symbol);
  }

  async stop(): Promise<void> {
    const f = this.following;
    this.following = null;
    f?.stop();
    await f?.done;
  }

  /**
   * Follows the private order stream (websocket) until `stop()`: each update of one of our
   * orders refreshes it from REST (fills pulled once each). When the stream drops, it backs off
   * and reconciles before following again, so anything that happened while disconnected is
   * applied. Returns at once; `reconnects` counts reconciliations after a drop.
   */
  follow(): { reconnects: () => number } {
    if (this.following) throw new PerpscopeError(ErrorCode.Internal, 'follow() is already running');
    let stopped = false;
    let wake: () => void = () => {};
    const stopSignal = new Promise<'stop'>((resolve) => (wake = () => resolve('stop')));
    let reconnects = 0;
    // ccxt hands a stream update only to a watchOrders call already waiting; one that arrives
    // while nobody waits stays in ccxt's cache until the next update wakes a watch. So the loop
    // below only collects what each update names and goes straight back to watching, and the
    // REST refreshes run beside it: an update landing mid-refresh is seen at once, not at the
    // next event (which may never come).
    const toRefresh = new Set<string>();
    let adoptUnknown = false;
    let draining: Promise<void> | null = null;
    const drain = async (): Promise<void> => {
      while (!stopped && (toRefresh.size > 0 || adoptUnknown)) {
        // One refresh per order however many updates named it: each reads the order's latest state.
        const ids = [...toRefresh];
        toRefresh.clear();
        for (const id of ids) {
          await this.guard(() => this.orders.refresh(id)).catch((err: unknown) => this.log.warn({ clientOrderId: id, err: String(err) }, 'refresh after a stream update failed'));
        }
        if (adoptUnknown) {
          adoptUnknown = false;
          // An order of ours the ledger does not know (placed by a crashed run): adopt it now.
          await this.reconcile().catch((err: unknown) => this.log.warn({ err: String(err) }, 'reconciliation for an unknown own order failed'));
        }
      }
    };
    const schedule = (): void => {
      draining ??= drain().finally(() => {
        draining = null;
        // Work that arrived as the last pass ended.
        if (!stopped && (toRefresh.size > 0 || adoptUnknown)) schedule();
      });
    };
    const loop = async (): Promise<void> => {
      let failures = 0;
      while (!stopped) {
        try {
          const next = await Promise.race([this.ex.watchOrders(), stopSignal]);
          if (next === 'stop') break;
          failures = 0;
          for (const update of next) {
            const id = this.gateway.clientOrderIdOf(update);
            if (!id) continue;
            if (this.orders.get(id)) toRefresh.add(id);
            else adoptUnknown ||= isOwnClientOrderId(id, this.prefix);
          }
          if (toRefresh.size > 0 || adoptUnknown) schedule();
        } catch (err) {
          if (stopped || this.halt) break;
          failures++;
          this.log.warn({ err: String(err), failures }, 'private order stream dropped; reconciling before resubscribing');
          await Promise.race([this.clock.sleep(Math.min(5_000, 100 * 2 ** (failures - 1))), stopSignal]);
          if (stopped) break;
          // The reconciliation reads every order afresh: updates collected before the drop are covered.
          await draining;
          if (stopped) break;
          try {
            await this.reconcile();
            reconnects++;
          } catch (e) {
            this.log.warn({ err: String(e) }, 'reconciliation after a drop failed; retrying');
          }
        }
      }
      // Stopping waits for the refreshes under way, as it waited for the one inline before.
      await draining;
    };
    this.following = {
      stop: () => {
        stopped = true;
        wake();
      },
      done: loop(),
    };
    return { reconnects: () => reconnects };
  }

  /** Runs reconciliation (at start, and call it after every reconnect). */
  async reconcile(): Promise<ReconcileReport> {
    return this.guard(() => this.reconciler.run());
  }

  /** Null while entries are accepted; why they are paused during an exchange outage. */
  paused(): PauseState | null {
    return this.pause;
  }

  /**
   * Ends an outage pause if the exchange answers again: a signed read probes it, then the
   * Reconciler runs, and only when reconciliation completed without errors are entries accepted
   * again (so anything that filled or changed while down is in the ledger first). True when
   * entries are accepted.
   */
  async probe(): Promise<boolean> {
    if (!this.pause) return true;
    this.lastProbeMs = this.clock.nowMs();
    try {
      await this.guard(() => this.ex.fetchBalance());
      const report = await this.reconcile();
      if (report.errors.length > 0) {
        this.log.warn({ errors: report.errors }, 'exchange answers again, but reconciliation had errors: entries stay paused');
        return false;
      }
    } catch (err) {
      this.log.warn({ err: String(err) }, 'exchange still unavailable: entries stay paused');
      return false;
    }
    this.log.info({ pausedAtMs: this.pause.atMs }, 'exchange available again and reconciled: entries resume');
    this.pause = null;
    this.listeners.emit({ type: 'alert', level: 'info', reason: 'exchange_available', message: 'Exchange available again; reconciled, new entries resume' });
    return true;
  }

  /** Null while trading; the halt reason after an authentication failure or an error burst. */
  halted(): HaltState | null {
    return this.halt ?? this.burst;
  }

  /**
   * Lifts an error-burst halt of new entries (the trader looked at the cause), recorded in the
   * event log and announced as an `entries_resumed` alert. An authentication halt stays: the key
   * must be fixed first. Returns the halt lifted, or null when entries were not halted by a burst.
   */
  resumeEntries(by: string): HaltState | null {
    const lifted = this.burst;
    if (!lifted) return null;
    this.burst = null;
    this.failureTimes.length = 0;
    const nowMs = this.clock.nowMs();
    const message = `New entries resumed (${by}) after: ${lifted.message}`;
    this.store.events.append({ atMs: nowMs, type: 'alert', ledger: Ledger.Live, payload: { level: 'info', reason: 'entries_resumed', message, haltedAtMs: lifted.atMs } });
    this.listeners.emit({ type: 'alert', level: 'info', reason: 'entries_resumed', message });
    return lifted;
  }

  /** Clears a halt (after the user fixed the key, or the cause of the errors). */
  resume(): void {
    this.halt = null;
    this.burst = null;
    this.failureTimes.length = 0;
  }

  on(listener: BrokerListener): () => void {
    return this.listeners.add(listener);
  }

  openOrders(symbol?: string): StoredOrder[] {
    return this.store.orders.listOpen(Ledger.Live, { exchange: this.exchange, ...(symbol ? { symbol } : {}) });
  }

  async placeOrder(req: PlaceOrderRequest): Promise<StoredOrder> {
    validatePlaceRequest(req);
    this.assertNotHalted();
    if (!req.reduceOnly && this.burst) {
      throw new RiskRejectedError(ErrorCode.RiskRejected, `New entries are halted: ${this.burst.message}`, { details: { reason: 'trading_halted', cause: this.burst.reason, haltedAtMs: this.burst.atMs } });
    }
    // Exits and protection still go out during an outage (they may get through); entries wait.
    if (!req.reduceOnly) await this.assertAvailable();
    const existing = this.orders.get(this.orders.clientOrderIdFor(req));
    if (existing) {
      if (existing.state === OrderState.New || existing.state === OrderState.Sent) return this.guard(() => this.orders.resumeIntent(existing.clientOrderId, Number.POSITIVE_INFINITY));
      return existing;
    }
    const precision = this.precision(req.symbol);
    const fitted = req.reduceOnly ? { ...fitToMarket(req, precision), amountBase: req.amountBase } : fitToMarket(req, precision);
    const [account, positions, quote] = await Promise.all([this.fetchAccount(), this.fetchPositions(), req.reduceOnly ? Promise.resolve(null) : this.quote(fitted)]);
    if (!req.reduceOnly) checkMinimums(req, quote?.price ?? null, precision);
    const gated = gateOrder(this.risk, fitted, riskAccountState(account, positions, this.entries.all(this.clock.nowMs()), this.openOrders()), quote);
    const amountBase = req.reduceOnly ? gated.amountBase : toStep(gated.amountBase, precision.amountStep, 'down');
    if (!req.reduceOnly) checkMinimums({ symbol: req.symbol, amountBase }, quote?.price ?? null, precision);
    let leverage = req.leverage ?? gated.sizing?.leverage;
    let marginMode = req.marginMode ?? gated.sizing?.marginMode;
    if (!req.reduceOnly && leverage !== undefined) {
      // The venue must carry the leverage the policy sized with before the entry goes out.
      const venue = await this.leverageSync.ensure(req.symbol, { leverage, marginMode: marginMode ?? 'cross' }, {
        positionOpen: positions.some((p) => p.symbol === req.symbol),
        symbolOrdersOpen: this.openOrders(req.symbol).length > 0,
        accountOrdersOpen: this.openOrders().length > 0,
      });
      leverage = venue.leverage;
      marginMode = venue.marginMode;
    }
    const { order } = this.orders.record({ ...fitted, amountBase, ...(leverage !== undefined ? { leverage } : {}), ...(marginMode !== undefined ? { marginMode } : {}) });
    if (!req.reduceOnly) this.entries.note(req.symbol, this.clock.nowMs());
    const sent = await this.guard(() => this.orders.submit(order.clientOrderId));
    if (sent.state === OrderState.Rejected) this.noteFailure(sent.lastError ?? 'order rejected');
    return sent;
  }

  /** Counts a failed exchange call; a burst of them halts new entries with an alert. */
  private noteFailure(what: string): void {
    const limit = this.errorBurst;
    if (!limit || this.burst) return;
    const nowMs = this.clock.nowMs();
    this.failureTimes.push(nowMs);
    while (this.failureTimes.length > 0 && this.failureTimes[0]! <= nowMs - limit.windowMs) this.failureTimes.shift();
    if (this.failureTimes.length < limit.maxErrors) return;
    const message = `${this.failureTimes.length} failed exchange calls within ${limit.windowMs / 1000} s (the last: ${what}); resume once the cause is fixed`;
    this.burst = { reason: 'error_burst', message, atMs: nowMs };
    this.store.events.append({ atMs: nowMs, type: 'alert', ledger: Ledger.Live, payload: { level: 'error', reason: 'trading_halted', message } });
    this.listeners.emit({ type: 'alert', level: 'error', reason: 'trading_halted', message: `New entries halted: ${message}` });
  }

  /**
   * Amends a working order. The order it becomes passes the RiskPolicy first, on the market's grid,
   * against the account without the order itself (its resting notional is what changes), so a
   * larger entry than the policy sizes is refused before anything is sent. Then the ledger amends
   * in place or cancels and replaces (see OrderLedger.amend).
   */
  async amendOrder(clientOrderId: string, change: AmendOrderRequest): Promise<StoredOrder> {
    this.assertNotHalted();
    const order = this.orders.get(clientOrderId);
    if (!order) throw new PerpscopeError(ErrorCode.OrderNotFound, `Order ${clientOrderId} is not in the live ledger`, { details: { clientOrderId } });
    const precision = this.precision(order.symbol);
    const fitted = fitAmendment(order, change, precision);
    if (!fitted.reduceOnly && this.burst) {
      throw new RiskRejectedError(ErrorCode.RiskRejected, `New entries are halted: ${this.burst.message}`, { details: { reason: 'trading_halted', cause: this.burst.reason, haltedAtMs: this.burst.atMs } });
    }
    if (!fitted.reduceOnly) await this.assertAvailable();
    const [account, positions, quote] = await Promise.all([this.fetchAccount(), this.fetchPositions(), fitted.reduceOnly ? Promise.resolve(null) : this.quote(fitted)]);
    const others = this.openOrders().filter((o) => o.clientOrderId !== clientOrderId);
    const allowed = gateAmendment(this.risk, order, change, fitted, precision, riskAccountState(account, positions, this.entries.all(this.clock.nowMs()), others), quote);
    return this.guard(() => this.orders.amend(clientOrderId, allowed));
  }

  async cancelOrder(clientOrderId: string): Promise<StoredOrder> {
    return this.guard(() => this.orders.cancel(clientOrderId));
  }

  /** The executable price of an order, from the venue's current book (see `executablePrice`). */
  async quote(req: QuoteRequest): Promise<ExecutableQuote | null> {
    const raw = await this.guard(() => retryRead(this.clock, this.retry, { exchange: this.exchange, operation: 'fetchOrderBook' }, () => this.ex.fetchOrderBook(req.symbol, 20)));
    // Sanitized like every book that leaves ccxt: a crossed or garbage book prices nothing.
    const { book } = orderBookFromCcxt(req.symbol, raw, this.gateway.contractSize(req.symbol), this.clock.nowMs());
    return executablePrice(book, req);
  }

  /**
   * The market's grid and minimums in base units, from ccxt's market (sizes there are in
   * contracts; the contract size converts them).
   */
  private precision(symbol: string): MarketPrecision {
    const m = this.ex.markets?.[symbol];
    if (!m) return {};
    const cs = this.gateway.contractSize(symbol);
    // Steps only mean steps in ccxt's tick-size precision mode (4); other modes count decimals.
    const ticks = this.ex.precisionMode === CCXT_TICK_SIZE;
    const step = ticks ? m.precision?.amount : undefined;
    const tick = ticks ? m.precision?.price : undefined;
    const minContracts = m.limits?.amount?.min;
    const minCost = m.limits?.cost?.min;
    return {
      ...(typeof step === 'number' && step > 0 ? { amountStep: contractsToBase(cs, step) } : {}),
      ...(typeof tick === 'number' && tick > 0 ? { priceStep: tick } : {}),
      ...(typeof minContracts === 'number' && minContracts > 0 ? { minAmountBase: contractsToBase(cs, minContracts) } : {}),
      ...(typeof minCost === 'number' && minCost > 0 ? { minNotionalUsd: minCost } : {}),
    };
  }

  async fetchPositions(): Promise<BrokerPosition[]> {
    const raw = await this.guard(() => retryRead(this.clock, this.retry, { exchange: this.exchange, operation: 'fetchPositions' }, () => this.ex.fetchPositions(), () => this.resyncClock()));
    return raw
      .filter((p) => p.symbol && p.contracts)
      .map((p): BrokerPosition => {
        const symbol = p.symbol ?? '';
        const mine = this.store.positions.get(Ledger.Live, this.exchange, symbol);
        return {
          symbol,
          side: p.side === 'short' ? 'short' : 'long',
          sizeBase: contractsToBase(this.gateway.contractSize(symbol), p.contracts ?? 0),
          entryPrice: p.entryPrice ?? 0,
          markPrice: p.markPrice ?? null,
          unrealizedPnlUsd: p.unrealizedPnl ?? 0,
          realizedPnlUsd: mine?.realizedPnlUsd ?? 0,
          liquidationPrice: p.liquidationPrice ?? null,
          leverage: p.leverage ?? 1,
          marginMode: p.marginMode === 'isolated' ? 'isolated' : 'cross',
          tradeId: mine?.tradeId ?? null,
        };
      });
  }

  async fetchAccount(): Promise<BrokerAccount> {
    const bal = await this.guard(() => retryRead(this.clock, this.retry, { exchange: this.exchange, operation: 'fetchBalance' }, () => this.ex.fetchBalance(), () => this.resyncClock()));
    const usdt = (bal as unknown as Record<string, { total?: number; free?: number } | undefined>).USDT;
    const info = bal.info as { data?: { totalEquity?: string; details?: { balance?: string; unrealizedPnl?: string }[] } } | undefined;
    const equityUsd = Number(info?.data?.totalEquity ?? usdt?.total ?? 0);
    const detail = info?.data?.details?.[0];
    const account: BrokerAccount = {
      equityUsd,
      balanceUsd: Number(detail?.balance ?? usdt?.total ?? equityUsd),
      availableUsd: usdt?.free ?? 0,
      unrealizedPnlUsd: Number(detail?.unrealizedPnl ?? 0),
      realizedPnlUsd: 0,
    };
    this.store.accountSnapshots.insert({ ledger: Ledger.Live, exchange: this.exchange, atMs: this.clock.nowMs(), ...account });
    return account;
  }

  async closePosition(symbol: string, opts: { tradeId?: string; attempt?: number; reason?: CloseLeg } = {}): Promise<StoredOrder | null> {
    const p = (await this.fetchPositions()).find((x) => x.symbol === symbol);
    if (!p) return null;
    return this.placeOrder({
      symbol,
      side: p.side === 'long' ? 'sell' : 'buy',
      type: 'market',
      amountBase: p.sizeBase,
      reduceOnly: true,
      purpose: 'exit',
      tradeId: opts.tradeId ?? p.tradeId ?? `close_${symbol}`,
      leg: opts.reason ?? 'manual',
      attempt: opts.attempt ?? this.store.orders.listByTrade(Ledger.Live, opts.tradeId ?? p.tradeId ?? `close_${symbol}`).filter((o) => o.purpose === 'exit').length,
    });
  }

  /** Refreshes open orders and pulls new fills (the polling half of the event stream). */
  async sync(): Promise<void> {
    for (const o of this.openOrders()) {
      if (o.state === OrderState.Ack || o.state === OrderState.Partial) await this.guard(() => this.orders.refresh(o.clientOrderId));
      else if (o.state === OrderState.Unknown) await this.guard(() => this.orders.resolve(o.clientOrderId));
    }
  }

  private async assertAvailable(): Promise<void> {
    const pause = this.pause;
    if (!pause) return;
    if (this.clock.nowMs() - this.lastProbeMs >= this.probeIntervalMs && (await this.probe())) return;
    throw new TemporaryError(ErrorCode.ExchangeUnavailable, `New entries are paused: ${pause.message}`, {
      details: { reason: pause.reason, pausedAtMs: pause.atMs },
    });
  }

  private assertNotHalted(): void {
    if (this.halt) throw new AuthError(ErrorCode.AuthenticationFailed, `Trading is halted: ${this.halt.message}`, { details: { reason: this.halt.reason, haltedAtMs: this.halt.atMs } });
  }

  /**
   * Runs `fn`; an authentication failure halts trading and tells the user; an outage pauses new
   * entries; a timestamp rejection re-measures the clock.
   */
  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isExchangeUnavailable(err) && !this.pause) {
        const message = `the exchange is unavailable (${(err as Error).message})`;
        this.pause = { reason: 'exchange_unavailable', message, atMs: this.clock.nowMs() };
        this.lastProbeMs = this.clock.nowMs();
        this.log.warn({ err: String(err) }, 'exchange unavailable: new entries paused until it answers and reconciliation completes');
        this.listeners.emit({ type: 'alert', level: 'warn', reason: 'exchange_unavailable', message: `New entries paused: ${message}` });
      }
      if (isTimestampRejection(err) && !this.resyncing) {
        await this.resyncClock().catch((e: unknown) => this.log.warn({ err: String(e) }, 'clock re-measurement failed'));
      }
      // A passing failure (timeout, rate limit) is the backoff's and the pause's; a burst counts the ones retrying will not fix.
      if (!isAuthFailure(err) && !isExchangeUnavailable(err) && !(err instanceof PerpscopeError && err.retryable)) this.noteFailure(err instanceof Error ? err.message : String(err));
      if (isAuthFailure(err) && !this.halt) {
        const message = `the exchange refused the API key (${(err as Error).message}). Fix it with \`perpscope keys set --exchange ${this.exchange}\`, then restart.`;
        this.halt = { reason: 'authentication', message, atMs: this.clock.nowMs() };
        this.store.events.append({ atMs: this.clock.nowMs(), type: 'alert', ledger: Ledger.Live, payload: { level: 'error', reason: 'trading_halted', message } });
        this.listeners.emit({ type: 'alert', level: 'error', reason: 'trading_halted', message: `Trading halted: ${message}` });
      }
      throw err;
    }
  }
}
