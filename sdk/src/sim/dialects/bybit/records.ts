import { contractsToBase } from '../../../market/contractUnits.js';
import type { SimFill } from '../../account.js';
import type { SimOrder } from '../../orders.js';
import type { SimTrigger } from '../../tpsl.js';
import type { SimMarket } from '../../types.js';
import { decimal } from '../../wire.js';
import { binanceId as bybitId, bnPrice as byPrice, bnQtyFromContracts as byQtyFromContracts } from '../binanceusdm/wire.js';

/** What the Bybit codec remembers of an order or conditional order beyond the core's record. */
export interface BybitOrderMeta {
  orderLinkId: string;
  /** GTC, IOC, FOK or PostOnly. */
  timeInForce: string;
  /** `Limit` or `Market`: the order sent (for a conditional order, once triggered). */
  orderType: 'Limit' | 'Market';
  /** '' for a plain order; `Stop` for a conditional order, `TakeProfit`/`StopLoss` (or `Partial...`) for position TP/SL. */
  stopOrderType: string;
  /** 1: fires when the price rises to the trigger, 2: when it falls to it; 0 for plain orders. */
  triggerDirection: 0 | 1 | 2;
  /** The price a conditional order watches: LastPrice (Bybit's default), MarkPrice or IndexPrice. */
  triggerBy: string;
  /** Attached take-profit / stop-loss trigger prices of a plain order ('' when none). */
  takeProfit: string;
  stopLoss: string;
  /** The last price when the order was placed. */
  lastPriceOnCreated: string;
}

/** Bybit's status for a plain core order. A linear cancel after a partial fill is still `Cancelled`. */
export function orderStatus(o: SimOrder): string {
  switch (o.state) {
    case 'live':
      return 'New';
    case 'partially_filled':
      return 'PartiallyFilled';
    case 'filled':
      return 'Filled';
    default:
      return 'Cancelled';
  }
}

/** Bybit's status for a conditional order: Untriggered while it waits, then its order's (the same id on Bybit). */
export function conditionalStatus(t: SimTrigger, fired: SimOrder | undefined): string {
  switch (t.state) {
    case 'live':
      return 'Untriggered';
    case 'canceled':
      return 'Deactivated';
    case 'order_failed':
      return 'Rejected';
    default:
      return fired ? (fired.state === 'live' ? 'Triggered' : orderStatus(fired)) : 'Triggered';
  }
}

const BASE_RECORD = {
  blockTradeId: '',
  isLeverage: '',
  positionIdx: 0,
  rejectReason: 'EC_NoError',
  orderIv: '',
  tpTriggerBy: '',
  slTriggerBy: '',
  smpType: 'None',
  smpGroup: 0,
  smpOrderId: '',
  tpslMode: '',
  tpLimitPrice: '',
  slLimitPrice: '',
  placeType: '',
  slippageToleranceType: 'UNKNOWN',
  slippageTolerance: '',
} as const;

/** A plain order as `/v5/order/realtime` and `/v5/order/history` list it. */
export function orderRecord(o: SimOrder, m: SimMarket, meta: BybitOrderMeta | undefined): Record<string, unknown> {
  const filledBase = contractsToBase(m, o.filledSize);
  const open = o.state === 'live' || o.state === 'partially_filled';
  const leaves = open ? o.size - o.filledSize : 0;
  return {
    ...BASE_RECORD,
    orderId: o.orderId,
    orderLinkId: meta?.orderLinkId ?? '',
    symbol: bybitId(m),
    price: o.orderType === 'market' ? '0' : byPrice(o.price, m),
    qty: byQtyFromContracts(o.size, m),
    side: o.side === 'buy' ? 'Buy' : 'Sell',
    orderStatus: orderStatus(o),
    cancelType: o.state === 'canceled' || o.state === 'partially_canceled' ? (o.cancelSource === 'user_canceled' ? 'CancelByUser' : 'UNKNOWN') : 'UNKNOWN',
    avgPrice: o.filledSize > 0 ? decimal(o.avgPrice, 8) : '',
    leavesQty: byQtyFromContracts(leaves, m),
    leavesValue: decimal(contractsToBase(m, leaves) * (o.orderType === 'market' ? 0 : o.price), 8),
    cumExecQty: byQtyFromContracts(o.filledSize, m),
    cumExecValue: decimal(filledBase * o.avgPrice, 8),
    cumExecFee: decimal(o.fee, 8),
    timeInForce: meta?.timeInForce ?? (o.orderType === 'ioc' || o.orderType === 'market' ? 'IOC' : o.orderType === 'fok' ? 'FOK' : o.orderType === 'post_only' ? 'PostOnly' : 'GTC'),
    orderType: o.orderType === 'market' ? 'Market' : 'Limit',
    stopOrderType: '',
    triggerPrice: '',
    takeProfit: meta?.takeProfit ?? '',
    stopLoss: meta?.stopLoss ?? '',
    triggerDirection: 0,
    triggerBy: '',
    lastPriceOnCreated: meta?.lastPriceOnCreated ?? '',
    reduceOnly: o.reduceOnly,
    closeOnTrigger: false,
    createdTime: String(o.createTimeMs),
    updatedTime: String(o.updateTimeMs),
  };
}

/**
 * A conditional order (or position TP/SL) as the order lists show it: one order id from placement
 * to fill, as on Bybit. Once triggered, the quantities and prices are those of the order it sent.
 */
export function conditionalRecord(t: SimTrigger, m: SimMarket, meta: BybitOrderMeta | undefined, fired: SimOrder | undefined): Record<string, unknown> {
  const limit = t.orderPrice ?? (meta?.stopOrderType.endsWith('TakeProfit') ? t.tpOrderPrice : t.slOrderPrice);
  const trigger = t.triggerPrice ?? t.tpTriggerPrice ?? t.slTriggerPrice ?? 0;
  const sizeContracts = t.size > 0 ? t.size : 0;
  const filled = fired?.filledSize ?? 0;
  const open = t.state === 'live' || (fired !== undefined && (fired.state === 'live' || fired.state === 'partially_filled'));
  return {
    ...BASE_RECORD,
    orderId: t.id,
    orderLinkId: meta?.orderLinkId ?? '',
    symbol: bybitId(m),
    price: limit !== null && limit !== undefined && limit > 0 ? byPrice(limit, m) : '0',
    // A whole-position TP/SL (size -1) closes whatever is open when it fires: Bybit shows qty 0.
    qty: byQtyFromContracts(sizeContracts, m),
    side: t.side === 'buy' ? 'Buy' : 'Sell',
    orderStatus: conditionalStatus(t, fired),
    cancelType: t.state === 'canceled' ? 'CancelByUser' : 'UNKNOWN',
    avgPrice: fired && filled > 0 ? decimal(fired.avgPrice, 8) : '',
    leavesQty: open ? byQtyFromContracts(Math.max(0, sizeContracts - filled), m) : '0',
    leavesValue: '0',
    cumExecQty: byQtyFromContracts(filled, m),
    cumExecValue: fired ? decimal(contractsToBase(m, filled) * fired.avgPrice, 8) : '0',
    cumExecFee: fired ? decimal(fired.fee, 8) : '0',
    timeInForce: meta?.timeInForce ?? 'IOC',
    orderType: meta?.orderType ?? (limit !== null && limit !== undefined && limit > 0 ? 'Limit' : 'Market'),
    stopOrderType: meta?.stopOrderType ?? (t.kind === 'tpsl' ? (t.tpTriggerPrice !== null ? 'TakeProfit' : 'StopLoss') : 'Stop'),
    triggerPrice: byPrice(trigger, m),
    takeProfit: '',
    stopLoss: '',
    triggerDirection: meta?.triggerDirection ?? (t.fireAbove ? 1 : 2),
    triggerBy: meta?.triggerBy ?? (t.priceType === 'mark' ? 'MarkPrice' : 'LastPrice'),
    lastPriceOnCreated: meta?.lastPriceOnCreated ?? '',
    reduceOnly: t.reduceOnly,
    closeOnTrigger: t.size <= 0,
    tpslMode: t.kind === 'tpsl' ? (t.size > 0 ? 'Partial' : 'Full') : '',
    createdTime: String(t.createTimeMs),
    updatedTime: String(fired?.updateTimeMs ?? t.updateTimeMs),
  };
}

/** One fill as `/v5/execution/list` lists it; `orderId` is the Bybit order it belongs to (a conditional order's own id once triggered). */
export function executionRecord(f: SimFill, m: SimMarket, orderId: string, orderLinkId: string, order: SimOrder | undefined): Record<string, unknown> {
  const qtyBase = contractsToBase(m, f.size);
  return {
    symbol: bybitId(m),
    orderId,
    orderLinkId,
    side: f.side === 'buy' ? 'Buy' : 'Sell',
    orderPrice: order && order.orderType !== 'market' ? byPrice(order.price, m) : '0',
    orderQty: order ? byQtyFromContracts(order.size, m) : byQtyFromContracts(f.size, m),
    leavesQty: order ? byQtyFromContracts(Math.max(0, order.size - order.filledSize), m) : '0',
    createType: 'CreateByUser',
    orderType: order?.orderType === 'market' ? 'Market' : 'Limit',
    stopOrderType: '',
    execFee: decimal(f.fee, 8),
    execId: f.tradeId,
    execPrice: byPrice(f.price, m),
    execQty: byQtyFromContracts(f.size, m),
    execType: 'Trade',
    execValue: decimal(qtyBase * f.price, 8),
    execTime: String(f.tsMs),
    feeCurrency: m.settle,
    isMaker: f.maker,
    feeRate: qtyBase * f.price > 0 ? decimal(f.fee / (qtyBase * f.price), 6) : '0',
    tradeIv: '',
    markIv: '',
    markPrice: '',
    indexPrice: '',
    underlyingPrice: '',
    blockTradeId: '',
    closedSize: '',
    seq: Number(f.tradeId) || 0,
    extraFees: '',
  };
}
