import type { BrokerAccount, BrokerPosition, Fill, StoredOrder } from '@perpscope/sdk';
import type { AccountView, FillView, OrderStatusView, OrderView, PositionView } from '@perpscope/shared';

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

export function toOrderView(o: StoredOrder): OrderView {
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

/** A fill as the fills table shows it, with its exit reason (see `fillExitReason`). */
export function toFillView(f: Fill, exitReason: string | null): FillView {
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
    exitReason,
  };
}

export interface PositionTimes {
  openedAtMs: number;
  updatedAtMs: number;
}

/** A broker position as a view; `protection` holds its working stop and take-profit triggers. */
export function toPositionView(p: BrokerPosition, times: PositionTimes, protection: { stop: number | null; target: number | null }): PositionView {
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

/**
 * The account as a view. `realizedNetUsd` is the ledger's realized PnL net of fees
 * (`realizedNetOfFeesUsd`), not the broker's figure: a paper broker's is before fees and a live
 * one reports none, while `dailyPnlUsd` (an equity change) is after fees.
 */
export function toAccountView(a: BrokerAccount, dailyPnlUsd: number | null, realizedNetUsd: number): AccountView {
  return {
    currency: 'USDT',
    equityUsd: a.equityUsd,
    balanceUsd: a.balanceUsd,
    unrealizedPnlUsd: a.unrealizedPnlUsd,
    realizedPnlUsd: realizedNetUsd,
    dailyPnlUsd,
  };
}
