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
 * Isolated-style liquidation price from the mark: the price at which the position's margin
 * (notional / leverage) minus the maintenance margin is lost.
 */
export function liquidationPrice(position: Pick<StoredPosition, 'side' | 'entryPrice' | 'leverage'>, maintenanceMarginRate: number): number {
  const lossFraction = 1 / position.leverage - maintenanceMarginRate;
  return position.side === 'long' ? position.entryPrice * (1 - lossFraction) : position.entryPrice * (1 + lossFraction);
}
