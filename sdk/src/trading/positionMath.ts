import type { Fill, Ledger, MarginMode, StoredPosition } from '../store/index.js';

const EPS = 1e-12;

export interface FillApplication {
  /** The position after the fill; null when it closed. */
  position: StoredPosition | null;
  /** PnL realized by this fill, before fees. */
  realizedPnlUsd: number;
}

export interface PositionDefaults {
  ledger: Ledger;
  exchange: string;
  leverage: number;
  marginMode: MarginMode;
  tradeId: string | null;
}

/**
 * Applies one fill to a net position: adds at the weighted average entry, reduces at the fill
 * price (realizing PnL), or flips through zero. Pure; the caller applies each unique fill once.
 */
export function applyFillToPosition(current: StoredPosition | undefined, fill: Fill, defaults: PositionDefaults): FillApplication {
  const signedFill = fill.side === 'buy' ? fill.amountBase : -fill.amountBase;
  const signedPos = current ? (current.side === 'long' ? current.sizeBase : -current.sizeBase) : 0;
  const next = signedPos + signedFill;
  let realized = 0;
  let entry = current?.entryPrice ?? fill.price;
  if (signedPos === 0 || Math.sign(signedPos) === Math.sign(signedFill)) {
    entry = (Math.abs(signedPos) * entry + fill.amountBase * fill.price) / (Math.abs(signedPos) + fill.amountBase);
  } else {
    const closed = Math.min(Math.abs(signedFill), Math.abs(signedPos));
    realized = closed * (fill.price - entry) * Math.sign(signedPos);
    if (Math.abs(next) > EPS && Math.sign(next) !== Math.sign(signedPos)) entry = fill.price;
  }
  if (Math.abs(next) <= EPS * Math.max(1, fill.amountBase)) return { position: null, realizedPnlUsd: realized };
  const flipped = current !== undefined && Math.sign(next) !== Math.sign(signedPos);
  return {
    realizedPnlUsd: realized,
    position: {
      ledger: defaults.ledger,
      exchange: defaults.exchange,
      symbol: fill.symbol,
      side: next > 0 ? 'long' : 'short',
      sizeBase: Math.abs(next),
      entryPrice: entry,
      leverage: current?.leverage ?? defaults.leverage,
      marginMode: current?.marginMode ?? defaults.marginMode,
      realizedPnlUsd: (current?.realizedPnlUsd ?? 0) + realized,
      liquidationPrice: current?.liquidationPrice ?? null,
      tradeId: flipped || !current ? defaults.tradeId : current.tradeId,
      openedAtMs: flipped || !current ? fill.atMs : current.openedAtMs,
      updatedAtMs: fill.atMs,
      extra: current?.extra ?? {},
    },
  };
}

/** Unrealized PnL of a position at `markPrice`. */
export function unrealizedPnl(position: Pick<StoredPosition, 'side' | 'sizeBase' | 'entryPrice'>, markPrice: number): number {
  return (markPrice - position.entryPrice) * position.sizeBase * (position.side === 'long' ? 1 : -1);
}

/**
 * Isolated-margin liquidation price: the mark at which the position's own margin (notional at
 * entry / leverage) less the maintenance margin is lost. A 10x long at 100 with a 0.5 % rate:
 * 100 x (1 - 0.1 + 0.005) = 90.5.
 */
export function liquidationPrice(position: Pick<StoredPosition, 'side' | 'entryPrice' | 'leverage'>, maintenanceMarginRate: number): number {
  const lossFraction = 1 / position.leverage - maintenanceMarginRate;
  return position.side === 'long' ? position.entryPrice * (1 - lossFraction) : position.entryPrice * (1 + lossFraction);
}

/** A position as margin sees it: where it stands and the mark it is valued at. */
export interface MarginPosition extends Pick<StoredPosition, 'symbol' | 'side' | 'entryPrice' | 'sizeBase' | 'leverage' | 'marginMode'> {
  markPrice: number;
  maintenanceMarginRate: number;
}

/**
 * Cross-margin liquidation price: the mark at which the account's equity falls to the maintenance
 * margin, the rest held where it is. `freeEquityUsd` is what backs the position besides its own
 * PnL: the wallet balance, less isolated margin, plus the other cross positions' unrealized PnL
 * less their maintenance margin. Long: balance-backed loss (P - entry) x size meets mmr x P x size.
 * Null when no positive price liquidates it (a long the wallet backs in full).
 */
export function crossLiquidationPrice(position: Pick<StoredPosition, 'side' | 'entryPrice' | 'sizeBase'>, freeEquityUsd: number, maintenanceMarginRate: number): number | null {
  const q = position.sizeBase;
  if (!(q > 0)) return null;
  if (position.side === 'long') {
    const price = (position.entryPrice * q - freeEquityUsd) / (q * (1 - maintenanceMarginRate));
    return price > 0 ? price : null;
  }
  return (position.entryPrice * q + freeEquityUsd) / (q * (1 + maintenanceMarginRate));
}

/**
 * The liquidation price of every position of one wallet, by symbol: isolated ones on their own
 * margin (none at 1x), cross ones on the shared equity, each with the others at their marks.
 */
export function liquidationPrices(positions: readonly MarginPosition[], balanceUsd: number): Map<string, number | null> {
  const isolatedMarginUsd = positions.filter((p) => p.marginMode === 'isolated').reduce((s, p) => s + (p.entryPrice * p.sizeBase) / p.leverage, 0);
  const cross = positions.filter((p) => p.marginMode !== 'isolated');
  const netOf = (p: MarginPosition) => unrealizedPnl(p, p.markPrice) - p.maintenanceMarginRate * p.markPrice * p.sizeBase;
  const crossNetUsd = cross.reduce((s, p) => s + netOf(p), 0);
  const out = new Map<string, number | null>();
  for (const p of positions) {
    if (p.marginMode === 'isolated') out.set(p.symbol, p.leverage > 1 ? liquidationPrice(p, p.maintenanceMarginRate) : null);
    else out.set(p.symbol, crossLiquidationPrice(p, balanceUsd - isolatedMarginUsd + crossNetUsd - netOf(p), p.maintenanceMarginRate));
  }
  return out;
}
