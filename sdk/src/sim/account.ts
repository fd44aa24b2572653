import { contractsToBase } from '../market/contractUnits.js';
import type { SimContext } from './context.js';
import { snap } from './pathMath.js';
import type { SimMarket } from './types.js';
import { decimal } from './wire.js';

export type MarginMode = 'cross' | 'isolated';
export type Side = 'buy' | 'sell';

/** One execution against the sim's book or tape. */
export interface SimFill {
  tradeId: string;
  orderId: string;
  instId: string;
  side: Side;
  price: number;
  /** In contracts, as BloFin's `fillSize`. */
  size: number;
  fee: number;
  pnl: number;
  tsMs: number;
  maker: boolean;
  /** The position this fill opened, grew or reduced (positions history groups fills by it). */
  positionId: string;
}

/** A net (one-way) position; size is signed contracts, positive long. */
export interface SimPosition {
  positionId: string;
  instId: string;
  size: number;
  avgPrice: number;
  marginMode: MarginMode;
  leverage: number;
  realizedPnl: number;
  createTimeMs: number;
  updateTimeMs: number;
}

const FUNDING_INTERVAL_MS = 8 * 3_600_000;
const MAINTENANCE_RATE = 0.004;

/**
 * The test account: USDT balance, one-way positions netted per instrument, leverage per
 * instrument and margin mode (BloFin keeps one per mode) and an account-wide margin mode. Fills settle fees and realized PnL into the balance;
 * funding is exchanged at every 8h boundary the sim clock crosses.
 */
export class SimAccount {
  balanceUsdt: number;
  marginMode: MarginMode = 'cross';
  readonly positions = new Map<string, SimPosition>();
  readonly fills: SimFill[] = [];
  private readonly leverage = new Map<string, number>();
  private nextId = 1;
  private lastFundingMs: number;

  constructor(
    private readonly ctx: SimContext,
    initialBalanceUsdt: number,
  ) {
    if (!(initialBalanceUsdt >= 0)) throw new Error(`initialBalanceUsdt: got ${initialBalanceUsdt}, expected a number >= 0`);
    this.balanceUsdt = initialBalanceUsdt;
    this.lastFundingMs = Math.floor(ctx.nowMs() / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS;
  }

  newId(): string {
    return String(1_000_000_000 + this.nextId++);
  }

  /** The leverage an order on `instId` in `marginMode` trades with (3 until set). */
  leverageOf(instId: string, marginMode: MarginMode): number {
    return this.leverage.get(`${instId}|${marginMode}`) ?? 3;
  }

  /** Sets one mode's leverage; an open position in that mode follows it. */
  setLeverage(instId: string, marginMode: MarginMode, leverage: number): void {
    this.leverage.set(`${instId}|${marginMode}`, leverage);
    const p = this.positions.get(instId);
    if (p && p.marginMode === marginMode) p.leverage = leverage;
  }

  markPrice(m: SimMarket): number {
    return this.ctx.source.markPrice(m.symbol, this.ctx.tradingTime(m, this.ctx.nowMs())).markPrice;
  }

  unrealizedPnl(p: SimPosition, m: SimMarket): number {
    return (this.markPrice(m) - p.avgPrice) * contractsToBase(m, p.size);
  }

  /** Initial margin held by open positions, in USDT. */
  positionMargin(): number {
    let total = 0;
    for (const p of this.positions.values()) {
      const m = this.ctx.byInstId(p.instId);
      if (m) total += (contractsToBase(m, Math.abs(p.size)) * this.markPrice(m)) / p.leverage;
    }
    return total;
  }

  /** Maintenance margin of all positions at mark, in USDT. */
  maintenanceMargin(): number {
    let total = 0;
    for (const p of this.positions.values()) {
      const m = this.ctx.byInstId(p.instId);
      if (m) total += contractsToBase(m, Math.abs(p.size)) * this.markPrice(m) * MAINTENANCE_RATE;
    }
    return total;
  }

  equity(): number {
    let upl = 0;
    for (const p of this.positions.values()) {
      const m = this.ctx.byInstId(p.instId);
      if (m) upl += this.unrealizedPnl(p, m);
    }
    return this.balanceUsdt + upl;
  }

  /**
   * Applies a fill of `size` contracts to the position and balance: fee and PnL are on the base
   * amount (contracts x contract value). Returns the fill with its realized PnL (before fees).
   */
  applyFill(m: SimMarket, orderId: string, side: Side, size: number, price: number, maker: boolean, tsMs: number): SimFill {
    const fee = contractsToBase(m, size) * price * (maker ? m.makerFee : m.takerFee);
    const signed = side === 'buy' ? size : -size;
    let p = this.positions.get(m.id);
    let pnl = 0;
    if (!p) {
      p = {
        positionId: this.newId(),
        instId: m.id,
        size: 0,
        avgPrice: price,
        marginMode: this.marginMode,
        leverage: this.leverageOf(m.id, this.marginMode),
        realizedPnl: 0,
        createTimeMs: tsMs,
        updateTimeMs: tsMs,
      };
      this.positions.set(m.id, p);
    }
    if (p.size === 0 || Math.sign(p.size) === Math.sign(signed)) {
      const total = Math.abs(p.size) + size;
      p.avgPrice = (Math.abs(p.size) * p.avgPrice + size * price) / total;
      p.size = snap(p.size + signed, m.lotSize);
    } else {
      const closing = Math.min(size, Math.abs(p.size));
      pnl = contractsToBase(m, closing) * (price - p.avgPrice) * Math.sign(p.size);
      const rest = snap(size - closing, m.lotSize);
      p.size = snap(p.size + signed, m.lotSize);
      if (rest > 0) {
        p.avgPrice = price;
        p.createTimeMs = tsMs;
      }
    }
    p.realizedPnl += pnl - fee;
    p.updateTimeMs = tsMs;
    this.balanceUsdt += pnl - fee;
    const fill: SimFill = { tradeId: this.newId(), orderId, instId: m.id, side, price, size, fee, pnl, tsMs, maker, positionId: p.positionId };
    this.fills.push(fill);
    if (p.size === 0) this.positions.delete(m.id);
    return fill;
  }

  /** Settles funding for every 8h boundary passed; returns the instruments whose balance moved. */
  settleFunding(nowMs: number): string[] {
    const touched: string[] = [];
    while (this.lastFundingMs + FUNDING_INTERVAL_MS <= nowMs) {
      this.lastFundingMs += FUNDING_INTERVAL_MS;
      for (const p of this.positions.values()) {
        const m = this.ctx.byInstId(p.instId);
        if (!m) continue;
        const rate = this.ctx.source.fundingRate(m.symbol, this.lastFundingMs - 1).rate;
        const mark = this.ctx.source.markPrice(m.symbol, this.lastFundingMs).markPrice;
        const payment = contractsToBase(m, p.size) * mark * rate;
        this.balanceUsdt -= payment;
        p.realizedPnl -= payment;
        touched.push(p.instId);
      }
    }
    return touched;
  }

  /** The BloFin position record. */
  positionRecord(p: SimPosition): Record<string, string> {
    const m = this.ctx.byInstId(p.instId)!;
    const mark = this.markPrice(m);
    const notional = contractsToBase(m, Math.abs(p.size)) * mark;
    const upl = this.unrealizedPnl(p, m);
    const initialMargin = notional / p.leverage;
    const maintenance = notional * MAINTENANCE_RATE;
    const liq = p.size > 0 ? p.avgPrice * (1 - 1 / p.leverage + MAINTENANCE_RATE) : p.avgPrice * (1 + 1 / p.leverage - MAINTENANCE_RATE);
    return {
      instType: 'SWAP',
      instId: p.instId,
      marginMode: p.marginMode,
      positionId: p.positionId,
      positionSide: 'net',
      positions: decimal(p.size, 10),
      availablePositions: decimal(p.size, 10),
      averagePrice: decimal(p.avgPrice, 10),
      unrealizedPnl: decimal(upl, 10),
      unrealizedPnlRatio: decimal(initialMargin > 0 ? upl / initialMargin : 0, 10),
      leverage: String(p.leverage),
      liquidationPrice: decimal(Math.max(0, liq), 10),
      markPrice: decimal(mark, 10),
      initialMargin: decimal(initialMargin, 10),
      margin: p.marginMode === 'isolated' ? decimal(initialMargin, 10) : '',
      marginRatio: decimal(maintenance > 0 ? this.equity() / maintenance : 0, 10),
      maintenanceMargin: decimal(maintenance, 10),
      notionalUsd: decimal(notional, 10),
      realizedPnl: decimal(p.realizedPnl, 10),
      adl: '1',
      createTime: String(p.createTimeMs),
      updateTime: String(p.updateTimeMs),
    };
  }

  /** The BloFin `account/balance` data. */
  balanceRecord(orderFrozen: number, nowMs: number): Record<string, unknown> {
    const equity = this.equity();
    const used = this.positionMargin();
    const available = Math.max(0, equity - used - orderFrozen);
    let upl = 0;
    for (const p of this.positions.values()) {
      const m = this.ctx.byInstId(p.instId);
      if (m) upl += this.unrealizedPnl(p, m);
    }
    return {
      ts: String(nowMs),
      totalEquity: decimal(equity, 10),
      isolatedEquity: '0',
      details: [
        {
          currency: 'USDT',
          equity: decimal(equity, 10),
          balance: decimal(this.balanceUsdt, 10),
          ts: String(nowMs),
          isolatedEquity: '0',
          available: decimal(available, 10),
          availableEquity: decimal(available, 10),
          frozen: decimal(used + orderFrozen, 10),
          orderFrozen: decimal(orderFrozen, 10),
          equityUsd: decimal(equity, 10),
          isolatedUnrealizedPnl: '0',
          unrealizedPnl: decimal(upl, 10),
          bonus: '0',
        },
      ],
    };
  }
}
