import { z } from 'zod';
import { InvalidInputError } from '../core/errors.js';
import { parseOrThrow } from '../core/zodIssues.js';
import { parseRankingQuery, type RankingQuery, type RankingQueryInput } from '../ranking/index.js';

/** The phrase `trade.live` accepts as `confirm`, besides `true`. */
export const LIVE_CONFIRM_PHRASE = 'I understand this places real orders';

const positiveUsd = z.number().finite().positive();
const positivePrice = z.number().finite().positive();

/**
 * A trader's own order as a script writes it. `symbol` takes any spelling `resolveSymbol`
 * understands (`BTCUSDT`, `BTC-USDT-SWAP`, `BINANCE:BTCUSDT.P`, `BTC/USDT:USDT`); `long`/`short`
 * are `buy`/`sell`; give exactly one of `notionalUsd` or `amountBase`; `tp`/`sl` are trigger prices
 * of the reduce-only take-profit and stop placed once the entry fills.
 */
export const SessionOrderInputSchema = z
  .object({
    symbol: z.string().trim().min(1),
    side: z.enum(['buy', 'sell', 'long', 'short']),
    type: z.enum(['market', 'limit']).default('market'),
    /** Size in USD at the executable price. */
    notionalUsd: positiveUsd.optional(),
    /** Size in base units. */
    amountBase: z.number().finite().positive().optional(),
    /** Limit price (limit orders only). */
    price: positivePrice.optional(),
    /** Take-profit trigger price. */
    tp: positivePrice.optional(),
    /** Stop-loss trigger price. */
    sl: positivePrice.optional(),
    leverage: z.number().finite().min(1).optional(),
    reduceOnly: z.boolean().optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    if ((o.notionalUsd === undefined) === (o.amountBase === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['notionalUsd'], message: 'exactly one of notionalUsd (USD) or amountBase (base units)' });
    }
    if (o.type === 'limit' && o.price === undefined) ctx.addIssue({ code: 'custom', path: ['price'], message: 'a limit price > 0 for a limit order' });
    if (o.type === 'market' && o.price !== undefined) ctx.addIssue({ code: 'custom', path: ['price'], message: 'no price on a market order (or type: "limit")' });
    if (o.reduceOnly && (o.tp !== undefined || o.sl !== undefined)) {
      ctx.addIssue({ code: 'custom', path: [o.sl !== undefined ? 'sl' : 'tp'], message: 'no tp/sl on a reduce-only order: it protects nothing new' });
    }
    const buying = o.side === 'buy' || o.side === 'long';
    if (o.tp !== undefined && o.sl !== undefined && (buying ? o.sl >= o.tp : o.sl <= o.tp)) {
      ctx.addIssue({ code: 'custom', path: ['sl'], message: `a stop ${buying ? 'below' : 'above'} the take-profit (${o.tp}) for a ${o.side} order` });
    }
  });
export type SessionOrderInput = z.input<typeof SessionOrderInputSchema>;
export type SessionOrderParsed = z.output<typeof SessionOrderInputSchema>;

export function parsePlaceOrder(input: unknown): SessionOrderParsed {
  return parseOrThrow(SessionOrderInputSchema, 'order', input);
}

/** What `scan` ranks: a rankings query, plus whether to read fresh order flow for its rows first. */
export type ScanOptions = RankingQueryInput & {
  /** Refresh book, trades and funding of the rows returned, then rank again (default true). */
  orderFlow?: boolean;
};

export function parseScanOptions(input: unknown): { query: RankingQuery; orderFlow: boolean } {
  const raw = (input ?? {}) as Record<string, unknown>;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidInputError('scan options', [{ path: '', received: JSON.stringify(input), expected: 'an object such as { top: 10, profile: "scalp" }' }]);
  }
  const { orderFlow, ...query } = raw;
  if (orderFlow !== undefined && typeof orderFlow !== 'boolean') {
    throw new InvalidInputError('scan options', [{ path: 'orderFlow', received: JSON.stringify(orderFlow), expected: 'a boolean' }]);
  }
  return { query: parseRankingQuery(query), orderFlow: orderFlow ?? true };
}

export const PaperOptionsSchema = z
  .object({
    /** Route the engine's selected signals to the AutoTrader (default false: only your orders). */
    autotrade: z.boolean().default(false),
    /** Starting balance of a paper account that has no history in the store yet. */
    initialBalanceUsd: positiveUsd.optional(),
  })
  .strict();
export type PaperOptions = z.input<typeof PaperOptionsSchema>;

export const LiveOptionsSchema = z
  .object({
    /** The keychain label of the API key (`perpscope keys set --label`); not needed on the sim. */
    label: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, '1-64 letters, digits, "_", "." or "-"').optional(),
    /** `true` or the phrase {@link LIVE_CONFIRM_PHRASE}: live orders use real funds. */
    confirm: z.union([z.literal(true), z.literal(LIVE_CONFIRM_PHRASE)], {
      error: `true or "${LIVE_CONFIRM_PHRASE}": live orders use real funds`,
    }),
    autotrade: z.boolean().default(false),
  })
  .strict();
export type LiveOptions = z.input<typeof LiveOptionsSchema>;

/** The confirmation is checked first, on its own, so a missing one is never hidden behind other issues. */
export function parseLiveOptions(input: unknown): z.output<typeof LiveOptionsSchema> {
  const raw = (input ?? {}) as { confirm?: unknown };
  if (raw.confirm !== true && raw.confirm !== LIVE_CONFIRM_PHRASE) {
    throw new InvalidInputError('live trading options', [
      { path: 'confirm', received: raw.confirm === undefined ? 'nothing' : JSON.stringify(raw.confirm), expected: `true or "${LIVE_CONFIRM_PHRASE}": live orders use real funds` },
    ]);
  }
  return parseOrThrow(LiveOptionsSchema, 'live trading options', input ?? {});
}

export function parsePaperOptions(input: unknown): z.output<typeof PaperOptionsSchema> {
  return parseOrThrow(PaperOptionsSchema, 'paper trading options', input ?? {});
}
