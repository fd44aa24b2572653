import { decimal } from './wire.js';
import type { SimFill } from './account.js';
import type { SimOrder } from './orders.js';
import type { SimTrigger } from './tpsl.js';

const n = (v: number | null): string | null => (v === null ? null : String(v));

/** BloFin order record (REST and the `orders` channel). */
export function orderRecord(o: SimOrder): Record<string, string | null> {
  return {
    orderId: o.orderId,
    clientOrderId: o.clientOrderId,
    instId: o.instId,
    instType: 'SWAP',
    marginMode: o.marginMode,
    positionSide: 'net',
    side: o.side,
    orderType: o.orderType,
    price: decimal(o.price, 10),
    size: decimal(o.size, 10),
    reduceOnly: o.reduceOnly ? 'true' : 'false',
    leverage: String(o.leverage),
    state: o.state,
    filledSize: decimal(o.filledSize, 10),
    filled_amount: decimal(o.filledSize * o.avgPrice, 10),
    averagePrice: decimal(o.avgPrice, 10),
    fee: decimal(o.fee, 10),
    pnl: decimal(o.pnl, 10),
    createTime: String(o.createTimeMs),
    updateTime: String(o.updateTimeMs),
    orderCategory: o.orderCategory,
    tpTriggerPrice: null,
    tpOrderPrice: null,
    slTriggerPrice: null,
    slOrderPrice: null,
    cancelSource: o.cancelSource,
    cancelSourceReason: null,
    brokerId: o.brokerId,
  };
}

/** BloFin TP/SL record (`orders-tpsl-*`) or algo record (`orders-algo-*`). */
export function triggerRecord(t: SimTrigger): Record<string, string | null> {
  const common = {
    clientOrderId: t.clientOrderId,
    instId: t.instId,
    instType: 'SWAP',
    marginMode: t.marginMode,
    positionSide: 'net',
    side: t.side,
    size: decimal(t.size, 10),
    reduceOnly: t.reduceOnly ? 'true' : 'false',
    state: t.state,
    actualOrderId: t.actualOrderId,
    createTime: String(t.createTimeMs),
    updateTime: String(t.updateTimeMs),
    brokerId: t.brokerId,
  };
  if (t.kind === 'algo') {
    return {
      algoId: t.id,
      ...common,
      orderType: 'trigger',
      triggerPrice: n(t.triggerPrice),
      orderPrice: n(t.orderPrice),
      triggerPriceType: 'last',
    };
  }
  return {
    tpslId: t.id,
    ...common,
    orderType: t.tpTriggerPrice !== null && t.slTriggerPrice !== null ? 'oco' : 'conditional',
    tpTriggerPrice: n(t.tpTriggerPrice),
    tpOrderPrice: n(t.tpOrderPrice),
    slTriggerPrice: n(t.slTriggerPrice),
    slOrderPrice: n(t.slOrderPrice),
  };
}

/** BloFin fill record (`trade/fills-history`). */
export function fillRecord(f: SimFill): Record<string, string> {
  return {
    instId: f.instId,
    tradeId: f.tradeId,
    orderId: f.orderId,
    fillPrice: decimal(f.price, 10),
    fillSize: decimal(f.size, 10),
    fillPnl: decimal(f.pnl, 10),
    side: f.side,
    positionSide: 'net',
    fee: decimal(f.fee, 10),
    ts: String(f.tsMs),
    brokerId: '',
  };
}
