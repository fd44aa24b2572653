import type { AccountView, FillView, OrderStatusView, OrderView, PositionView } from '@perpscope/shared';

/**
 * The sdk trading and store records the desktop maps, stated structurally: the sdk's main entry
 * does not export its trading and store modules, so their types cannot be imported here.
 */
export interface StoredOrderLike {
  clientOrderId: string;
  symbol: string;
  side: 'buy' | 'sell';
  type: string;
  state: string;
  amountBase: number;
  filledBase: number;
  price: number | null;
  triggerPrice: number | null;
  avgFillPrice: number | null;
  reduceOnly: boolean;
  createdAtMs: number;
  updatedAtMs: number;
  lastError: string | null;
}

export interface FillLike {
  fillId: string;
  clientOrderId: string | null;
  symbol: string;
  side: 'buy' | 'sell';
  price: number;
  amountBase: number;
  feeCost: number;
  liquidity: 'maker' | 'taker' | null;
  atMs: number;
}

export interface BrokerPositionLike {
  symbol: string;
  side: 'long' | 'short';
  sizeBase: number;
  entryPrice: number;
  markPrice: number | null;
  unrealizedPnlUsd: number;
  realizedPnlUsd: number;
  liquidationPrice: number | null;
  leverage: number;
}

export interface BrokerAccountLike {
  equityUsd: number;
  balanceUsd: number;
  unrealizedPnlUsd: number;
  realizedPnlUsd: number;
}

const STATUS: Record<string, OrderStatusView> = {
  NEW: 'pending',
  SENT: 'pending',
  UNKNOWN: 'pending',
  ACK: 'open',
  PARTIAL: 'partially_filled',
  FILLED: 'filled',
  CANCELLED: 'canceled',
  REJECTED: 'rejected',
  LOST: 'rejected',
};

const TYPE: Record<string, OrderView['type']> = {
  market: 'market',
  limit: 'limit',
  stop_market: 'stop_loss',
  stop_limit: 'stop_loss',
  take_profit_market: 'take_profit',
  take_profit_limit: 'take_profit',
};

export function toOrderView(o: StoredOrderLike): OrderView {
  return {
    id: o.clientOrderId,
    clientOrderId: o.clientOrderId,
    symbol: o.symbol,
    side: o.side,
    type: TYPE[o.type] ?? 'market',
    status: STATUS[o.state] ?? 'pending',
    amountBase: o.amountBase,
    filledBase: o.filledBase,
    price: o.price ?? o.triggerPrice,
    avgFillPrice: o.avgFillPrice,
    reduceOnly: o.reduceOnly,
    createdAtMs: Math.floor(o.createdAtMs),
    updatedAtMs: Math.floor(o.updatedAtMs),
    reason: o.lastError,
  };
}

export function toFillView(f: FillLike): FillView {
  return {
    id: f.fillId,
    orderId: f.clientOrderId ?? '',
    symbol: f.symbol,
    side: f.side,
    price: f.price,
    amountBase: f.amountBase,
    feeUsd: f.feeCost,
    liquidity: f.liquidity ?? 'taker',
    atMs: Math.floor(f.atMs),
  };
}

export interface PositionTimes {
  openedAtMs: number;
  updatedAtMs: number;
}

/** A broker position as a view; `protection` holds its working stop and take-profit triggers. */
export function toPositionView(p: BrokerPositionLike, times: PositionTimes, protection: { stop: number | null; target: number | null }): PositionView {
  return {
    symbol: p.symbol,
    side: p.side,
    status: 'open',
    sizeBase: p.sizeBase,
    entryPrice: p.entryPrice,
    markPrice: p.markPrice,
    unrealizedPnlUsd: p.unrealizedPnlUsd,
    realizedPnlUsd: p.realizedPnlUsd,
    leverage: p.leverage,
    liquidationPrice: p.liquidationPrice,
    stopLossPrice: protection.stop,
    takeProfitPrice: protection.target,
    openedAtMs: Math.floor(times.openedAtMs),
    updatedAtMs: Math.floor(times.updatedAtMs),
  };
}

export function toAccountView(a: BrokerAccountLike, dailyPnlUsd: number | null): AccountView {
  return {
    currency: 'USDT',
    equityUsd: a.equityUsd,
    balanceUsd: a.balanceUsd,
    unrealizedPnlUsd: a.unrealizedPnlUsd,
    realizedPnlUsd: a.realizedPnlUsd,
    dailyPnlUsd,
  };
}
