import type { MarketSource, SimMarket } from './types.js';
import { amount, contracts, decimal, price } from './wire.js';

/** Shared state of a running sim: its data, its clock and market lifecycle. */
export class SimContext {
  private readonly byId = new Map<string, SimMarket>();
  private readonly delistedAt = new Map<string, number>();

  constructor(
    readonly source: MarketSource,
    readonly startTimeMs: number,
    readonly historyBars: number,
    readonly nowMs: () => number,
  ) {
    for (const m of source.markets()) {
      this.byId.set(m.id, m);
      if (m.delistAtMs !== undefined) this.delistedAt.set(m.id, m.delistAtMs);
    }
  }

  markets(): SimMarket[] {
    return [...this.byId.values()];
  }

  byInstId(instId: string): SimMarket | undefined {
    return this.byId.get(instId);
  }

  bySymbol(symbol: string): SimMarket | undefined {
    for (const m of this.byId.values()) if (m.symbol === symbol) return m;
    return undefined;
  }

  /** Suspends a market from now on. */
  delist(symbol: string): void {
    const m = this.bySymbol(symbol) ?? this.byInstId(symbol);
    if (!m) throw new Error(`delist: unknown symbol "${symbol}": expected a listed market such as BTC/USDT:USDT`);
    const now = this.nowMs();
    const prior = this.delistedAt.get(m.id);
    if (prior === undefined || prior > now) this.delistedAt.set(m.id, now);
  }

  isLive(m: SimMarket, atMs: number): boolean {
    const at = this.delistedAt.get(m.id);
    return at === undefined || atMs < at;
  }

  /** When a market stopped (or will stop) trading, if ever. */
  delistTime(m: SimMarket): number | undefined {
    return this.delistedAt.get(m.id);
  }

  /** Sim time clamped to the market's trading life. */
  tradingTime(m: SimMarket, atMs: number): number {
    const at = this.delistedAt.get(m.id);
    return at === undefined ? atMs : Math.min(atMs, at - 1);
  }

  /**
   * The market's newest `limit` public trades up to `now` (clamped to its trading life), oldest
   * first, looking back over widening spans so a quiet market still fills the page.
   */
  recentTrades(m: SimMarket, now: number, limit: number): ReturnType<SimContext['source']['trades']> {
    const at = this.tradingTime(m, now) + 1;
    let trades: ReturnType<SimContext['source']['trades']> = [];
    for (const spanMs of [60_000, 600_000, 3_600_000, 6 * 3_600_000]) {
      trades = this.source.trades(m.symbol, at - spanMs, at);
      if (trades.length >= limit) break;
    }
    return trades.slice(-limit);
  }

  /** Earliest bar open time served for a timeframe: `historyBars` before the start. */
  historyStartMs(m: SimMarket, tfMs: number): number {
    const first = this.source.firstDataMs(m.symbol);
    return Math.max(Math.ceil(first / tfMs) * tfMs, Math.floor(this.startTimeMs / tfMs) * tfMs - this.historyBars * tfMs);
  }

  /** The BloFin ticker record at `atMs`, or null when the market has no data yet. */
  ticker(m: SimMarket, atMs: number): Record<string, string> | null {
    const t = this.tradingTime(m, atMs);
    const stats = this.source.stats24h(m.symbol, t);
    if (!stats) return null;
    const book = this.source.orderBook(m.symbol, t, 1);
    const bid = book.bids[0];
    const ask = book.asks[0];
    const recent = this.source.trades(m.symbol, t - 60_000, t + 1);
    const lastTrade = recent[recent.length - 1];
    return {
      instId: m.id,
      last: price(stats.last, m),
      lastSize: lastTrade ? contracts(lastTrade.amount, m) : amount(m.lotSize, m),
      askPrice: ask ? price(ask[0], m) : '',
      askSize: ask ? contracts(ask[1], m) : '',
      bidPrice: bid ? price(bid[0], m) : '',
      bidSize: bid ? contracts(bid[1], m) : '',
      open24h: price(stats.open24h, m),
      high24h: price(stats.high24h, m),
      low24h: price(stats.low24h, m),
      volCurrency24h: decimal(stats.baseVolume24h),
      vol24h: contracts(stats.baseVolume24h, m),
      ts: String(atMs),
    };
  }
}
