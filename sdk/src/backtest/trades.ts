import type { Fill } from '../store/index.js';
import { isLiquidationFill, type ExitReason } from '../trading/exitReason.js';

/** A fill with what the ledger knows of its order. */
export interface TradeFill extends Fill {
  tradeId: string | null;
  /** Why the fill's order closed (see `exitReasonOf`); null for an entry or an add. */
  exitReason: ExitReason | null;
}

/** A funding payment charged to (negative) or received by (positive) a position. */
export interface FundingPayment {
  symbol: string;
  atMs: number;
  paymentUsd: number;
}

/** What the signal behind a trade said, by trade id. */
export interface TradeOrigin {
  strategy: string;
  /** Market regime the signal engine saw (`trend`, `range`, ...), `none` when it had no view. */
  regime: string;
  /** Stop price of the first protective stop (1 R = the distance from entry to it). */
  initialStopPrice: number | null;
}


/** One round trip: from flat to flat on one symbol. */
export interface TradeRecord {
  tradeId: string;
  symbol: string;
  side: 'long' | 'short';
  strategy: string;
  regime: string;
  openedAtMs: number;
  closedAtMs: number;
  holdMs: number;
  entryPrice: number;
  exitPrice: number;
  /** Largest size held. */
  sizeBase: number;
  /** Entry notional (entry price x largest size). */
  notionalUsd: number;
  grossPnlUsd: number;
  feesUsd: number;
  fundingUsd: number;
  netPnlUsd: number;
  /** Net PnL over entry notional, in percent. */
  returnPct: number;
  /** Net PnL in units of the initial risk; null without a stop. */
  rMultiple: number | null;
  exitReason: ExitReason;
}

interface OpenTrade {
  tradeId: string;
  side: 'long' | 'short';
  openedAtMs: number;
  size: number;
  maxSize: number;
  entryQty: number;
  entryCost: number;
  exitQty: number;
  exitValue: number;
  gross: number;
  fees: number;
  lastExit: ExitReason | null;
  liquidated: boolean;
}

const EPS = 1e-12;

/**
 * Rebuilds round trips from the ledger's fills, oldest first: a trade opens when a symbol leaves
 * flat and closes when it returns to flat (a fill that flips the side closes one and opens the
 * next). Fees are every fill's fee; funding is every payment on the symbol while it was open.
 * Positions still open at the end are left out (the backtest closes them first).
 */
export function buildTrades(fills: readonly TradeFill[], funding: readonly FundingPayment[], origins: ReadonlyMap<string, TradeOrigin>, endOfDataMs = Infinity): TradeRecord[] {
  const sorted = [...fills].sort((a, b) => a.atMs - b.atMs || (a.fillId < b.fillId ? -1 : a.fillId > b.fillId ? 1 : 0));
  const open = new Map<string, OpenTrade>();
  const out: TradeRecord[] = [];
  for (const f of sorted) {
    let qty = f.amountBase;
    const dir = f.side === 'buy' ? 1 : -1;
    const feePerUnit = f.amountBase > 0 ? f.feeCost / f.amountBase : 0;
    while (qty > EPS) {
      let t = open.get(f.symbol);
      if (!t) {
        t = { tradeId: f.tradeId ?? `${f.symbol}|${f.atMs}`, side: dir > 0 ? 'long' : 'short', openedAtMs: f.atMs, size: 0, maxSize: 0, entryQty: 0, entryCost: 0, exitQty: 0, exitValue: 0, gross: 0, fees: 0, lastExit: null, liquidated: false };
        open.set(f.symbol, t);
      }
      const adds = (t.side === 'long') === (dir > 0);
      if (adds) {
        t.size += qty;
        t.maxSize = Math.max(t.maxSize, t.size);
        t.entryQty += qty;
        t.entryCost += qty * f.price;
        t.fees += qty * feePerUnit;
        qty = 0;
        continue;
      }
      const take = Math.min(qty, t.size);
      const avgEntry = t.entryCost / t.entryQty;
      t.gross += (t.side === 'long' ? f.price - avgEntry : avgEntry - f.price) * take;
      t.exitQty += take;
      t.exitValue += take * f.price;
      t.fees += take * feePerUnit;
      t.size -= take;
      t.lastExit = f.exitReason;
      if (isLiquidationFill(f)) t.liquidated = true;
      qty -= take;
      if (t.size <= EPS) {
        out.push(close(t, f.symbol, f.atMs, funding, origins, endOfDataMs));
        open.delete(f.symbol);
      }
    }
  }
  return out;
}

function close(t: OpenTrade, symbol: string, atMs: number, funding: readonly FundingPayment[], origins: ReadonlyMap<string, TradeOrigin>, endOfDataMs: number): TradeRecord {
  const entryPrice = t.entryCost / t.entryQty;
  const exitPrice = t.exitValue / t.exitQty;
  const fundingUsd = funding.filter((p) => p.symbol === symbol && p.atMs >= t.openedAtMs && p.atMs <= atMs).reduce((s, p) => s + p.paymentUsd, 0);
  const netPnlUsd = t.gross - t.fees + fundingUsd;
  const notionalUsd = entryPrice * t.maxSize;
  const origin = origins.get(t.tradeId);
  const riskUsd = origin?.initialStopPrice != null ? Math.abs(entryPrice - origin.initialStopPrice) * t.maxSize : 0;
  return {
    tradeId: t.tradeId,
    symbol,
    side: t.side,
    strategy: origin?.strategy ?? 'unknown',
    regime: origin?.regime ?? 'none',
    openedAtMs: t.openedAtMs,
    closedAtMs: atMs,
    holdMs: atMs - t.openedAtMs,
    entryPrice,
    exitPrice,
    sizeBase: t.maxSize,
    notionalUsd,
    grossPnlUsd: t.gross,
    feesUsd: t.fees,
    fundingUsd,
    netPnlUsd,
    returnPct: notionalUsd > 0 ? (netPnlUsd / notionalUsd) * 100 : 0,
    rMultiple: riskUsd > 0 ? netPnlUsd / riskUsd : null,
    exitReason: exitReason(t, atMs, endOfDataMs),
  };
}

function exitReason(t: OpenTrade, atMs: number, endOfDataMs: number): ExitReason {
  if (t.liquidated) return 'liquidation';
  if (atMs >= endOfDataMs) return 'end_of_data';
  return t.lastExit ?? 'other';
}
