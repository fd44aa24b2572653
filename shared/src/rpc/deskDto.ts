import { z } from 'zod';
import { OrderSideViewSchema, OrderViewSchema, RpcSymbolSchema, TradingModeViewSchema } from './dto.js';

/**
 * Shapes of the trader's desk commands: the ticket preview, moving a working stop or take-profit,
 * and the trade history.
 */

const finite = z.number().finite();
const positive = finite.positive();

/**
 * A ticket before it is sent. `symbol` takes any spelling the symbol resolver accepts (`BTCUSDT`,
 * `btc`, `BTC/USDT:USDT`); at most one of `amountBase` and `notionalUsd` sizes it (neither: the
 * preview prices the symbol only).
 */
export const OrderPreviewInputSchema = z
  .strictObject({
    symbol: z.string().trim().min(1).max(64),
    side: OrderSideViewSchema,
    type: z.enum(['market', 'limit']),
    amountBase: positive.optional(),
    notionalUsd: positive.optional(),
    price: positive.optional(),
    leverage: finite.min(1).max(125).optional(),
    /** A post-only limit pays the maker fee (the venue cancels it rather than let it take). */
    postOnly: z.boolean().optional(),
  })
  .superRefine((o, ctx) => {
    if (o.amountBase !== undefined && o.notionalUsd !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['amountBase'], message: 'at most one of amountBase or notionalUsd', input: o.amountBase });
    }
    if (o.type === 'limit' && o.price === undefined) {
      ctx.addIssue({ code: 'custom', path: ['price'], message: 'a positive price for a limit order', input: o.price });
    }
  });
export type OrderPreviewInput = z.infer<typeof OrderPreviewInputSchema>;

/** What a ticket would cost, priced at the broker's executable price with the market's fees. */
export const OrderPreviewViewSchema = z.object({
  /** The unified symbol the input resolved to. */
  symbol: RpcSymbolSchema,
  /** The price the order would fill at (market: the book's executable price; limit: its price). */
  priceUsd: positive,
  /** Null when the ticket names no size. */
  amountBase: finite.nullable(),
  notionalUsd: finite.nullable(),
  leverage: positive,
  /** Notional / leverage. */
  initialMarginUsd: finite.nullable(),
  /** Taker for a market or marketable limit order, maker for a resting limit. */
  liquidity: z.enum(['maker', 'taker']),
  /** The fee as a fraction of notional (0.0006 = 6 bps). */
  feeRate: finite,
  feeUsd: finite.nullable(),
  /** Isolated-margin liquidation price at the fill price and leverage (the paper broker's formula). */
  liquidationPrice: finite.nullable(),
  maintenanceMarginRate: finite,
  /** The account's free margin now: equity less the margin of positions and resting orders. */
  availableUsd: finite,
});
export type OrderPreviewView = z.infer<typeof OrderPreviewViewSchema>;

/** Moves a working stop-loss or take-profit: a new trigger is placed, then the old one cancelled. */
export const AmendTriggerInputSchema = z.strictObject({
  orderId: z.string().min(1).max(128),
  triggerPrice: positive,
  expectMode: TradingModeViewSchema.optional(),
});

export const AmendTriggerViewSchema = z.object({
  /** The working trigger at the new price. */
  order: OrderViewSchema,
  /** The trigger it replaced, now cancelled. */
  replaced: OrderViewSchema,
});

/**
 * Sets an open position's stop-loss (`sl`) or take-profit (`tp`) at `triggerPrice`: a working one
 * is moved (as `orders.amendTrigger`), a missing one placed reduce-only for the position's size.
 */
export const SetPositionTriggerInputSchema = z.strictObject({
  symbol: RpcSymbolSchema,
  kind: z.enum(['sl', 'tp']),
  triggerPrice: positive,
  expectMode: TradingModeViewSchema.optional(),
});

export const SetPositionTriggerViewSchema = z.object({
  /** The working trigger at the new price. */
  order: OrderViewSchema,
  /** The trigger it replaced, now cancelled; null when the position had none. */
  replaced: OrderViewSchema.nullable(),
});

/** Who sent the order behind a row: the trader's ticket, the auto-trader, or an emergency flatten. */
export const TradeSourceViewSchema = z.enum(['manual', 'auto', 'panic', 'external']);
export type TradeSourceView = z.infer<typeof TradeSourceViewSchema>;

/** One line of the trade history: a fill, or a funding payment on an open position. */
export const HistoryRowViewSchema = z.object({
  id: z.string(),
  kind: z.enum(['fill', 'funding']),
  atMs: z.number().int(),
  symbol: z.string(),
  /** Null for funding. */
  side: OrderSideViewSchema.nullable(),
  price: finite.nullable(),
  amountBase: finite.nullable(),
  notionalUsd: finite.nullable(),
  /** Fees paid (positive is a cost). */
  feeUsd: finite,
  /** Funding received (positive) or paid (negative); 0 for a fill. */
  fundingUsd: finite,
  /** PnL this fill realized before fees; null for an entry or an add. */
  realizedPnlUsd: finite.nullable(),
  liquidity: z.enum(['maker', 'taker']).nullable(),
  source: TradeSourceViewSchema,
  /** Why a fill closed (tp1, sl, manual, panic, liquidation...); null for an entry or funding. */
  exitReason: z.string().nullable(),
  orderId: z.string().nullable(),
});
export type HistoryRowView = z.infer<typeof HistoryRowViewSchema>;

export const HistoryListInputSchema = z.strictObject({
  /** Rows to skip from the newest. */
  offset: z.number().int().nonnegative().optional(),
  limit: z.number().int().min(1).max(1_000).optional(),
  symbol: RpcSymbolSchema.optional(),
});

export const HistoryPageViewSchema = z.object({
  /** Newest first. */
  rows: z.array(HistoryRowViewSchema),
  /** Rows in the whole history (every page). */
  total: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative(),
});
export type HistoryPageView = z.infer<typeof HistoryPageViewSchema>;
