import { z } from 'zod';
import { TimeframeSchema } from '../domain/marketData.js';
import {
  AlertTestReportViewSchema,
  CandlesReplyViewSchema,
  FillViewSchema,
  HealthViewSchema,
  IndicatorNameViewSchema,
  KeyRefViewSchema,
  KeyTestReportViewSchema,
  KillSwitchStateViewSchema,
  OrderViewSchema,
  OrderSideViewSchema,
  PanicReportViewSchema,
  ProfilesViewSchema,
  RankingSnapshotViewSchema,
  SettingsViewSchema,
  SignalViewSchema,
  SymbolDetailViewSchema,
  RpcSymbolSchema,
  TradingModeViewSchema,
  TradingStatusViewSchema,
  WatchlistViewSchema,
} from './dto.js';
import {
  BacktestDatasetsViewSchema,
  BacktestProgressViewSchema,
  BacktestReportFileViewSchema,
  BacktestReportKindSchema,
  BacktestRunIdSchema,
  BacktestRunSummaryViewSchema,
  BacktestRunViewSchema,
  BacktestStartInputSchema,
} from './backtestDto.js';
import { AmendTriggerInputSchema, AmendTriggerViewSchema, HistoryListInputSchema, HistoryPageViewSchema, OrderPreviewInputSchema, OrderPreviewViewSchema, SetPositionTriggerInputSchema, SetPositionTriggerViewSchema } from './deskDto.js';
import { ChartFlagsInputSchema, ChartFlagsViewSchema, ChartStudiesInputSchema, ChartStudiesViewSchema } from './chartDto.js';
import { DrawingsDeleteInputSchema, DrawingsDeleteViewSchema, DrawingsListInputSchema, DrawingsListViewSchema, DrawingsSaveInputSchema, DrawingsSaveViewSchema } from './drawingDto.js';

const positive = z.number().finite().positive();
const empty = z.strictObject({});
/** Exchange ids are ccxt ids: lowercase letters and digits. */
const exchangeId = z.string().regex(/^[a-z0-9]{2,32}$/, 'a ccxt exchange id such as blofin');
/** Labels end up in keychain account names (`<exchange>:<label>`), so no colon. */
const keyLabel = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, '1-64 letters, digits, "_", "." or "-"');
const secretText = z.string().min(1).max(512);
const watchlistName = z.string().trim().min(1).max(64);
/**
 * The session mode the caller checked: the host refuses with PERMISSION_DENIED, sending nothing,
 * when the session the order would go to is not in it (armed or disarmed since the caller looked).
 */
const expectMode = TradingModeViewSchema.optional();

/**
 * Manual order ticket. Exactly one of `amountBase` and `notionalUsd` sizes it; `price` is required
 * for limit orders and refused for market orders.
 */
export const PlaceOrderInputSchema = z
  .strictObject({
    symbol: RpcSymbolSchema,
    side: OrderSideViewSchema,
    type: z.enum(['market', 'limit']),
    amountBase: positive.optional(),
    notionalUsd: positive.optional(),
    price: positive.optional(),
    takeProfitPrice: positive.optional(),
    stopLossPrice: positive.optional(),
    leverage: z.number().finite().min(1).max(125).optional(),
    reduceOnly: z.boolean().optional(),
    /** Limit only: rest on the book as maker; the venue cancels it rather than let it take. */
    postOnly: z.boolean().optional(),
    /** Limit only (default GTC); IOC and FOK never rest, so never with postOnly. */
    timeInForce: z.enum(['GTC', 'IOC', 'FOK']).optional(),
    expectMode,
  })
  .superRefine((o, ctx) => {
    if (o.postOnly === true && o.type !== 'limit') {
      ctx.addIssue({ code: 'custom', path: ['postOnly'], message: `post-only on a limit order only (this is a ${o.type} order)`, input: o.postOnly });
    }
    if (o.timeInForce !== undefined && o.timeInForce !== 'GTC' && o.type !== 'limit') {
      ctx.addIssue({ code: 'custom', path: ['timeInForce'], message: `IOC or FOK on a limit order only (this is a ${o.type} order)`, input: o.timeInForce });
    }
    if (o.postOnly === true && (o.timeInForce === 'IOC' || o.timeInForce === 'FOK')) {
      ctx.addIssue({ code: 'custom', path: ['timeInForce'], message: 'GTC (or none) with postOnly: a post-only order rests on the book, IOC/FOK never rest', input: o.timeInForce });
    }
    if ((o.amountBase === undefined) === (o.notionalUsd === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['amountBase'], message: 'exactly one of amountBase or notionalUsd', input: o.amountBase });
    }
    if (o.type === 'limit' && o.price === undefined) {
      ctx.addIssue({ code: 'custom', path: ['price'], message: 'a positive price for a limit order', input: o.price });
    }
    if (o.type === 'market' && o.price !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['price'], message: 'no price for a market order', input: o.price });
    }
    const ref = o.price;
    if (ref !== undefined && o.takeProfitPrice !== undefined) {
      const wrong = o.side === 'buy' ? o.takeProfitPrice <= ref : o.takeProfitPrice >= ref;
      if (wrong) ctx.addIssue({ code: 'custom', path: ['takeProfitPrice'], message: `a take-profit ${o.side === 'buy' ? 'above' : 'below'} the limit price ${ref}`, input: o.takeProfitPrice });
    }
    if (ref !== undefined && o.stopLossPrice !== undefined) {
      const wrong = o.side === 'buy' ? o.stopLossPrice >= ref : o.stopLossPrice <= ref;
      if (wrong) ctx.addIssue({ code: 'custom', path: ['stopLossPrice'], message: `a stop-loss ${o.side === 'buy' ? 'below' : 'above'} the limit price ${ref}`, input: o.stopLossPrice });
    }
  });
export type PlaceOrderInput = z.infer<typeof PlaceOrderInputSchema>;

/**
 * Closes a position reduce-only: `fraction` of it (default 1, the whole position), at market
 * (default) or resting at a limit `price` (required for a limit close, refused for a market one).
 * The host rounds a partial down to the market's lot and refuses one below the market minimum.
 */
export const ClosePositionInputSchema = z
  .strictObject({
    symbol: RpcSymbolSchema,
    fraction: z.number().finite().gt(0, 'a fraction of the position > 0 and <= 1 (0.5 closes half)').max(1, 'a fraction of the position > 0 and <= 1 (0.5 closes half)').optional(),
    type: z.enum(['market', 'limit']).optional(),
    price: positive.optional(),
    expectMode,
  })
  .superRefine((o, ctx) => {
    if (o.type === 'limit' && o.price === undefined) {
      ctx.addIssue({ code: 'custom', path: ['price'], message: 'a positive price for a limit close', input: o.price });
    }
    if (o.type !== 'limit' && o.price !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['price'], message: 'no price for a market close (set type "limit" to rest one)', input: o.price });
    }
  });
export type ClosePositionInput = z.infer<typeof ClosePositionInputSchema>;

/** Declares one command: the schema of its params and the schema of its reply value. */
function method<I extends z.ZodType, O extends z.ZodType>(input: I, output: O) {
  return { input, output } as const;
}

/**
 * The command table. Keys are the wire method names; the host validates `params` against `input`
 * and replies with `Result<z.infer<output>>`.
 */
export const RPC_METHODS = {
  'rankings.query': method(
    z.strictObject({
      profile: z.string().min(1).optional(),
      /** Case-insensitive substring of the symbol. */
      search: z.string().max(64).optional(),
      watchlist: watchlistName.optional(),
      minQuoteVolumeUsd: z.number().finite().nonnegative().optional(),
      maxManipScore: z.number().finite().min(0).max(100).optional(),
      sortBy: z.enum(['rank', 'score', 'symbol', 'change24hPct', 'quoteVolume24hUsd', 'spreadBps', 'atrPct', 'fundingRate', 'manipScore']).optional(),
      sortDir: z.enum(['asc', 'desc']).optional(),
      offset: z.number().int().nonnegative().optional(),
      limit: z.number().int().min(1).max(5000).optional(),
    }),
    RankingSnapshotViewSchema,
  ),
  'symbol.inspect': method(z.strictObject({ symbol: RpcSymbolSchema, timeframe: TimeframeSchema.optional() }), SymbolDetailViewSchema),
  'candles.get': method(
    z.strictObject({
      symbol: RpcSymbolSchema,
      timeframe: TimeframeSchema,
      /** Most recent candles up to `toMs` (inclusive), at most `limit` of them. */
      limit: z.number().int().min(1).max(100_000).optional(),
      toMs: z.number().int().nonnegative().optional(),
      indicators: z.array(IndicatorNameViewSchema).max(8).optional(),
    }),
    CandlesReplyViewSchema,
  ),
  'signals.list': method(
    z.strictObject({
      symbol: RpcSymbolSchema.optional(),
      sinceMs: z.number().int().nonnegative().optional(),
      limit: z.number().int().min(1).max(1000).optional(),
    }),
    z.object({ signals: z.array(SignalViewSchema) }),
  ),
  'trading.status': method(empty, TradingStatusViewSchema),
  'trading.setAutotrade': method(z.strictObject({ enabled: z.boolean() }), z.object({ autotrade: z.boolean() })),
  /**
   * Arms LIVE trading with a stored key, which the host tests first. `confirm` must be the phrase
   * `liveConfirmPhrase(exchange, label)` gives: the trader typed the exchange and account.
   */
  'trading.armLive': method(z.strictObject({ exchange: exchangeId, label: keyLabel, confirm: z.string().max(200) }), TradingStatusViewSchema),
  /** Back to paper at once; open live positions stay on the exchange with their stops. */
  'trading.disarmLive': method(empty, TradingStatusViewSchema),
  /** Lifts the live broker's `error_burst` halt of new entries (recorded as an event); refused when entries are not so halted. */
  'trading.resumeEntries': method(empty, TradingStatusViewSchema),
  'orders.place': method(PlaceOrderInputSchema, z.object({ order: OrderViewSchema })),
  'orders.cancel': method(z.strictObject({ orderId: z.string().min(1).max(128) }), z.object({ order: OrderViewSchema })),
  /** Recent orders (every state) and fills from the store, newest first: history survives reloads and restarts. */
  'orders.history': method(
    z.strictObject({ limit: z.number().int().min(1).max(1_000).optional() }),
    z.object({ orders: z.array(OrderViewSchema), fills: z.array(FillViewSchema) }),
  ),
  /** Prices a ticket without sending it: notional, margin, fee, liquidation price, free margin. */
  'orders.preview': method(OrderPreviewInputSchema, OrderPreviewViewSchema),
  /** Moves a working stop-loss or take-profit (place the new trigger, then cancel the old) through RiskPolicy. */
  'orders.amendTrigger': method(AmendTriggerInputSchema, AmendTriggerViewSchema),
  /** Fills and funding payments from the store with fee, realized PnL, source and exit reason, newest first, paged. */
  'history.list': method(HistoryListInputSchema, HistoryPageViewSchema),
  /** Closes all or `fraction` of a position reduce-only, at market or as a resting limit; through RiskPolicy. */
  'positions.close': method(ClosePositionInputSchema, z.object({ order: OrderViewSchema })),
  'positions.setTrigger': method(SetPositionTriggerInputSchema, SetPositionTriggerViewSchema),
  'emergency.killSwitch': method(z.strictObject({ active: z.boolean(), reason: z.string().max(200).optional() }), KillSwitchStateViewSchema),
  'emergency.panic': method(
    z.strictObject({
      /** Guard against a stray call: panic flattens the book. */
      confirm: z.literal(true),
      /** Only these symbols; all when absent. */
      symbols: z.array(RpcSymbolSchema).min(1).optional(),
    }),
    PanicReportViewSchema,
  ),
  'settings.get': method(empty, SettingsViewSchema),
  'settings.set': method(
    z.strictObject({ values: z.record(z.string().min(1), z.union([z.number().finite(), z.string(), z.boolean(), z.null()])) }),
    SettingsViewSchema,
  ),
  'profiles.list': method(empty, ProfilesViewSchema),
  'profiles.apply': method(
    z.strictObject({ name: z.string().min(1).max(64), weights: z.record(z.string(), z.number().finite()).optional() }),
    ProfilesViewSchema,
  ),
  'watchlists.list': method(empty, z.object({ watchlists: z.array(WatchlistViewSchema) })),
  'watchlists.save': method(
    z.strictObject({ name: watchlistName, symbols: z.array(RpcSymbolSchema).max(1000) }),
    z.object({ watchlist: WatchlistViewSchema }),
  ),
  'watchlists.delete': method(z.strictObject({ name: watchlistName }), z.object({ deleted: z.boolean() })),
  'keys.set': method(
    z.strictObject({ exchange: exchangeId, label: keyLabel, apiKey: secretText, secret: secretText, password: secretText.optional() }),
    KeyRefViewSchema,
  ),
  'keys.list': method(empty, z.object({ keys: z.array(KeyRefViewSchema) })),
  'keys.delete': method(z.strictObject({ exchange: exchangeId, label: keyLabel }), z.object({ deleted: z.boolean() })),
  'keys.test': method(z.strictObject({ exchange: exchangeId, label: keyLabel }), KeyTestReportViewSchema),
  'health.get': method(empty, HealthViewSchema),
  /** Sends a test message to every enabled alert sink (secrets read from the keychain). */
  'alerts.test': method(empty, AlertTestReportViewSchema),
  'backtest.datasets': method(empty, BacktestDatasetsViewSchema),
  'backtest.start': method(BacktestStartInputSchema, z.object({ runId: z.string() })),
  'backtest.cancel': method(z.strictObject({ runId: BacktestRunIdSchema }), z.object({ cancelled: z.boolean() })),
  'backtest.list': method(
    z.strictObject({ limit: z.number().int().min(1).max(1_000).optional() }),
    z.object({ runs: z.array(BacktestRunSummaryViewSchema), active: BacktestProgressViewSchema.nullable() }),
  ),
  'backtest.get': method(z.strictObject({ id: BacktestRunIdSchema }), BacktestRunViewSchema),
  'backtest.bars': method(
    z.strictObject({ id: BacktestRunIdSchema, symbol: RpcSymbolSchema, fromMs: z.number().int().nonnegative(), toMs: z.number().int().nonnegative() }),
    CandlesReplyViewSchema,
  ),
  'backtest.report': method(z.strictObject({ id: BacktestRunIdSchema, kind: BacktestReportKindSchema }), BacktestReportFileViewSchema),
  /** Indicator studies (RSI, MACD panes; Bollinger, VWAP overlays) over a symbol's candles, computed with the sdk's kernels. */
  'chart.studies': method(ChartStudiesInputSchema, ChartStudiesViewSchema),
  /**
   * Manipulation flags the radar raised on a symbol since the host was created (every ranking cycle
   * is recorded, whether or not a chart was open), each at the cycle it first fired, with its
   * evidence. Kept in memory, up to 200 per symbol (oldest dropped first); a restart starts afresh.
   */
  'chart.flags': method(ChartFlagsInputSchema, ChartFlagsViewSchema),
  'drawings.list': method(DrawingsListInputSchema, DrawingsListViewSchema),
  'drawings.save': method(DrawingsSaveInputSchema, DrawingsSaveViewSchema),
  'drawings.delete': method(DrawingsDeleteInputSchema, DrawingsDeleteViewSchema),
} as const;

export type RpcMethods = typeof RPC_METHODS;
export type MethodName = keyof RpcMethods;
/** Params as the caller writes them (before defaults). */
export type MethodInput<M extends MethodName> = z.input<RpcMethods[M]['input']>;
/** Params after validation, as the host sees them. */
export type MethodParams<M extends MethodName> = z.output<RpcMethods[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<RpcMethods[M]['output']>;

export const METHOD_NAMES = Object.keys(RPC_METHODS) as MethodName[];

/** Params whose fields are all optional may be omitted by callers. */
export type MethodArgs<M extends MethodName> = Record<never, never> extends MethodInput<M> ? [params?: MethodInput<M>] : [params: MethodInput<M>];

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(RPC_METHODS, name);
}

/** Fields whose values are secrets; they are redacted from any error that echoes input. */
export const SECRET_FIELDS: ReadonlySet<string> = new Set(['apiKey', 'secret', 'password', 'token']);

/** What a trader types to arm live trading: it names the exchange and the account. */
export function liveConfirmPhrase(exchange: string, label: string): string {
  return `LIVE ${exchange}:${label}`;
}
