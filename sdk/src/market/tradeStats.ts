import type { Trade } from '@perpscope/shared';

export interface TradeStats {
  symbol: string;
  windowMs: number;
  trades: number;
  tradesPerMin: number;
  notionalPerMinUsd: number;
  buyNotionalUsd: number;
  sellNotionalUsd: number;
  /** (buy - sell) / (buy + sell) notional, in [-1, 1]; 0 without trades. */
  imbalance: number;
}

/**
 * Rolling-window tape statistics for one symbol. Trades older than `windowMs` before the newest
 * query time drop out; duplicates (same id, e.g. a REST poll overlapping the websocket) are
 * counted once.
 *
 * @example
 * const tape = new TradeWindow('BTC/USDT:USDT', 60_000);
 * tape.add(trades);
 * tape.stats(clock.nowMs()).tradesPerMin;
 */
export class TradeWindow {
  private trades: Trade[] = [];
  private readonly seenIds = new Set<string>();

  constructor(
    readonly symbol: string,
    readonly windowMs: number,
  ) {
    if (!(windowMs > 0)) throw new RangeError(`TradeWindow: windowMs must be > 0, got ${String(windowMs)}`);
  }

  add(trades: readonly Trade[]): void {
    for (const t of trades) {
      if (t.id !== undefined) {
        if (this.seenIds.has(t.id)) continue;
        this.seenIds.add(t.id);
      }
      this.trades.push(t);
    }
    this.trades.sort((a, b) => a.timestampMs - b.timestampMs);
  }

  stats(nowMs: number): TradeStats {
    this.prune(nowMs);
    let buy = 0;
    let sell = 0;
    for (const t of this.trades) {
      if (t.timestampMs > nowMs) continue;
      if (t.side === 'buy') buy += t.price * t.amount;
      else sell += t.price * t.amount;
    }
    const count = this.trades.filter((t) => t.timestampMs <= nowMs).length;
    const minutes = this.windowMs / 60_000;
    return {
      symbol: this.symbol,
      windowMs: this.windowMs,
      trades: count,
      tradesPerMin: count / minutes,
      notionalPerMinUsd: (buy + sell) / minutes,
      buyNotionalUsd: buy,
      sellNotionalUsd: sell,
      imbalance: buy + sell > 0 ? (buy - sell) / (buy + sell) : 0,
    };
  }

  private prune(nowMs: number): void {
    const cutoffMs = nowMs - this.windowMs;
    let drop = 0;
    while (drop < this.trades.length && this.trades[drop]!.timestampMs <= cutoffMs) {
      const id = this.trades[drop]!.id;
      if (id !== undefined) this.seenIds.delete(id);
      drop++;
    }
    if (drop > 0) this.trades = this.trades.slice(drop);
  }
}
