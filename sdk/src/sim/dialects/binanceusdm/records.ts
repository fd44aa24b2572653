import { contractsToBase } from '../../../market/contractUnits.js';
import type { SimFill } from '../../account.js';
import type { SimOrder } from '../../orders.js';
import type { SimTrigger } from '../../tpsl.js';
import type { SimMarket } from '../../types.js';
import { decimal } from '../../wire.js';
import { binanceId, bnPrice, bnQtyFromContracts } from './wire.js';

/** What the Binance codec remembers of an order beyond the core's record. */
export interface BinanceOrderMeta {
  clientOrderId: string;
  /** GTC, IOC, FOK or GTX (post-only). */
  timeInForce: string;
}

/** What the codec remembers of a conditional (algo) order. */
export interface BinanceAlgoMeta {
  clientAlgoId: string;
  /** STOP_MARKET, TAKE_PROFIT_MARKET, STOP or TAKE_PROFIT. */
  orderType: string;
  closePosition: boolean;
  reduceOnly: boolean;
  /** The price the trigger watches: CONTRACT_PRICE (last trade, Binance's default) or MARK_PRICE. */
  workingType?: string;
}

/** Binance's order status for a core order; IOC/FOK remainders and refused post-only orders expire. */
export function orderStatus(o: SimOrder): string {
  switch (o.state) {
    case 'live':
      return 'NEW';
    case 'partially_filled':
      return 'PARTIALLY_FILLED';
    case 'filled':
      return 'FILLED';
    default:
      return o.cancelSource === 'user_canceled' || o.cancelSource === 'delisted' ? 'CANCELED' : 'EXPIRED';
  }
}

/** The order as `/fapi/v1/order` returns it (RESULT response type). */
export function orderRecord(o: SimOrder, m: SimMarket, meta: BinanceOrderMeta | undefined): Record<string, unknown> {
  const type = o.orderType === 'market' ? 'MARKET' : 'LIMIT';
  const filledBase = contractsToBase(m, o.filledSize);
  return {
    orderId: Number(o.orderId),
    symbol: binanceId(m),
    status: orderStatus(o),
    clientOrderId: meta?.clientOrderId ?? `sim_${o.orderId}`,
    price: o.orderType === 'market' ? '0' : bnPrice(o.price, m),
    avgPrice: o.filledSize > 0 ? decimal(o.avgPrice, 8) : '0',
    origQty: bnQtyFromContracts(o.size, m),
    executedQty: bnQtyFromContracts(o.filledSize, m),
    cumQty: bnQtyFromContracts(o.filledSize, m),
    cumQuote: decimal(filledBase * o.avgPrice, 8),
    timeInForce: meta?.timeInForce ?? (o.orderType === 'ioc' ? 'IOC' : o.orderType === 'fok' ? 'FOK' : o.orderType === 'post_only' ? 'GTX' : 'GTC'),
    type,
    reduceOnly: o.reduceOnly,
    closePosition: false,
    side: o.side.toUpperCase(),
    positionSide: 'BOTH',
    stopPrice: '0',
    workingType: 'CONTRACT_PRICE',
    priceProtect: false,
    origType: type,
    priceMatch: 'NONE',
    selfTradePreventionMode: 'EXPIRE_MAKER',
    goodTillDate: 0,
    time: o.createTimeMs,
    updateTime: o.updateTimeMs,
  };
}

/** Binance's algo status for a core trigger: TRIGGERED once its order is sent, FINISHED once that order is done. */
export function algoStatus(t: SimTrigger, fired: SimOrder | undefined): string {
  switch (t.state) {
    case 'live':
      return 'NEW';
    case 'canceled':
      return 'CANCELED';
    case 'order_failed':
      return 'EXPIRED';
    default:
      return fired && fired.state !== 'live' && fired.state !== 'partially_filled' ? 'FINISHED' : 'TRIGGERED';
  }
}

/** The conditional order as `/fapi/v1/algoOrder` returns it. */
export function algoRecord(t: SimTrigger, m: SimMarket, meta: BinanceAlgoMeta | undefined, fired: SimOrder | undefined): Record<string, unknown> {
  const limitPrice = t.orderPrice === null || t.orderPrice === -1 ? 0 : t.orderPrice;
  return {
    algoId: Number(t.id),
    clientAlgoId: meta?.clientAlgoId ?? `sim_${t.id}`,
    algoType: 'CONDITIONAL',
    orderType: meta?.orderType ?? (limitPrice > 0 ? 'STOP' : 'STOP_MARKET'),
    symbol: binanceId(m),
    side: t.side.toUpperCase(),
    positionSide: 'BOTH',
    timeInForce: 'GTC',
    quantity: t.size > 0 ? bnQtyFromContracts(t.size, m) : '0',
    algoStatus: algoStatus(t, fired),
    triggerPrice: bnPrice(t.triggerPrice ?? 0, m),
    price: limitPrice > 0 ? bnPrice(limitPrice, m) : '0',
    icebergQuantity: null,
    selfTradePreventionMode: 'EXPIRE_MAKER',
    workingType: meta?.workingType ?? 'CONTRACT_PRICE',
    priceMatch: 'NONE',
    closePosition: meta?.closePosition ?? t.size === -1,
    priceProtect: false,
    reduceOnly: meta?.reduceOnly ?? t.reduceOnly,
    activatePrice: '',
    callbackRate: '',
    actualOrderId: t.actualOrderId,
    actualQty: fired ? bnQtyFromContracts(fired.filledSize, m) : '0',
    actualPrice: fired && fired.filledSize > 0 ? decimal(fired.avgPrice, 8) : '0',
    createTime: t.createTimeMs,
    updateTime: t.updateTimeMs,
    triggerTime: t.state === 'effective' ? t.updateTimeMs : 0,
    goodTillDate: 0,
  };
}

/** One fill as `/fapi/v1/userTrades` returns it. */
export function userTradeRecord(f: SimFill, m: SimMarket): Record<string, unknown> {
  const qtyBase = contractsToBase(m, f.size);
  return {
    buyer: f.side === 'buy',
    commission: decimal(f.fee, 8),
    commissionAsset: 'USDT',
    id: Number(f.tradeId),
    maker: f.maker,
    orderId: Number(f.orderId),
    price: bnPrice(f.price, m),
    qty: bnQtyFromContracts(f.size, m),
    quoteQty: decimal(qtyBase * f.price, 8),
    realizedPnl: decimal(f.pnl, 8),
    side: f.side.toUpperCase(),
    positionSide: 'BOTH',
    symbol: binanceId(m),
    time: f.tsMs,
  };
}
