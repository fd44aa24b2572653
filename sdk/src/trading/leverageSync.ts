import type { Exchange } from 'ccxt';
import { ErrorCode } from '@perpscope/shared';
import { describeError, PerpscopeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { MarginMode } from '../store/index.js';

/** What an entry will really trade with on the venue. */
export interface VenueLeverage {
  leverage: number;
  marginMode: MarginMode;
}

/**
 * Sends the sized leverage and margin mode to the venue before an entry, so the risk policy's
 * sizing (margin = notional / leverage, the liquidation distance) holds on the account. Values
 * already set are remembered per symbol and not sent again.
 *
 * - Leverage is set only while the symbol has no position and none of our orders: changing it
 *   under an open position moves that position's liquidation price, so an add (pyramid) keeps
 *   the position's leverage; with orders open the venue refuses a change, so the symbol's
 *   current leverage is read back and an entry sized for another one is refused.
 * - The margin mode is account-wide on some venues and cannot change with positions or orders
 *   open; then the account's mode stays and the entry is recorded with it.
 * A leverage the venue refuses refuses the entry: it would trade at a leverage nobody sized.
 */
export class LeverageSync {
  private readonly leverage = new Map<string, number>();
  private accountMode: MarginMode | null = null;

  constructor(
    private readonly ex: Exchange,
    private readonly log: Logger,
  ) {}

  async ensure(symbol: string, wanted: VenueLeverage, busy: { positionOpen: boolean; symbolOrdersOpen: boolean; accountOrdersOpen: boolean }): Promise<VenueLeverage> {
    const marginMode = await this.ensureMarginMode(symbol, wanted.marginMode, busy.positionOpen || busy.accountOrdersOpen);
    if (this.leverage.get(symbol) === wanted.leverage || !this.ex.has.setLeverage) return { leverage: wanted.leverage, marginMode };
    if (busy.positionOpen || busy.symbolOrdersOpen) {
      // The venue refuses a change under open orders, and a change under a position moves its
      // liquidation price: read what the symbol carries instead.
      const current = this.leverage.get(symbol) ?? (await this.readBack(symbol, marginMode));
      if (current !== null) this.leverage.set(symbol, current);
      if (busy.positionOpen) return { leverage: current ?? wanted.leverage, marginMode };
      if (current === wanted.leverage) return { leverage: current, marginMode };
      throw new PerpscopeError(ErrorCode.RiskRejected, `Order on ${symbol} refused: the symbol carries leverage ${current ?? 'unknown'}x with orders open, the entry was sized for ${wanted.leverage}x`, {
        details: { reason: 'leverage_mismatch', symbol, leverage: wanted.leverage, venueLeverage: current, marginMode },
      });
    }
    try {
      await this.ex.setLeverage(wanted.leverage, symbol, { marginMode });
    } catch (err) {
      this.leverage.delete(symbol);
      throw new PerpscopeError(ErrorCode.RiskRejected, `Order on ${symbol} refused: the exchange did not take leverage ${wanted.leverage}x (${describeError(err)})`, {
        details: { reason: 'leverage_not_set', symbol, leverage: wanted.leverage, marginMode },
        cause: err,
      });
    }
    this.leverage.set(symbol, wanted.leverage);
    return { leverage: wanted.leverage, marginMode };
  }

  /** The leverage the venue reports for the symbol (long side, one-way mode); null when unknown. */
  private async readBack(symbol: string, marginMode: MarginMode): Promise<number | null> {
    if (!this.ex.has.fetchLeverage) return null;
    try {
      const lev = await this.ex.fetchLeverage(symbol, { marginMode });
      const value = lev.longLeverage ?? lev.shortLeverage;
      return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
    } catch (err) {
      this.log.warn({ symbol, err: describeError(err) }, 'leverage lookup failed');
      return null;
    }
  }

  private async ensureMarginMode(symbol: string, wanted: MarginMode, busy: boolean): Promise<MarginMode> {
    if (this.accountMode === wanted || !this.ex.has.setMarginMode) return this.accountMode ?? wanted;
    if (this.accountMode === null && this.ex.has.fetchMarginMode) {
      try {
        const current = (await this.ex.fetchMarginMode(symbol)) as { marginMode?: string };
        if (current.marginMode === 'cross' || current.marginMode === 'isolated') this.accountMode = current.marginMode;
      } catch (err) {
        this.log.warn({ err: describeError(err) }, 'margin mode lookup failed');
      }
      if (this.accountMode === wanted) return wanted;
    }
    if (busy && this.accountMode !== null) {
      this.log.warn({ wanted, account: this.accountMode }, 'margin mode kept: positions or orders are open');
      return this.accountMode;
    }
    try {
      await this.ex.setMarginMode(wanted, symbol);
      this.accountMode = wanted;
      // Leverage settings are per margin mode on some venues: send them again.
      this.leverage.clear();
      return wanted;
    } catch (err) {
      this.log.warn({ wanted, err: describeError(err) }, 'margin mode not changed');
      return this.accountMode ?? wanted;
    }
  }
}
