import { liquidationFillId, type CloseLeg } from './exitReason.js';
import type { OrderBook, Trade } from '@perpscope/shared';
import { ErrorCode } from '@perpscope/shared';
import type { Clock } from '../core/clock.js';
import { OrderError, PerpscopeError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { RiskPolicy } from '../risk/index.js';
import { Ledger, OrderState, type Fill, type StoredOrder, type StoredPosition, type Store } from '../store/index.js';
import { EntryTimes, Listeners } from './brokerState.js';
import { OrderLedger, toBrokerPosition, validateAmend } from './orderLedger.js';
import { executablePrice, type ExecutableQuote } from './executablePrice.js';
import { walkBook, tradeCrosses, triggerFires } from './paperMatching.js';
import { applyFillToPosition, liquidationPrices } from './positionMath.js';
import { checkMinimums, fitToMarket, toStep, type MarketPrecision } from './marketPrecision.js';
import { fitAmendment, gateAmendment, gateOrder, riskAccountState, validatePlaceRequest } from './riskGate.js';
import type { AmendOrderRequest, Broker, BrokerAccount, BrokerEvent, BrokerListener, BrokerPosition, PlaceOrderRequest, QuoteRequest } from './types.js';

/** Fees and margin parameters of one market, in fractions (0.0006 = 6 bps). */
export interface PaperMarketSpec {
  makerFee: number;
  takerFee: number;
  /** Maintenance margin rate for the liquidation price (default 0.005). */
  maintenanceMarginRate?: number;
  /** The market's minimum order size in base units; smaller entries are refused. */
  minAmount?: number;
  /** Size step (lot) in base units: sizes are rounded down to it, as the venue requires. */
  lotSize?: number;
  /** Price step: limit and trigger prices are rounded to it. */
  tickSize?: number;
  /** The market's minimum order notional in USD; smaller entries are refused. */
  minNotionalUsd?: number;
}

export interface PaperBrokerOptions {
  store: Store;
  clock: Clock;
  risk: RiskPolicy;
  /** The exchange whose market data drives the fills (rows are kept per exchange). */
  exchange: string;
  market: (symbol: string) => PaperMarketSpec | undefined;
  /** Starting wallet balance of a fresh paper account (default 10,000). */
  initialBalanceUsd?: number;
  defaultLeverage?: number;
  logger?: Logger;
}

interface PaperAccountState {
  balanceUsd: number;
  realizedPnlUsd: number;
  feesUsd: number;
  fundingUsd: number;
}

/**
 * A realistic perp paper broker. It never talks to an exchange's private API: it has no
 * exchange client at all, only the market data it is fed (`onOrderBook`, `onTrades`,
 * `onMarkPrice`, `onFunding`). Market orders walk the current book (slippage) and pay the taker
 * fee; limit orders take what crosses on arrival and then fill partially as public trades cross
 * their price (maker fee); stops trigger on trades and the mark; funding is paid at funding
 * times; the mark price liquidates. All state lives in the store, so a restart resumes exactly.
 */
export class PaperBroker implements Broker {
  readonly ledger = Ledger.Paper;
  readonly exchange: string;
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly risk: RiskPolicy;
  private readonly marketSpec: (symbol: string) => PaperMarketSpec | undefined;
  private readonly log: Logger;
  private readonly orders: OrderLedger;
  private readonly listeners = new Listeners<BrokerEvent>();
  private readonly entries: EntryTimes;
  private readonly accountKey: string;
  private readonly initialBalanceUsd: number;
  private readonly defaultLeverage: number;
  private readonly books = new Map<string, OrderBook>();
  private readonly marks = new Map<string, number>();
  private readonly lastPrices = new Map<string, number>();
  /**
   * The newest exchange time seen per symbol (prints and exchange-stamped tickers): an older print
   * does not replace the last price, and it dates each order's placement in the exchange's own
   * time, so no local clock is compared with the exchange's.
   */
  private readonly exchangeNowMs = new Map<string, number>();
  /**
   * Working orders' exchange-time history, in memory: when placed, and the terms before each amend
   * here with its time. A print reported late that traded before the order existed touches
   * nothing; one from before an amend is judged at the terms then in force.
   */
  private readonly timeline = new Map<string, { placedAtMs?: number; amends: { atMs: number; price: number | null; triggerPrice: number | null }[] }>();
  /** Announced funding settlements not yet reached by the clock, per symbol. */
  private readonly pendingFunding = new Map<string, { rate: number; fundingTimeMs: number }>();

  constructor(o: PaperBrokerOptions) {
    if (!o.risk) throw new PerpscopeError(ErrorCode.InvalidConfig, 'A broker needs a RiskPolicy: every order passes it');
    this.store = o.store;
    this.clock = o.clock;
    this.risk = o.risk;
    this.exchange = o.exchange;
    this.marketSpec = o.market;
    this.log = o.logger ?? silentLogger;
    this.initialBalanceUsd = o.initialBalanceUsd ?? 10_000;
    this.defaultLeverage = o.defaultLeverage ?? 1;
    this.accountKey = `trading.paper.${o.exchange}.account`;
    this.entries = new EntryTimes(o.store, Ledger.Paper, o.exchange);
    this.orders = new OrderLedger({ store: o.store, ledger: Ledger.Paper, exchange: o.exchange, clock: o.clock, onEvent: (e) => this.listeners.emit(e) });
  }

  async start(): Promise<void> {
    if (this.store.settings.get(this.accountKey) === undefined) this.saveAccount(this.readAccount());
    this.entries.dropFuture(this.clock.nowMs());
  }

  async stop(): Promise<void> {}

  on(listener: BrokerListener): () => void {
    return this.listeners.add(listener);
  }

  openOrders(symbol?: string): StoredOrder[] {
    return this.store.orders.listOpen(Ledger.Paper, { exchange: this.exchange, ...(symbol ? { symbol } : {}) });
  }

  async placeOrder(req: PlaceOrderRequest): Promise<StoredOrder> {
    validatePlaceRequest(req);
    const existing = this.orders.get(this.orders.clientOrderIdFor(req));
    if (existing) return existing;
    const precision = this.precision(req.symbol);
    const fitted = req.reduceOnly ? { ...fitToMarket(req, precision), amountBase: req.amountBase } : fitToMarket(req, precision);
    const quote = req.reduceOnly ? null : executablePrice(this.books.get(req.symbol), fitted);
    if (!req.reduceOnly) checkMinimums(req, quote?.price ?? null, precision);
    const gated = gateOrder(this.risk, fitted, riskAccountState(this.account(), this.positions(), this.entries.all(this.clock.nowMs()), this.openOrders()), quote);
    const amountBase = req.reduceOnly ? gated.amountBase : toStep(gated.amountBase, precision.amountStep, 'down');
    if (!req.reduceOnly) checkMinimums({ symbol: req.symbol, amountBase }, quote?.price ?? null, precision);
    const leverage = req.leverage ?? gated.sizing?.leverage ?? this.defaultLeverage;
    const marginMode = req.marginMode ?? gated.sizing?.marginMode ?? 'cross';
    const { order, created } = this.orders.record({ ...fitted, amountBase, leverage, marginMode });
    if (!created) return order;
    this.pruneTimeline();
    const placedAtMs = this.exchangeNowMs.get(order.symbol);
    this.timeline.set(order.clientOrderId, { ...(placedAtMs !== undefined ? { placedAtMs } : {}), amends: [] });
    if (!req.reduceOnly) this.entries.note(req.symbol, this.clock.nowMs());
    return this.execute(order);
  }

  /**
   * Amends a working order in place, after the order it becomes passed the RiskPolicy (against
   * the account without the order itself). A limit whose new price the book reaches takes it at
   * once as a taker, as a venue matches an amended order; a post-only one is cancelled instead.
   */
  async amendOrder(clientOrderId: string, change: AmendOrderRequest): Promise<StoredOrder> {
    const order = this.orders.get(clientOrderId);
    if (!order) throw new PerpscopeError(ErrorCode.OrderNotFound, `Order ${clientOrderId} is not in the paper ledger`, { details: { clientOrderId } });
    if (order.state !== OrderState.Ack && order.state !== OrderState.Partial) {
      throw new OrderError(ErrorCode.InvalidOrder, `Amend of ${clientOrderId} refused: the order is ${order.state}, not working (ACK or PARTIAL)`, { details: { reason: 'order_not_open', clientOrderId, state: order.state } });
    }
    const precision = this.precision(order.symbol);
    const fitted = fitAmendment(order, change, precision);
    const quote = fitted.reduceOnly ? null : executablePrice(this.books.get(order.symbol), fitted);
    const others = this.openOrders().filter((o) => o.clientOrderId !== clientOrderId);
    const fittedChange = gateAmendment(this.risk, order, change, fitted, precision, riskAccountState(this.account(), this.positions(), this.entries.all(this.clock.nowMs()), others), quote);
    validateAmend(order, fittedChange);
    const amended = this.orders.recordAmend(clientOrderId, fittedChange, { via: 'in_place' });
    const amendedAtMs = this.exchangeNowMs.get(order.symbol);
    if (amendedAtMs !== undefined) {
      const line = this.timeline.get(clientOrderId) ?? { amends: [] };
      line.amends.push({ atMs: amendedAtMs, price: order.price, triggerPrice: order.triggerPrice });
      this.timeline.set(clientOrderId, line);
    }
    const book = this.books.get(amended.symbol);
    if (amended.type !== 'limit' || amended.price === null || !book || !isMarketable(amended.side, amended.price, book)) return amended;
    if (amended.params.timeInForce === 'PO') {
      return this.orders.move(amended, OrderState.Cancelled, { reason: 'post_only', lastError: `post-only ${amended.side} amended to ${amended.price} would take liquidity` });
    }
    const walk = walkBook(book, amended.side, this.reducibleAmount(amended), amended.price);
    if (walk.filledBase > 0) this.fillOrder(amended, walk.fills, false, this.clock.nowMs());
    this.cancelSpentReduceOnly(amended);
    return this.orders.get(clientOrderId) ?? amended;
  }

  async cancelOrder(clientOrderId: string): Promise<StoredOrder> {
    const order = this.orders.get(clientOrderId);
    if (!order) throw new PerpscopeError(ErrorCode.OrderNotFound, `Order ${clientOrderId} is not in the paper ledger`, { details: { clientOrderId } });
    if (order.state !== OrderState.Ack && order.state !== OrderState.Partial && order.state !== OrderState.New) return order;
    return this.orders.move(order, OrderState.Cancelled, { reason: 'user_cancel' });
  }

  async fetchPositions(): Promise<BrokerPosition[]> {
    return this.positions();
  }

  async fetchAccount(): Promise<BrokerAccount> {
    return this.account();
  }

  /** The market's grid and minimums, from its spec. */
  private precision(symbol: string): MarketPrecision {
    const spec = this.marketSpec(symbol);
    return {
      ...(spec?.lotSize !== undefined ? { amountStep: spec.lotSize } : {}),
      ...(spec?.tickSize !== undefined ? { priceStep: spec.tickSize } : {}),
      ...(spec?.minAmount !== undefined ? { minAmountBase: spec.minAmount } : {}),
      ...(spec?.minNotionalUsd !== undefined ? { minNotionalUsd: spec.minNotionalUsd } : {}),
    };
  }

  async quote(order: QuoteRequest): Promise<ExecutableQuote | null> {
    return executablePrice(this.books.get(order.symbol), order);
  }

  async closePosition(symbol: string, opts: { tradeId?: string; attempt?: number; reason?: CloseLeg } = {}): Promise<StoredOrder | null> {
    const p = this.store.positions.get(Ledger.Paper, this.exchange, symbol);
    if (!p) return null;
    return this.placeOrder({
      symbol,
      side: p.side === 'long' ? 'sell' : 'buy',
      type: 'market',
      amountBase: p.sizeBase,
      reduceOnly: true,
      purpose: 'exit',
      tradeId: opts.tradeId ?? p.tradeId ?? `close_${symbol}_${p.openedAtMs}`,
      leg: opts.reason ?? 'manual',
      attempt: opts.attempt ?? 0,
    });
  }

  /**
   * The current book of a symbol; market orders walk it. A limit still working at a price the new
   * book reaches (the rest of a marketable limit) takes it as a taker, at the book's prices; a
   * resting post-only one is filled as maker at its own price.
   */
  onOrderBook(symbol: string, book: OrderBook): void {
    this.books.set(symbol, book);
    const bid = book.bids[0]?.[0];
    const ask = book.asks[0]?.[0];
    // The newest book is the best view of the price until the next trade prints.
    if (bid !== undefined && ask !== undefined) this.lastPrices.set(symbol, (bid + ask) / 2);
    this.settleFunding(symbol);
    for (const snapshot of this.openOrders(symbol)) {
      // Type, side and price do not change while a book is applied (an amend runs between calls): only a limit the book reaches is re-read.
      if (snapshot.type !== 'limit' || snapshot.price === null || !isMarketable(snapshot.side, snapshot.price, book)) continue;
      const o = this.live(snapshot);
      if (!o || o.price === null) continue;
      const walk = walkBook(book, o.side, this.reducibleAmount(o), o.price);
      if (walk.filledBase > 0) {
        // A post-only order never takes: it only rests, so a book that reaches it traded against it, at its own price, as maker.
        const postOnly = o.type === 'limit' && o.params.timeInForce === 'PO';
        this.fillOrder(o, postOnly ? [{ price: o.price, amountBase: walk.filledBase }] : walk.fills, postOnly, this.clock.nowMs());
      }
      this.cancelSpentReduceOnly(o);
    }
  }

  /**
   * New public trades. A resting limit fills at its own price (maker) only when the tape trades
   * through it, strictly beyond the limit: a print at the limit says nothing about the queue ahead.
   * Orders are re-read from the ledger before each fill, so a fill never lands on an order that
   * was cancelled or filled meanwhile, and reduce-only fills are capped at the position.
   */
  onTrades(symbol: string, trades: readonly Trade[]): void {
    for (const t of trades) {
      this.notePrice(symbol, t.price, t.timestampMs);
      let available = t.amount;
      const book = this.books.get(symbol);
      // An order's type, side, price and trigger do not change while a print is applied, so the snapshot decides whether
      // the print concerns it; only then is the order re-read (one ledger read per order saved).
      for (const snapshot of this.openOrders(symbol)) {
        // A print reported late (a slow poll, a stream catching up) that traded before the order
        // existed could not have touched it; one from before an amend met the terms of then.
        const terms = this.termsAt(snapshot, t.timestampMs);
        if (!terms) continue;
        if (isTrigger(snapshot)) {
          if (triggerFires(snapshot.type, snapshot.side, terms.triggerPrice ?? 0, t.price)) this.trigger(snapshot, t.timestampMs);
          continue;
        }
        if (snapshot.type !== 'limit' || !(available > 0) || terms.price === null || !tradeCrosses(snapshot.side, terms.price, t.price)) continue;
        const o = this.live(snapshot);
        if (!o || o.price === null) continue;
        // A limit the book still reaches is taking liquidity, not resting: the book fills it.
        if (book && isMarketable(o.side, o.price, book)) continue;
        const take = Math.min(available, this.reducibleAmount(o));
        if (take > 0) available -= this.fillOrder(o, [{ price: terms.price, amountBase: take }], true, t.timestampMs);
        this.cancelSpentReduceOnly(o);
      }
    }
    this.settleFunding(symbol);
  }

  /**
   * A last-trade price with no tape behind it (a ticker push): the price a new stop or target is
   * checked against, so a stop moved on this price is not refused on an older one. It fills
   * nothing; fills come from the trades and the book.
   */
  onLastPrice(symbol: string, price: number, atMs?: number): void {
    if (Number.isFinite(price) && price > 0) this.notePrice(symbol, price, atMs !== undefined && Number.isFinite(atMs) ? atMs : undefined);
  }

  /**
   * Takes `price` as the symbol's last unless a newer exchange time is known: a late report must
   * not roll the price back. `atMs` is the exchange's time, or undefined where it sent none (a
   * locally stamped time would be compared with the exchange's).
   */
  private notePrice(symbol: string, price: number, atMs: number | undefined): void {
    if (atMs === undefined) {
      this.lastPrices.set(symbol, price);
      return;
    }
    const newest = this.exchangeNowMs.get(symbol);
    if (newest !== undefined && atMs < newest) return;
    this.lastPrices.set(symbol, price);
    this.exchangeNowMs.set(symbol, atMs);
  }

  /**
   * The price and trigger in force on `order` at exchange time `atMs`: null before the order was
   * placed (as far as the exchange's time tells), the terms before an amend made after `atMs`.
   */
  private termsAt(order: StoredOrder, atMs: number): { price: number | null; triggerPrice: number | null } | null {
    const line = this.timeline.get(order.clientOrderId);
    if (!line) return order;
    if (line.placedAtMs !== undefined && atMs < line.placedAtMs) return null;
    return line.amends.find((a) => atMs < a.atMs) ?? order;
  }

  /** Forgets the history of orders no longer working. */
  private pruneTimeline(): void {
    for (const id of this.timeline.keys()) {
      const o = this.orders.get(id);
      if (!o || (o.state !== OrderState.Ack && o.state !== OrderState.Partial && o.state !== OrderState.New)) this.timeline.delete(id);
    }
  }

  /** Mark price: unrealized PnL, stop triggers on the mark, and liquidation. */
  onMarkPrice(symbol: string, markPrice: number, atMs: number): void {
    this.marks.set(symbol, markPrice);
    this.settleFunding(symbol);
    const stored = this.store.positions.list(Ledger.Paper, this.exchange);
    // Flat: no liquidation price to refresh and nothing to liquidate (the account is not read).
    if (stored.length === 0) return;
    const p = this.refreshLiquidations(this.readAccount().balanceUsd, stored).find((x) => x.symbol === symbol);
    if (!p || p.liquidationPrice === null) return;
    const liquidated = p.side === 'long' ? markPrice <= p.liquidationPrice : markPrice >= p.liquidationPrice;
    if (!liquidated) return;
    this.log.warn({ symbol, markPrice, liquidationPrice: p.liquidationPrice }, 'paper position liquidated');
    this.applyFills(
      [{ ...this.baseFill(symbol, p.side === 'long' ? 'sell' : 'buy', atMs), fillId: liquidationFillId(symbol, atMs), price: p.liquidationPrice, amountBase: p.sizeBase }],
    );
    for (const o of this.openOrders(symbol)) if (o.reduceOnly) this.orders.move(o, OrderState.Cancelled, { reason: 'liquidated' });
    this.listeners.emit({ type: 'alert', level: 'error', reason: 'liquidation', message: `Paper position on ${symbol} liquidated at ${p.liquidationPrice}` });
  }

  /**
   * A funding settlement at `fundingTimeMs` (rate as a fraction, positive: longs pay shorts). A
   * settlement in the future (the exchange announces the next one with its predicted rate) is
   * held until the clock reaches it, with the latest rate announced for it; one that has passed
   * settles now. Each settlement is charged once, to a position that was open at its timestamp,
   * even if reported again after a restart.
   */
  onFunding(symbol: string, rate: number, fundingTimeMs: number, markPrice?: number): void {
    if (!Number.isFinite(rate) || !Number.isFinite(fundingTimeMs)) return;
    if (markPrice !== undefined && Number.isFinite(markPrice) && markPrice > 0) this.marks.set(symbol, markPrice);
    const pending = this.pendingFunding.get(symbol);
    if (!pending || fundingTimeMs >= pending.fundingTimeMs) this.pendingFunding.set(symbol, { rate, fundingTimeMs });
    else this.settle(symbol, rate, fundingTimeMs);
    this.settleFunding(symbol);
  }

  /** Charges the symbol's announced settlement once the clock has reached it. */
  private settleFunding(symbol: string): void {
    const pending = this.pendingFunding.get(symbol);
    if (!pending || pending.fundingTimeMs > this.clock.nowMs()) return;
    this.pendingFunding.delete(symbol);
    this.settle(symbol, pending.rate, pending.fundingTimeMs);
  }

  private settle(symbol: string, rate: number, fundingTimeMs: number): void {
    const p = this.store.positions.get(Ledger.Paper, this.exchange, symbol);
    if (!p || p.openedAtMs > fundingTimeMs) return;
    const last = typeof p.extra.lastFundingMs === 'number' ? p.extra.lastFundingMs : Number.NEGATIVE_INFINITY;
    if (fundingTimeMs <= last) return;
    const mark = this.marks.get(symbol) ?? p.entryPrice;
    const paymentUsd = -(p.side === 'long' ? 1 : -1) * p.sizeBase * mark * rate;
    this.store.transaction(() => {
      const acc = this.readAccount();
      this.saveAccount({ ...acc, balanceUsd: acc.balanceUsd + paymentUsd, fundingUsd: acc.fundingUsd + paymentUsd });
      const paid = typeof p.extra.fundingUsd === 'number' ? p.extra.fundingUsd : 0;
      this.store.positions.upsert({ ...p, updatedAtMs: Math.max(p.updatedAtMs, fundingTimeMs), extra: { ...p.extra, lastFundingMs: fundingTimeMs, fundingUsd: paid + paymentUsd } });
      this.store.events.append({ atMs: fundingTimeMs, type: 'funding', ledger: Ledger.Paper, symbol, payload: { rate, paymentUsd, markPrice: mark } });
    });
  }

  private execute(order: StoredOrder): StoredOrder {
    const nowMs = this.clock.nowMs();
    if (isTrigger(order)) {
      const last = this.lastPrices.get(order.symbol) ?? this.marks.get(order.symbol);
      if (last !== undefined && triggerFires(order.type, order.side, order.triggerPrice ?? 0, last)) {
        return this.orders.move(order, OrderState.Rejected, { reason: 'trigger_crossed', lastError: `trigger ${order.triggerPrice} already crossed (last ${last})` });
      }
      return this.orders.move(order, OrderState.Ack, { reason: 'accepted', exchangeOrderId: `paper_${order.clientOrderId}` });
    }
    const book = this.books.get(order.symbol);
    if (!book) return this.orders.move(order, OrderState.Rejected, { reason: 'no_book', lastError: `no order book for ${order.symbol} yet` });
    const acked = this.orders.move(order, OrderState.Ack, { reason: 'accepted', exchangeOrderId: `paper_${order.clientOrderId}` });
    const tif = acked.type === 'limit' ? acked.params.timeInForce : undefined;
    // As the venues do: a post-only limit that would take liquidity is cancelled, never filled.
    if (tif === 'PO' && acked.price !== null && isMarketable(acked.side, acked.price, book)) {
      return this.orders.move(acked, OrderState.Cancelled, { reason: 'post_only', lastError: `post-only ${acked.side} at ${acked.price} would take liquidity` });
    }
    const amount = this.reducibleAmount(acked);
    const walk = walkBook(book, acked.side, amount, acked.type === 'limit' ? (acked.price ?? undefined) : undefined);
    // Fill-or-kill: all of it from the visible book at the limit, or nothing.
    if (tif === 'FOK' && walk.filledBase < amount - 1e-12) {
      return this.orders.move(acked, OrderState.Cancelled, { reason: 'fok', lastError: `fill-or-kill: only ${walk.filledBase} of ${amount} available at ${acked.price}` });
    }
    if (walk.filledBase > 0) this.fillOrder(acked, walk.fills, false, nowMs);
    const after = this.orders.get(acked.clientOrderId) ?? acked;
    // Market orders are IOC on the visible book; a reduce-only remainder has nothing to reduce.
    if ((after.type === 'market' || (after.reduceOnly && this.reducibleAmount(after) <= 0)) && after.state !== OrderState.Filled) {
      return this.orders.move(after, OrderState.Cancelled, { reason: after.type === 'market' ? 'book_exhausted' : 'reduce_only' });
    }
    if (tif === 'IOC' && after.state !== OrderState.Filled && after.state !== OrderState.Cancelled) {
      return this.orders.move(after, OrderState.Cancelled, { reason: 'ioc_remainder' });
    }
    return after;
  }

  private trigger(snapshot: StoredOrder, atMs: number): void {
    const order = this.live(snapshot);
    if (!order) return;
    const book = this.books.get(order.symbol);
    const amount = this.reducibleAmount(order);
    if (!book || amount <= 0) {
      this.orders.move(order, OrderState.Cancelled, { reason: amount <= 0 ? 'no_position' : 'no_book' });
      return;
    }
    const walk = walkBook(book, order.side, amount);
    if (walk.filledBase > 0) this.fillOrder(order, walk.fills, false, atMs);
    const after = this.orders.get(order.clientOrderId) ?? order;
    if (after.state !== OrderState.Filled) this.orders.move(after, OrderState.Cancelled, { reason: 'book_exhausted' });
  }

  /** The order as the ledger has it now, while it can still fill; undefined once it cannot. */
  private live(order: StoredOrder): StoredOrder | undefined {
    const current = this.orders.get(order.clientOrderId);
    return current && (current.state === OrderState.Ack || current.state === OrderState.Partial) ? current : undefined;
  }

  /** A reduce-only order with no position left to reduce is done. */
  private cancelSpentReduceOnly(order: StoredOrder): void {
    const current = this.live(order);
    if (current?.reduceOnly && this.reducibleAmount(current) <= 0) this.orders.move(current, OrderState.Cancelled, { reason: 'reduce_only' });
  }

  /**
   * Fills at the given levels; returns the amount filled. Nothing fills on an order that is no
   * longer working, and a reduce-only order never fills past the position it reduces.
   */
  private fillOrder(snapshot: StoredOrder, levels: readonly { price: number; amountBase: number }[], maker: boolean, atMs: number): number {
    const order = this.live(snapshot);
    if (!order) return 0;
    let room = this.reducibleAmount(order);
    const capped: { price: number; amountBase: number }[] = [];
    for (const l of levels) {
      const take = Math.min(l.amountBase, room);
      if (take <= 0) break;
      capped.push({ price: l.price, amountBase: take });
      room -= take;
    }
    levels = capped;
    const spec = this.marketSpec(order.symbol);
    const feeRate = spec ? (maker ? spec.makerFee : spec.takerFee) : 0;
    const seq = this.store.fills.forOrder(order.clientOrderId).length;
    const fills: Fill[] = [];
    let filled = 0;
    for (const [i, l] of levels.entries()) {
      if (l.amountBase <= 0) continue;
      filled += l.amountBase;
      fills.push({
        ...this.baseFill(order.symbol, order.side, atMs),
        fillId: `${order.clientOrderId}_${seq + i}`,
        clientOrderId: order.clientOrderId,
        exchangeOrderId: order.exchangeOrderId,
        price: l.price,
        amountBase: l.amountBase,
        feeCost: l.price * l.amountBase * feeRate,
        liquidity: maker ? 'maker' : 'taker',
      });
    }
    this.applyFills(fills);
    return filled;
  }

  private applyFills(fills: readonly Fill[]): void {
    this.store.transaction(() => {
      let acc = this.readAccount();
      for (const fill of fills) {
        const before = this.store.positions.get(Ledger.Paper, this.exchange, fill.symbol);
        const order = fill.clientOrderId ? this.orders.get(fill.clientOrderId) : undefined;
        const leverage = typeof order?.params.leverage === 'number' ? order.params.leverage : this.defaultLeverage;
        const marginMode = order?.params.marginMode === 'isolated' ? 'isolated' : 'cross';
        const { realizedPnlUsd } = applyFillToPosition(before, fill, { ledger: Ledger.Paper, exchange: this.exchange, leverage, marginMode, tradeId: order?.tradeId ?? null });
        if (this.orders.applyFills([fill]).length === 0) continue;
        acc = { ...acc, balanceUsd: acc.balanceUsd + realizedPnlUsd - fill.feeCost, realizedPnlUsd: acc.realizedPnlUsd + realizedPnlUsd, feesUsd: acc.feesUsd + fill.feeCost };
      }
      this.saveAccount(acc);
      this.refreshLiquidations(acc.balanceUsd);
      const view = this.account();
      this.store.accountSnapshots.insert({ ledger: Ledger.Paper, exchange: this.exchange, atMs: fills[0]?.atMs ?? this.clock.nowMs(), ...view });
    });
  }

  /**
   * Sets each position's liquidation price: isolated on its own margin, cross on the wallet it
   * shares (so a cross price moves with the balance and the other positions' marks). Returns the
   * positions as now stored.
   */
  private refreshLiquidations(balanceUsd: number, stored = this.store.positions.list(Ledger.Paper, this.exchange)): StoredPosition[] {
    const prices = liquidationPrices(
      stored.map((p) => ({ ...p, markPrice: this.marks.get(p.symbol) ?? this.lastPrices.get(p.symbol) ?? p.entryPrice, maintenanceMarginRate: this.marketSpec(p.symbol)?.maintenanceMarginRate ?? 0.005 })),
      balanceUsd,
    );
    return stored.map((p) => {
      const liq = prices.get(p.symbol) ?? null;
      if (liq === p.liquidationPrice || (liq !== null && p.liquidationPrice !== null && Math.abs(liq - p.liquidationPrice) <= 1e-12 * liq)) return p;
      const updated = { ...p, liquidationPrice: liq };
      this.store.positions.upsert(updated);
      return updated;
    });
  }

  private reducibleAmount(order: StoredOrder): number {
    const remaining = order.amountBase - order.filledBase;
    if (!order.reduceOnly) return remaining;
    const p = this.store.positions.get(Ledger.Paper, this.exchange, order.symbol);
    if (!p || (p.side === 'long') !== (order.side === 'sell')) return 0;
    return Math.min(remaining, p.sizeBase);
  }

  private baseFill(symbol: string, side: 'buy' | 'sell', atMs: number): Fill {
    return { ledger: Ledger.Paper, exchange: this.exchange, fillId: '', clientOrderId: null, exchangeOrderId: null, symbol, side, price: 0, amountBase: 0, feeCost: 0, feeCurrency: 'USDT', liquidity: 'taker', atMs };
  }

  private positions(): BrokerPosition[] {
    return this.store.positions.list(Ledger.Paper, this.exchange).map((p) => toBrokerPosition(p, this.marks.get(p.symbol) ?? this.lastPrices.get(p.symbol) ?? null));
  }

  private account(): BrokerAccount {
    const acc = this.readAccount();
    const positions = this.positions();
    const unrealizedPnlUsd = positions.reduce((s, p) => s + p.unrealizedPnlUsd, 0);
    const marginUsd = positions.reduce((s, p) => s + (p.sizeBase * (p.markPrice ?? p.entryPrice)) / p.leverage, 0);
    const restingUsd = this.openOrders()
      .filter((o) => !o.reduceOnly && o.type === 'limit')
      .reduce((s, o) => s + ((o.amountBase - o.filledBase) * (o.price ?? 0)) / (typeof o.params.leverage === 'number' ? o.params.leverage : this.defaultLeverage), 0);
    const equityUsd = acc.balanceUsd + unrealizedPnlUsd;
    return { equityUsd, balanceUsd: acc.balanceUsd, availableUsd: equityUsd - marginUsd - restingUsd, unrealizedPnlUsd, realizedPnlUsd: acc.realizedPnlUsd };
  }

  private readAccount(): PaperAccountState {
    const raw = this.store.settings.peek(this.accountKey) as Partial<PaperAccountState> | undefined;
    return {
      balanceUsd: typeof raw?.balanceUsd === 'number' ? raw.balanceUsd : this.initialBalanceUsd,
      realizedPnlUsd: typeof raw?.realizedPnlUsd === 'number' ? raw.realizedPnlUsd : 0,
      feesUsd: typeof raw?.feesUsd === 'number' ? raw.feesUsd : 0,
      fundingUsd: typeof raw?.fundingUsd === 'number' ? raw.fundingUsd : 0,
    };
  }

  private saveAccount(acc: PaperAccountState): void {
    this.store.settings.set(this.accountKey, acc, this.clock.nowMs());
  }
}

/** True when a limit at `limitPrice` reaches the book's opposite side. */
function isMarketable(side: 'buy' | 'sell', limitPrice: number, book: Pick<OrderBook, 'bids' | 'asks'>): boolean {
  const touch = side === 'buy' ? book.asks[0]?.[0] : book.bids[0]?.[0];
  return touch !== undefined && (side === 'buy' ? limitPrice >= touch : limitPrice <= touch);
}

function isTrigger(o: StoredOrder): o is StoredOrder & { type: 'stop_market' | 'take_profit_market' } {
  return o.type === 'stop_market' || o.type === 'take_profit_market';
}

