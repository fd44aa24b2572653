import type { SimAccount, Side } from './account.js';
import type { SimContext } from './context.js';
import type { AttachedTpsl } from './attachedTpsl.js';
import type { OrderEngine, Rejection, SimOrder } from './orders.js';

/** A TP/SL bracket (`trade/order-tpsl`) or a single trigger order (`trade/order-algo`). */
export interface SimTrigger {
  id: string;
  kind: 'tpsl' | 'algo';
  clientOrderId: string;
  instId: string;
  side: Side;
  /** Contracts, or -1 for the whole position at trigger time. */
  size: number;
  reduceOnly: boolean;
  marginMode: string;
  tpTriggerPrice: number | null;
  tpOrderPrice: number | null;
  slTriggerPrice: number | null;
  slOrderPrice: number | null;
  triggerPrice: number | null;
  orderPrice: number | null;
  /** For algo orders: fire when the watched price rises to (true) or falls to (false) the trigger. */
  fireAbove: boolean;
  /** For algo orders: the price watched, the last trade's (default) or the mark (`triggerPriceType=mark`). */
  priceType?: 'mark';
  /** BloFin's TP/SL states: a trigger whose order was refused is `order_failed`. */
  state: 'live' | 'effective' | 'canceled' | 'order_failed';
  actualOrderId: string;
  createTimeMs: number;
  updateTimeMs: number;
  brokerId: string;
}

/** TP/SL attached to an order: armed as a `tpsl` trigger once the order fills. */
interface Attachment {
  spec: AttachedTpsl;
  /** The protective trigger, once the parent has filled. */
  triggerId: string | null;
  /** The parent reached a final state: its trigger no longer follows its fills. */
  settled: boolean;
}

type Body = Record<string, unknown>;

const str = (b: Body, k: string): string | undefined => (b[k] === undefined || b[k] === null || b[k] === '' ? undefined : String(b[k]));
const num = (b: Body, k: string): number | null => {
  const v = str(b, k);
  return v === undefined ? null : Number(v);
};

/**
 * Exchange-side protective orders. They watch the last price (an algo order asked with
 * `triggerPriceType=mark`, the mark) each tick; on trigger they send a
 * reduce-only market (order price -1) or limit order through the {@link OrderEngine}. They are not
 * cancelled when the position closes: a stop left behind is the client's to clean up.
 */
export class TriggerEngine {
  readonly triggers = new Map<string, SimTrigger>();
  /** TP/SL attached to orders, by the parent's orderId. */
  private readonly attached = new Map<string, Attachment>();

  constructor(
    private readonly ctx: SimContext,
    private readonly account: SimAccount,
    private readonly orders: OrderEngine,
    private readonly onChange: (t: SimTrigger) => void,
  ) {}

  create(kind: 'tpsl' | 'algo', body: Body): SimTrigger | Rejection {
    const now = this.ctx.nowMs();
    const instId = str(body, 'instId') ?? '';
    const m = this.ctx.byInstId(instId);
    if (!m) return { code: '152014', msg: `Instrument ID does not exist: ${instId}` };
    const side = str(body, 'side');
    if (side !== 'buy' && side !== 'sell') return { code: '152002', msg: `Parameter side error: got "${String(side)}"` };
    const clientOrderId = str(body, 'clientOrderId') ?? '';
    if (clientOrderId !== '' && this.orders.usedClientIds.has(clientOrderId)) return { code: '102002', msg: 'Duplicate customized order ID' };
    const sizeRaw = str(body, 'size');
    const size = sizeRaw === undefined ? -1 : Number(sizeRaw);
    if (!(size === -1 || size > 0)) return { code: '152002', msg: `Parameter size error: got "${sizeRaw ?? ''}"` };
    const last = this.ctx.source.lastPrice(m.symbol, now) ?? 0;
    const onMark = kind === 'algo' && str(body, 'triggerPriceType') === 'mark';
    const t: SimTrigger = {
      id: this.account.newId(),
      kind,
      clientOrderId,
      instId,
      side,
      size,
      // BloFin defaults reduceOnly to false for both; ccxt sends true for its TP/SL orders.
      reduceOnly: str(body, 'reduceOnly') === 'true',
      marginMode: str(body, 'marginMode') ?? this.account.marginMode,
      tpTriggerPrice: num(body, 'tpTriggerPrice'),
      tpOrderPrice: num(body, 'tpOrderPrice'),
      slTriggerPrice: num(body, 'slTriggerPrice'),
      slOrderPrice: num(body, 'slOrderPrice'),
      triggerPrice: num(body, 'triggerPrice'),
      orderPrice: num(body, 'orderPrice'),
      fireAbove: false,
      ...(onMark ? { priceType: 'mark' as const } : {}),
      state: 'live',
      actualOrderId: '',
      createTimeMs: now,
      updateTimeMs: now,
      brokerId: str(body, 'brokerId') ?? '',
    };
    if (kind === 'tpsl') {
      if (t.tpTriggerPrice === null && t.slTriggerPrice === null) return { code: '152003', msg: 'Either parameter tpTriggerPrice or slTriggerPrice is required' };
      // A sell closes a long: TP above the market, SL below it (mirror for buys).
      const up = side === 'sell';
      if (t.tpTriggerPrice !== null && (up ? t.tpTriggerPrice <= last : t.tpTriggerPrice >= last)) {
        return up ? { code: '102037', msg: 'TP trigger price should be higher than the latest trading price' } : { code: '102039', msg: 'TP trigger price should be lower than the latest trading price' };
      }
      if (t.slTriggerPrice !== null && (up ? t.slTriggerPrice >= last : t.slTriggerPrice <= last)) {
        return up ? { code: '102038', msg: 'SL trigger price should be lower than the latest trading price' } : { code: '102040', msg: 'SL trigger price should be higher than the latest trading price' };
      }
    } else {
      if (t.triggerPrice === null || !(t.triggerPrice > 0)) return { code: '152001', msg: 'Parameter triggerPrice cannot be empty' };
      t.fireAbove = t.triggerPrice > (onMark ? this.ctx.source.markPrice(m.symbol, now).markPrice : last);
    }
    if (clientOrderId !== '') this.orders.usedClientIds.add(clientOrderId);
    this.triggers.set(t.id, t);
    this.onChange(t);
    return t;
  }

  /**
   * Attaches TP/SL to a placed order. As on BloFin, the protective order exists only once the
   * parent has filled: one reduce-only `tpsl` trigger on the opposite side, sized to what the
   * parent has filled (it grows with later partial fills), visible in `orders-tpsl-pending`.
   * A parent cancelled without any fill leaves nothing behind.
   */
  attach(parent: SimOrder, spec: AttachedTpsl): void {
    this.attached.set(parent.orderId, { spec, triggerId: null, settled: false });
    this.syncAttached();
  }

  /** The TP/SL attached to an order, for its order record. */
  attachedTo(orderId: string): AttachedTpsl | undefined {
    return this.attached.get(orderId)?.spec;
  }

  /** Arms or resizes the triggers of attached TP/SL after the parents' fills. */
  syncAttached(): void {
    for (const [orderId, a] of this.attached) {
      if (a.settled) continue;
      const parent = this.orders.orders.get(orderId);
      if (!parent) continue;
      a.settled = parent.state !== 'live' && parent.state !== 'partially_filled';
      if (!(parent.filledSize > 0)) continue;
      const existing = a.triggerId === null ? undefined : this.triggers.get(a.triggerId);
      if (existing) {
        if (existing.state === 'live' && existing.size !== parent.filledSize) {
          existing.size = parent.filledSize;
          existing.updateTimeMs = this.ctx.nowMs();
          this.onChange(existing);
        }
        continue;
      }
      const now = this.ctx.nowMs();
      const t: SimTrigger = {
        id: this.account.newId(),
        kind: 'tpsl',
        clientOrderId: '',
        instId: parent.instId,
        side: parent.side === 'buy' ? 'sell' : 'buy',
        size: parent.filledSize,
        reduceOnly: true,
        marginMode: parent.marginMode,
        ...a.spec,
        triggerPrice: null,
        orderPrice: null,
        fireAbove: false,
        state: 'live',
        actualOrderId: '',
        createTimeMs: now,
        updateTimeMs: now,
        brokerId: parent.brokerId,
      };
      a.triggerId = t.id;
      this.triggers.set(t.id, t);
      this.onChange(t);
    }
  }

  cancel(id: string | undefined, clientOrderId: string | undefined): SimTrigger | Rejection {
    let t = id ? this.triggers.get(id) : undefined;
    if (!t && clientOrderId) for (const x of this.triggers.values()) if (x.clientOrderId === clientOrderId) t = x;
    if (!t || t.state !== 'live') return { code: '102068', msg: 'Cancel failed as the order has been filled, triggered, canceled or does not exist' };
    t.state = 'canceled';
    t.updateTimeMs = this.ctx.nowMs();
    this.onChange(t);
    return t;
  }

  /**
   * Amends an untriggered algo order in place (trigger price, size, limit price): same id, same
   * direction. Whether the new trigger suits the direction is the dialect's check, in its venue's terms.
   */
  amend(id: string, change: { triggerPrice?: number; size?: number; orderPrice?: number }): SimTrigger | Rejection {
    const t = this.triggers.get(id);
    if (!t || t.kind !== 'algo' || t.state !== 'live') return { code: '102068', msg: 'Amend failed as the order has been triggered, canceled or does not exist' };
    if (change.triggerPrice !== undefined) t.triggerPrice = change.triggerPrice;
    if (change.size !== undefined) t.size = change.size;
    if (change.orderPrice !== undefined) t.orderPrice = change.orderPrice;
    t.updateTimeMs = this.ctx.nowMs();
    this.onChange(t);
    return t;
  }

  tick(): void {
    this.syncAttached();
    const now = this.ctx.nowMs();
    for (const t of this.triggers.values()) {
      if (t.state !== 'live') continue;
      const m = this.ctx.byInstId(t.instId);
      if (!m) continue;
      if (!this.ctx.isLive(m, now)) {
        t.state = 'canceled';
        t.updateTimeMs = now;
        this.onChange(t);
        continue;
      }
      const at = this.ctx.tradingTime(m, now);
      const last = t.priceType === 'mark' ? this.ctx.source.markPrice(m.symbol, at).markPrice : this.ctx.source.lastPrice(m.symbol, at);
      if (last === null) continue;
      const fired = this.firedLeg(t, last);
      if (!fired) continue;
      const pos = this.account.positions.get(t.instId);
      const size = t.size > 0 ? t.size : pos ? Math.abs(pos.size) : 0;
      const limit = fired.orderPrice;
      const result =
        size > 0
          ? this.orders.place({
              instId: t.instId,
              side: t.side,
              orderType: limit === null || limit === -1 ? 'market' : 'limit',
              size,
              price: limit === null || limit === -1 ? undefined : limit,
              reduceOnly: t.reduceOnly,
              marginMode: t.marginMode,
              brokerId: t.brokerId,
              category: fired.category,
            })
          : { code: '102022', msg: 'no position' };
      t.state = 'orderId' in result ? 'effective' : 'order_failed';
      t.actualOrderId = 'orderId' in result ? result.orderId : '';
      t.updateTimeMs = now;
      this.onChange(t);
    }
  }

  private firedLeg(t: SimTrigger, last: number): { orderPrice: number | null; category: 'tp' | 'sl' | 'trigger' } | null {
    if (t.kind === 'algo') {
      const trig = t.triggerPrice!;
      return (t.fireAbove ? last >= trig : last <= trig) ? { orderPrice: t.orderPrice, category: 'trigger' } : null;
    }
    const closesLong = t.side === 'sell';
    if (t.slTriggerPrice !== null && (closesLong ? last <= t.slTriggerPrice : last >= t.slTriggerPrice)) {
      return { orderPrice: t.slOrderPrice, category: 'sl' };
    }
    if (t.tpTriggerPrice !== null && (closesLong ? last >= t.tpTriggerPrice : last <= t.tpTriggerPrice)) {
      return { orderPrice: t.tpOrderPrice, category: 'tp' };
    }
    return null;
  }
}
