import { contractsToBase, InvalidInputError, liquidationPrice, TemporaryError, type Broker } from '@perpscope/sdk';
import { ErrorCode, resolveSymbol, type Market, type MethodParams, type OrderPreviewView } from '@perpscope/shared';

/** The paper broker's maintenance margin rate when a market names none (see PaperBroker). */
export const DEFAULT_MAINTENANCE_MARGIN_RATE = 0.005;

export interface OrderPreviewDeps {
  broker: Pick<Broker, 'quote' | 'fetchAccount'>;
  markets: () => readonly Market[];
  /** Feeds the broker the symbol's current book; returns its mid (else mark), null when unknown. */
  refreshBook: (symbol: string) => Promise<number | null>;
  /** Leverage of a ticket that names none (risk.sizing.leverage). */
  defaultLeverage: number;
}

/**
 * What a ticket would cost before it is sent: priced where the broker would fill it (its
 * executable price), with the market's maker or taker fee, the isolated liquidation price by the
 * sdk's position math, and the account's free margin. Sending nothing, it passes no gate: the
 * RiskPolicy still decides when the order is placed.
 */
export async function previewOrder(deps: OrderPreviewDeps, p: MethodParams<'orders.preview'>): Promise<OrderPreviewView> {
  const markets = deps.markets();
  // Before the exchange's markets are read (the first seconds after a start) no spelling resolves:
  // that is no bad symbol, and the caller asks again.
  if (markets.length === 0) {
    throw new TemporaryError(ErrorCode.ExchangeUnavailable, "The exchange's markets are still loading; ask for the preview again in a moment", { details: { symbol: p.symbol } });
  }
  const resolved = resolveSymbol(p.symbol, markets);
  if (!resolved.ok) {
    const hint = resolved.candidates.length ? `; did you mean ${resolved.candidates.slice(0, 3).join(', ')}?` : '';
    throw new InvalidInputError('order preview', [{ path: 'symbol', received: JSON.stringify(p.symbol), expected: `a listed perpetual such as BTCUSDT, btc or BTC/USDT:USDT (${resolved.reason}${hint})` }]);
  }
  const symbol = resolved.symbol;
  const market = markets.find((m) => m.symbol === symbol);
  const reference = await deps.refreshBook(symbol);
  const quote = await deps.broker.quote({ symbol, side: p.side, type: p.type, ...(p.price !== undefined ? { price: p.price } : {}), ...(p.amountBase !== undefined ? { amountBase: p.amountBase } : {}) });
  const priceUsd = p.type === 'limit' && p.price !== undefined && quote && !quote.marketable ? p.price : (quote?.price ?? p.price ?? reference);
  if (priceUsd === null || !(priceUsd > 0)) {
    // A listed market whose book has not been read yet: the next read may have it.
    throw new TemporaryError(ErrorCode.ExchangeUnavailable, `No price for ${symbol} yet (no order book or mark read); ask for the preview again in a moment`, { details: { symbol } });
  }
  const leverage = p.leverage ?? deps.defaultLeverage;
  // Sized as the broker sizes it: the notional at the executable price, down to whole lots.
  const lotBase = market ? contractsToBase(market, market.lotSize) : 0;
  const asked = p.amountBase ?? (p.notionalUsd !== undefined ? p.notionalUsd / priceUsd : null);
  const amountBase = asked !== null && lotBase > 0 ? Math.floor(asked / lotBase + 1e-9) * lotBase : asked;
  const notionalUsd = amountBase === null ? null : amountBase * priceUsd;
  // A post-only limit never takes: it rests (maker) or the venue cancels it.
  const liquidity = p.postOnly === true && p.type === 'limit' ? 'maker' : quote === null || quote.marketable ? 'taker' : 'maker';
  const feeRate = market ? (liquidity === 'taker' ? market.takerFee : market.makerFee) : 0;
  const maintenanceMarginRate = DEFAULT_MAINTENANCE_MARGIN_RATE;
  const account = await deps.broker.fetchAccount();
  return {
    symbol,
    priceUsd,
    amountBase,
    notionalUsd,
    leverage,
    initialMarginUsd: notionalUsd === null ? null : notionalUsd / leverage,
    liquidity,
    feeRate,
    feeUsd: notionalUsd === null ? null : notionalUsd * feeRate,
    liquidationPrice: liquidationPrice({ side: p.side === 'buy' ? 'long' : 'short', entryPrice: priceUsd, leverage }, maintenanceMarginRate),
    maintenanceMarginRate,
    availableUsd: account.availableUsd,
  };
}
