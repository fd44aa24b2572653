import type { MarginMode, SimFill } from './account.js';
import { decimal } from './wire.js';

/** What positions history needs to know of the order behind a fill. */
export interface FillOrigin {
  marginMode: MarginMode;
  leverage: number;
  /** Liquidation closes count as `liquidationPositions`. */
  liquidation: boolean;
}

/** One closed position as `account/positions-history` reports it; sizes in contracts. */
export interface ClosedPosition {
  /** The closing fill's trade id: increasing, so it pages like the other histories. */
  historyId: string;
  positionId: string;
  instId: string;
  /** +1 long, -1 short. */
  sign: 1 | -1;
  marginMode: MarginMode;
  leverage: number;
  maxSize: number;
  closedSize: number;
  liquidatedSize: number;
  openAvgPrice: number;
  closeAvgPrice: number;
  /** Realized PnL before fees (USDT). */
  grossPnlUsdt: number;
  /** Trading fees paid while the position was open, opening and closing (USDT, positive). */
  feesUsdt: number;
  createTimeMs: number;
  updateTimeMs: number;
}

interface Open {
  positionId: string;
  sign: 1 | -1;
  size: number;
  maxSize: number;
  openQty: number;
  openCost: number;
  closeQty: number;
  closeCost: number;
  liqQty: number;
  pnl: number;
  fees: number;
  createTimeMs: number;
  origin: FillOrigin;
}

const EPS = 1e-9;

/**
 * Rebuilds closed positions from the account's fills, in fill order. A position is one run from
 * flat to flat on an instrument (net mode); a fill that flips it closes one and opens the next,
 * its fee split by quantity. Positions still open are not listed. Pure.
 */
export function closedPositions(fills: readonly SimFill[], originOf: (orderId: string) => FillOrigin | undefined): ClosedPosition[] {
  const open = new Map<string, Open>();
  const closed: ClosedPosition[] = [];
  for (const f of fills) {
    const origin = originOf(f.orderId);
    if (!origin) continue;
    const sign: 1 | -1 = f.side === 'buy' ? 1 : -1;
    let rest = f.size;
    let p = open.get(f.instId);
    if (p && p.sign !== sign) {
      const closing = Math.min(rest, p.size);
      p.size -= closing;
      p.closeQty += closing;
      p.closeCost += closing * f.price;
      if (origin.liquidation) p.liqQty += closing;
      p.pnl += f.pnl;
      p.fees += (f.fee * closing) / f.size;
      rest -= closing;
      if (p.size <= EPS) {
        closed.push(toClosed(p, f));
        open.delete(f.instId);
        p = undefined;
      }
    }
    if (rest <= EPS) continue;
    if (!p) {
      p = { positionId: f.positionId, sign, size: 0, maxSize: 0, openQty: 0, openCost: 0, closeQty: 0, closeCost: 0, liqQty: 0, pnl: 0, fees: 0, createTimeMs: f.tsMs, origin };
      open.set(f.instId, p);
    }
    p.size += rest;
    p.maxSize = Math.max(p.maxSize, p.size);
    p.openQty += rest;
    p.openCost += rest * f.price;
    p.fees += (f.fee * rest) / f.size;
  }
  return closed;
}

function toClosed(p: Open, last: SimFill): ClosedPosition {
  return {
    historyId: last.tradeId,
    positionId: p.positionId,
    instId: last.instId,
    sign: p.sign,
    marginMode: p.origin.marginMode,
    leverage: p.origin.leverage,
    maxSize: p.maxSize,
    closedSize: p.closeQty,
    liquidatedSize: p.liqQty,
    openAvgPrice: p.openCost / p.openQty,
    closeAvgPrice: p.closeCost / p.closeQty,
    grossPnlUsdt: p.pnl,
    feesUsdt: p.fees,
    createTimeMs: p.createTimeMs,
    updateTimeMs: last.tsMs,
  };
}

/** The close type `state` filters on: liquidated, partially liquidated or closed. */
export function closeState(c: ClosedPosition): 'liquidated' | 'partially_liquidated' | 'closed' {
  if (c.liquidatedSize <= EPS) return 'closed';
  return c.liquidatedSize >= c.closedSize - EPS ? 'liquidated' : 'partially_liquidated';
}

/**
 * BloFin's positions-history record. `fee` is negative (a cost) and `realizedPnl` is net of it, as
 * the venue answers (ccxt's blofin quotes a live response: realizedPnl -0.0588 with fee -0.0587);
 * `realizedPnlRatio` is over the initial margin of the largest size. `contractValue` converts
 * contracts to base for that margin.
 */
export function positionHistoryRecord(c: ClosedPosition, contractValue: number): Record<string, string> {
  const realized = c.grossPnlUsdt - c.feesUsdt;
  const margin = (c.maxSize * contractValue * c.openAvgPrice) / c.leverage;
  return {
    historyId: c.historyId,
    positionId: c.positionId,
    instId: c.instId,
    instType: 'SWAP',
    side: c.sign > 0 ? 'buy' : 'sell',
    marginMode: c.marginMode,
    positionSide: 'net',
    closePositions: decimal(c.closedSize, 10),
    maxPositions: decimal(c.maxSize, 10),
    liquidationPositions: decimal(c.liquidatedSize, 10),
    openAveragePrice: decimal(c.openAvgPrice, 10),
    closeAveragePrice: decimal(c.closeAvgPrice, 10),
    createTime: String(c.createTimeMs),
    updateTime: String(c.updateTimeMs),
    leverage: String(c.leverage),
    realizedPnl: decimal(realized, 10),
    realizedPnlRatio: decimal(margin > 0 ? realized / margin : 0, 10),
    fee: decimal(-c.feesUsdt, 10),
  };
}
