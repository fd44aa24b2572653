import type { SimAccount, MarginMode, Side } from './account.js';
import { baseToContracts, contractsToBase } from '../market/contractUnits.js';
import type { SimContext } from './context.js';
import { snap } from './pathMath.js';
import type { SimMarket } from './types.js';

export type OrderType = 'market' | 'limit' | 'post_only' | 'fok' | 'ioc';
/** BloFin's order states; a cancel after a partial fill is `partially_canceled`. */
export type OrderState = 'live' | 'partially_filled' | 'filled' | 'canceled' | 'partially_canceled';

export interface SimOrder {
  orderId: string;
  clientOrderId: string;
  instId: string;
  side: Side;
  orderType: OrderType;
  price: number;
  /** In contracts, as BloFin's `size` (and `filledSize`). */
  size: number;
  reduceOnly: boolean;
  marginMode: MarginMode;
  leverage: number;
  state: OrderState;
  filledSize: number;
  avgPrice: number;
  fee: number;
  pnl: number;
  createTimeMs: number;
  updateTimeMs: number;
  cancelSource: string;
  brokerId: string;
  orderCategory: 'normal' | 'tp' | 'sl' | 'trigger' | 'liquidation';
  lastCheckMs: number;
}

/** A business rejection in BloFin's terms. */
export interface Rejection {
  code: string;
  msg: string;
}

export interface PlaceRequest {
  instId: string;
  side: string;
  orderType: string;
  size: string | number;
  price?: string | number | undefined;
  reduceOnly?: string | boolean | undefined;
  clientOrderId?: string | undefined;
  marginMode?: string | undefined;
  brokerId?: string | undefined;
  category?: SimOrder['orderCategory'];
}

/** What an amend changes on a resting order: its limit price and/or its size (contracts). */
export interface AmendRequest {
  price?: number | undefined;
  size?: number | undefined;
}

/**
 * Why the engine refuses an amend, for each dialect to answer with its venue's code: the order is
 * no longer working (filled, cancelled or unknown), the new size is not above what already filled,
 * or nothing would change. Bad values and margin use the codes of `place`.
 */
export const AmendRefusal = {
  NotOpen: 'amend_not_open',
  BelowFilled: 'amend_below_filled',
  Unchanged: 'amend_unchanged',
} as const;

const CLIENT_ID = /^[A-Za-z0-9_]{1,32}$/;
const ORDER_TYPES: readonly string[] = ['market', 'limit', 'post_only', 'fok', 'ioc'];

/**
 * Order lifecycle and matching. Marketable orders walk the sim's own book (taker); resting limit
 * orders fill as the sim's public trades cross their price (maker), so fills are partial whenever
 * the tape is thinner than the order. Reduce-only orders never grow or flip a position.
 */
export class OrderEngine {
  readonly orders = new Map<string, SimOrder>();
  readonly usedClientIds = new Set<string>();
  fillRatio = 1;

  constructor(
    private readonly ctx: SimContext,
    private readonly account: SimAccount,
    private readonly onOrder: (o: SimOrder) => void,
    private readonly onPosition: (instId: string) => void,
  ) {}

  byClientId(clientOrderId: string): SimOrder | undefined {
    for (const o of this.orders.values()) if (o.clientOrderId === clientOrderId) return o;
    return undefined;
  }

  /** Margin reserved by resting orders, in USDT. */
  frozenMargin(): number {
    let total = 0;
    for (const o of this.orders.values()) {
      if ((o.state !== 'live' && o.state !== 'partially_filled') || o.reduceOnly) continue;
      const m = this.ctx.byInstId(o.instId);
      if (m) total += (contractsToBase(m, o.size - o.filledSize) * o.price) / o.leverage;
    }
    return total;
  }

  place(req: PlaceRequest): SimOrder | Rejection {
    const now = this.ctx.nowMs();
    const m = this.ctx.byInstId(req.instId);
    if (!m) return { code: '152014', msg: `Instrument ID does not exist: ${req.instId}` };
    if (!this.ctx.isLive(m, now)) return { code: '152014', msg: `Instrument ${req.instId} is suspended` };
    if (req.side !== 'buy' && req.side !== 'sell') return { code: '152002', msg: `Parameter side error: got "${req.side}", expected buy or sell` };
    if (!ORDER_TYPES.includes(req.orderType)) return { code: '152002', msg: `Parameter orderType error: got "${req.orderType}"` };
    const size = Number(req.size);
    if (!(size > 0) || Math.abs(snap(size, m.lotSize) - size) > m.lotSize * 1e-6 || size < m.minAmount) {
      return { code: '152002', msg: `Parameter size error: got "${req.size}", expected a number of contracts, a multiple of ${m.lotSize} >= ${m.minAmount}` };
    }
    const type = req.orderType as OrderType;
    const priceNum = type === 'market' ? 0 : Number(req.price);
    if (type !== 'market' && !(priceNum > 0)) return { code: '152002', msg: `Parameter price error: got "${String(req.price)}"` };
    const clientOrderId = req.clientOrderId ?? '';
    if (clientOrderId !== '') {
      if (!CLIENT_ID.test(clientOrderId)) {
        return { code: '152009', msg: 'clientOrderId must be a combination of numbers, letters, or underscores, and the maximum length of characters is 32' };
      }
      if (this.usedClientIds.has(clientOrderId)) return { code: '102002', msg: 'Duplicate customized order ID' };
    }
    const reduceOnly = req.reduceOnly === true || req.reduceOnly === 'true';
    const pos = this.account.positions.get(m.id);
    if (reduceOnly && (!pos || (pos.size > 0) === (req.side === 'buy'))) {
      return { code: '102022', msg: "Failed to place order. You don't have any positions of this contract. Turn off Reduce-only to continue." };
    }
    const marginMode = req.marginMode === 'isolated' || req.marginMode === 'cross' ? req.marginMode : this.account.marginMode;
    const leverage = this.account.leverageOf(m.id, marginMode);
    if (!reduceOnly) {
      const refPrice = type === 'market' ? this.touch(m, req.side === 'buy' ? 'ask' : 'bid', now) : priceNum;
      const notional = contractsToBase(m, size) * refPrice;
      const required = notional / leverage + notional * m.takerFee;
      const available = this.account.equity() - this.account.positionMargin() - this.frozenMargin();
      if (required > available) return { code: '103003', msg: 'Order failed. Insufficient USDT margin in account' };
    }
    const order: SimOrder = {
      orderId: this.account.newId(),
      clientOrderId,
      instId: m.id,
      side: req.side,
      orderType: type,
      price: type === 'market' ? 0 : snap(priceNum, m.tickSize),
      // Accepted within a millionth of a lot of a whole number of lots, and held as that number: a
      // float a dialect converted (HTX volume to contracts) must not leave a full fill a hair short.
      size: snap(size, m.lotSize),
      reduceOnly,
      marginMode,
      leverage,
      state: 'live',
      filledSize: 0,
      avgPrice: 0,
      fee: 0,
      pnl: 0,
      createTimeMs: now,
      updateTimeMs: now,
      cancelSource: '',
      brokerId: req.brokerId ?? '',
      orderCategory: req.category ?? 'normal',
      lastCheckMs: now,
    };
    if (clientOrderId !== '') this.usedClientIds.add(clientOrderId);
    this.orders.set(order.orderId, order);
    this.executeOnArrival(order, m, now);
    this.onOrder(order);
    return order;
  }

  cancel(instId: string, orderId: string | undefined, clientOrderId: string | undefined): SimOrder | Rejection {
    const o = orderId ? this.orders.get(orderId) : clientOrderId ? this.byClientId(clientOrderId) : undefined;
    if (!o || o.instId !== instId || (o.state !== 'live' && o.state !== 'partially_filled')) {
      return { code: '102068', msg: 'Cancel failed as the order has been filled, triggered, canceled or does not exist' };
    }
    this.finish(o, 'canceled', 'user_canceled');
    return o;
  }

  /**
   * Amends a resting limit order in place: new price and/or size, same order and client ids. The
   * order loses its time priority (it rests anew from now: tape printed before the amend no longer
   * fills it), and a new price that crosses the book matches at once as a taker, as the venues do;
   * a post-only order that would cross is cancelled instead. A size must stay above what already
   * filled, and growth must fit the available margin, as a new order's would.
   */
  amend(orderId: string, change: AmendRequest): SimOrder | Rejection {
    const o = this.orders.get(orderId);
    if (!o || (o.state !== 'live' && o.state !== 'partially_filled')) return { code: AmendRefusal.NotOpen, msg: 'Amend failed as the order has been filled, canceled or does not exist' };
    const m = this.ctx.byInstId(o.instId);
    if (!m) return { code: '152014', msg: `Instrument ID does not exist: ${o.instId}` };
    const now = this.ctx.nowMs();
    if (!this.ctx.isLive(m, now)) return { code: '152014', msg: `Instrument ${o.instId} is suspended` };
    const size = change.size ?? o.size;
    if (!(size > 0) || Math.abs(snap(size, m.lotSize) - size) > m.lotSize * 1e-6 || size < m.minAmount) {
      return { code: '152002', msg: `Parameter size error: got "${size}", expected a number of contracts, a multiple of ${m.lotSize} >= ${m.minAmount}` };
    }
    const rawPrice = change.price ?? o.price;
    if (!(rawPrice > 0)) return { code: '152002', msg: `Parameter price error: got "${rawPrice}"` };
    const price = snap(rawPrice, m.tickSize);
    if (size === o.size && price === o.price) return { code: AmendRefusal.Unchanged, msg: 'The order remains unchanged: the new price and size equal the current ones' };
    if (size <= o.filledSize) return { code: AmendRefusal.BelowFilled, msg: `The new size ${size} is not above the ${o.filledSize} already filled` };
    if (!o.reduceOnly) {
      const notional = contractsToBase(m, size - o.filledSize) * price;
      const required = notional / o.leverage + notional * m.takerFee;
      const own = (contractsToBase(m, o.size - o.filledSize) * o.price) / o.leverage;
      const available = this.account.equity() - this.account.positionMargin() - this.frozenMargin() + own;
      if (required > available) return { code: '103003', msg: 'Order failed. Insufficient USDT margin in account' };
    }
    o.price = price;
    o.size = snap(size, m.lotSize);
    o.updateTimeMs = now;
    o.lastCheckMs = now;
    this.executeOnArrival(o, m, now);
    this.onOrder(o);
    return o;
  }

  /** Fills resting limit orders against the public tape since the last check. */
  tick(): void {
    const now = this.ctx.nowMs();
    for (const o of this.orders.values()) {
      if (o.state !== 'live' && o.state !== 'partially_filled') continue;
      const m = this.ctx.byInstId(o.instId);
      if (!m) continue;
      if (!this.ctx.isLive(m, now)) {
        this.finish(o, 'canceled', 'delisted');
        continue;
      }
      const trades = this.ctx.source.trades(m.symbol, o.lastCheckMs, now);
      o.lastCheckMs = now;
      const before = o.filledSize;
      for (const t of trades) {
        const crosses = o.side === 'buy' ? t.price <= o.price : t.price >= o.price;
        if (!crosses) continue;
        if (!this.fill(o, m, baseToContracts(m, t.amount), o.price, true, t.timestampMs)) break;
      }
      if (o.filledSize !== before) this.settle(o);
    }
  }

  private executeOnArrival(o: SimOrder, m: SimMarket, now: number): void {
    const book = this.ctx.source.orderBook(m.symbol, this.ctx.tradingTime(m, now), 100);
    const levels = o.side === 'buy' ? book.asks : book.bids;
    const marketable = (p: number): boolean => o.orderType === 'market' || (o.side === 'buy' ? p <= o.price : p >= o.price);
    if (o.orderType === 'post_only') {
      if (levels[0] && marketable(levels[0][0])) this.finish(o, 'canceled', 'post_only');
      return;
    }
    if (o.orderType === 'fok') {
      let available = 0;
      for (const [p, a] of levels) if (marketable(p)) available += baseToContracts(m, a);
      if (available < o.size) {
        this.finish(o, 'canceled', 'fok');
        return;
      }
    }
    for (const [p, a] of levels) {
      if (!marketable(p)) break;
      if (!this.fill(o, m, baseToContracts(m, a), p, false, now)) break;
    }
    if (o.filledSize > 0) this.settle(o);
    const immediateOnly = o.orderType === 'market' || o.orderType === 'ioc' || o.orderType === 'fok';
    const open = o.state === 'live' || o.state === 'partially_filled';
    if (open && immediateOnly) this.finish(o, 'canceled', 'ioc_remainder');
  }

  /** Fills up to `available` contracts at `price`; false once the order can take no more. */
  private fill(o: SimOrder, m: SimMarket, available: number, price: number, maker: boolean, tsMs: number): boolean {
    const cap = snap(Math.floor((o.size * this.fillRatio) / m.lotSize + 1e-9) * m.lotSize, m.lotSize);
    let qty = Math.min(available, cap - o.filledSize, o.size - o.filledSize);
    if (o.reduceOnly) {
      const pos = this.account.positions.get(o.instId);
      const closable = pos && (pos.size > 0) !== (o.side === 'buy') ? Math.abs(pos.size) : 0;
      qty = Math.min(qty, closable);
    }
    qty = snap(Math.floor(qty / m.lotSize + 1e-9) * m.lotSize, m.lotSize);
    if (qty <= 0) return false;
    const f = this.account.applyFill(m, o.orderId, o.side, qty, price, maker, tsMs);
    o.avgPrice = (o.avgPrice * o.filledSize + price * qty) / (o.filledSize + qty);
    o.filledSize = snap(o.filledSize + qty, m.lotSize);
    o.fee += f.fee;
    o.pnl += f.pnl;
    o.updateTimeMs = tsMs;
    o.state = o.filledSize >= o.size ? 'filled' : 'partially_filled';
    return o.state !== 'filled' && o.filledSize < cap;
  }

  private reduceExhausted(o: SimOrder): boolean {
    if (!o.reduceOnly) return false;
    const pos = this.account.positions.get(o.instId);
    return !pos || (pos.size > 0) === (o.side === 'buy');
  }

  private settle(o: SimOrder): void {
    this.onPosition(o.instId);
    if (o.state === 'filled') this.onOrder(o);
    else if (this.reduceExhausted(o)) this.finish(o, 'canceled', 'reduce_only');
    else this.onOrder(o);
  }

  /** Ends an order; a cancel after a partial fill ends it as `partially_canceled`, as BloFin reports it. */
  private finish(o: SimOrder, state: 'filled' | 'canceled', source: string): void {
    o.state = state === 'canceled' && o.filledSize > 0 ? 'partially_canceled' : state;
    o.cancelSource = state === 'canceled' ? source : '';
    o.updateTimeMs = this.ctx.nowMs();
    this.onOrder(o);
  }

  private touch(m: SimMarket, side: 'bid' | 'ask', now: number): number {
    const book = this.ctx.source.orderBook(m.symbol, this.ctx.tradingTime(m, now), 1);
    const level = side === 'ask' ? book.asks[0] : book.bids[0];
    return level?.[0] ?? this.ctx.source.lastPrice(m.symbol, now) ?? 0;
  }
}
