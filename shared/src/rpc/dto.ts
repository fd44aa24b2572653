import { z } from 'zod';
import { CandleSchema } from '../domain/marketData.js';

/**
 * Shapes of the values that cross the RPC boundary (replies and events). They are views made for
 * the UI; the host maps engine types onto them. Prices are quote-currency numbers, sizes are in
 * base units, money is USD, times are ms since epoch (UTC).
 */

const finite = z.number().finite();
const nullableNumber = finite.nullable();

/** ccxt unified perp symbol, `BASE/QUOTE:SETTLE`. */
export const RpcSymbolSchema = z
  .string()
  .max(64)
  .regex(/^[A-Za-z0-9._-]+\/[A-Z0-9]+:[A-Z0-9]+$/, 'a ccxt unified perp symbol such as BTC/USDT:USDT');

export const SideBiasViewSchema = z.enum(['long', 'short', 'neutral']);
export type SideBiasView = z.infer<typeof SideBiasViewSchema>;

/** One manipulation flag with the figures that raised it. */
export const ManipFlagViewSchema = z.object({
  name: z.string(),
  /** 0..1, how strongly this flag fired. */
  severity: finite,
  message: z.string(),
  evidence: z.record(z.string(), z.union([finite, z.string(), z.boolean()])),
});
export type ManipFlagView = z.infer<typeof ManipFlagViewSchema>;

export const ManipulationViewSchema = z.object({
  /** 0..100. */
  manipScore: finite,
  flags: z.array(ManipFlagViewSchema),
});
export type ManipulationView = z.infer<typeof ManipulationViewSchema>;

/** One row of the rankings table. */
export const RankingRowViewSchema = z.object({
  symbol: z.string(),
  /** The exchange id (ccxt) whose market the row ranks, e.g. `blofin`. */
  exchange: z.string().optional(),
  /** 1-based position in the snapshot. */
  rank: z.number().int(),
  score: finite,
  bias: SideBiasViewSchema,
  /** 0..1, already reduced by manipulation risk. */
  confidence: finite,
  lastPrice: nullableNumber,
  change24hPct: nullableNumber,
  quoteVolume24hUsd: nullableNumber,
  spreadBps: nullableNumber,
  atrPct: nullableNumber,
  fundingRate: nullableNumber,
  manipScore: nullableNumber,
  flags: z.array(ManipFlagViewSchema),
  /** Named score components (z-scores or weighted parts), for tooltips. */
  components: z.record(z.string(), finite),
  /** ATR-based plan from the opportunities list, when the ranker gives one. */
  stopPrice: nullableNumber,
  targetPrices: z.array(finite),
  /**
   * Provenance of the order book behind the row's book figures and flags: `exchange` (a venue's
   * real book), `synthetic` (invented by a demo sim, scored), `none` (no book, or a replay's
   * invented one withheld from the score). Absent (older hosts): unknown.
   */
  book: z.enum(['exchange', 'synthetic', 'none']).optional(),
  /** Which other inputs the radar had for this row; absent (older hosts): unknown. */
  inputs: z
    .object({
      funding: z.enum(['history', 'current', 'none']),
      openInterest: z.enum(['history', 'none']),
      listing: z.enum(['exchange', 'unknown']),
    })
    .optional(),
  /** The market's price tick and amount step in base units, which the app formats prices and sizes on; absent (older hosts) or null: unknown. */
  priceTick: nullableNumber.optional(),
  amountStep: nullableNumber.optional(),
});
export type RankingRowView = z.infer<typeof RankingRowViewSchema>;

/** One out-of-sample rank IC behind a profile's side rule. */
export const RankIcViewSchema = z.object({
  sample: z.string(),
  windows: z.number().int(),
  ic: nullableNumber,
  t: nullableNumber,
  bestBaseline: z.string(),
  bestBaselineIc: nullableNumber,
});
export type RankIcView = z.infer<typeof RankIcViewSchema>;

/** How the rows' sides were chosen: with the trend, or against it because recorded history said so. */
export const RankingSideViewSchema = z.object({
  basis: z.enum(['momentum', 'reversal']),
  /** Forward horizon of the evidence, in bars of `timeframe`; null without evidence. */
  horizonBars: z.number().int().nullable(),
  timeframe: z.string().nullable(),
  evidence: z.array(RankIcViewSchema),
});
export type RankingSideView = z.infer<typeof RankingSideViewSchema>;

/** A full ranking cycle; also the payload of the `ranking` event. */
export const RankingSnapshotViewSchema = z.object({
  /** End of the ranking cycle; null until the first cycle has finished. */
  asOfMs: z.number().int().nullable(),
  profile: z.string(),
  side: RankingSideViewSchema,
  /** Rows matching the query before `limit`/`offset`. */
  total: z.number().int(),
  rows: z.array(RankingRowViewSchema),
  /** Wall-clock ms the cycle's ranking took to compute; absent on a ranking computed on demand. */
  computeMs: z.number().nonnegative().optional(),
});
export type RankingSnapshotView = z.infer<typeof RankingSnapshotViewSchema>;

/** One agreeing strategy's out-of-sample, after-cost record, as a signal carries it. */
export const StrategyEvidenceViewSchema = z.object({
  strategy: z.string(),
  /** Regime of the record shown; null: the strategy over every regime. */
  regime: z.string().nullable(),
  /** Sample size: out-of-sample signals the record is measured over. */
  signals: z.number().int(),
  /** 0..1, share of signals that reached the take-profit before the stop. */
  hitRate: finite,
  /** Mean realized return per signal after fees and funding, in percent of entry. */
  meanNetPct: finite,
  correctedLowerBoundPct: finite,
  /** The strategy showed an edge here (the AutoTrader's edge gate lets it through). */
  tradable: z.boolean(),
  /** Id of the evidence file. */
  evidenceId: z.string(),
});
export type StrategyEvidenceView = z.infer<typeof StrategyEvidenceViewSchema>;

export const SignalViewSchema = z.object({
  /** Deterministic id (same inputs, same id). */
  id: z.string(),
  symbol: z.string(),
  timeframe: z.string(),
  side: z.enum(['long', 'short']),
  score: finite,
  /**
   * True when `probability` and `expectedValue` come from a fitted calibration; false: they are a
   * heuristic mapping of the score and screens show "uncalibrated" instead. Absent (older hosts)
   * means uncalibrated.
   */
  calibrated: z.boolean().optional(),
  /** Id of the calibration behind `probability`, when calibrated. */
  calibrationId: z.string().optional(),
  /** 0..1; a probability only when `calibrated`. */
  probability: finite,
  expectedValue: nullableNumber,
  tags: z.array(z.string()),
  components: z.record(z.string(), finite),
  entryPrice: nullableNumber,
  stopPrice: nullableNumber,
  targetPrices: z.array(finite),
  createdAtMs: z.number().int(),
  /**
   * Out-of-sample record per agreeing strategy the evidence measured; an empty list means none
   * was measured on this timeframe. Absent (older hosts): unknown.
   */
  evidence: z.array(StrategyEvidenceViewSchema).optional(),
  /**
   * What the labeler found after the signal: `tp` (target before stop), `sl` (stop first, or both in
   * one bar), `timeout` (neither within the horizon), `open` (not resolved yet). Absent: this host
   * does not report outcomes.
   */
  outcome: z.enum(['open', 'tp', 'sl', 'timeout']).optional(),
});
export type SignalView = z.infer<typeof SignalViewSchema>;

export const OrderSideViewSchema = z.enum(['buy', 'sell']);
export type OrderSideView = z.infer<typeof OrderSideViewSchema>;

export const OrderStatusViewSchema = z.enum(['pending', 'open', 'partially_filled', 'filled', 'canceled', 'rejected']);
export type OrderStatusView = z.infer<typeof OrderStatusViewSchema>;

export const OrderViewSchema = z.object({
  id: z.string(),
  clientOrderId: z.string(),
  symbol: z.string(),
  side: OrderSideViewSchema,
  type: z.enum(['market', 'limit', 'stop_loss', 'take_profit']),
  status: OrderStatusViewSchema,
  amountBase: finite,
  filledBase: finite,
  /** Limit or trigger price; null for market orders. */
  price: nullableNumber,
  avgFillPrice: nullableNumber,
  reduceOnly: z.boolean(),
  createdAtMs: z.number().int(),
  updatedAtMs: z.number().int(),
  /** Why it was rejected or canceled, for the UI. */
  reason: z.string().nullable(),
});
export type OrderView = z.infer<typeof OrderViewSchema>;

export const FillViewSchema = z.object({
  id: z.string(),
  orderId: z.string(),
  symbol: z.string(),
  side: OrderSideViewSchema,
  price: finite,
  amountBase: finite,
  feeUsd: finite,
  liquidity: z.enum(['maker', 'taker']),
  atMs: z.number().int(),
  /** Why it closed (tp1, tp2, sl, breakeven, trail, manual, panic, stop_fallback, liquidation, ...); null for an entry or an add. */
  exitReason: z.string().nullable(),
});
export type FillView = z.infer<typeof FillViewSchema>;

export const PositionViewSchema = z.object({
  symbol: z.string(),
  side: z.enum(['long', 'short']),
  /** `closed` is sent once when a position goes flat, so views can drop it. */
  status: z.enum(['open', 'closed']),
  sizeBase: finite,
  entryPrice: finite,
  markPrice: nullableNumber,
  unrealizedPnlUsd: finite,
  realizedPnlUsd: finite,
  leverage: nullableNumber,
  liquidationPrice: nullableNumber,
  stopLossPrice: nullableNumber,
  takeProfitPrice: nullableNumber,
  openedAtMs: z.number().int(),
  updatedAtMs: z.number().int(),
});
export type PositionView = z.infer<typeof PositionViewSchema>;

export const AccountViewSchema = z.object({
  currency: z.string(),
  equityUsd: finite,
  balanceUsd: finite,
  unrealizedPnlUsd: finite,
  realizedPnlUsd: finite,
  /** PnL since the daily equity anchor. */
  dailyPnlUsd: nullableNumber,
});
export type AccountView = z.infer<typeof AccountViewSchema>;

export const TradingModeViewSchema = z.enum(['paper', 'live']);
export type TradingModeView = z.infer<typeof TradingModeViewSchema>;

export const KillSwitchStateViewSchema = z.object({
  active: z.boolean(),
  reason: z.string().nullable(),
  sinceMs: z.number().int().nullable(),
});
export type KillSwitchStateView = z.infer<typeof KillSwitchStateViewSchema>;

/** What the AutoTrader's edge gate lets through. */
export const EdgeGateStatusViewSchema = z.object({
  /** Only evidence-backed signals (and `overrides`) are traded. */
  require: z.boolean(),
  /** Strategy ids traded without evidence of edge. */
  overrides: z.array(z.string()),
  /** Evidence in use; null when none is loaded. */
  evidenceId: z.string().nullable(),
  /** Timeframe the evidence was measured on. */
  timeframe: z.string().nullable(),
  /** Cells that back trading, as `strategy` or `strategy in regime`. */
  tradable: z.array(z.string()),
  /** With these settings no signal can be traded. */
  tradesNothing: z.boolean(),
  message: z.string(),
});
export type EdgeGateStatusView = z.infer<typeof EdgeGateStatusViewSchema>;

export const TradingStatusViewSchema = z.object({
  mode: TradingModeViewSchema,
  exchange: z.string(),
  /** The armed live account; null (or absent, from older hosts) on paper. */
  liveAccount: z.object({ exchange: z.string(), label: z.string() }).nullable().optional(),
  autotrade: z.boolean(),
  killSwitch: KillSwitchStateViewSchema,
  account: AccountViewSchema.nullable(),
  positions: z.array(PositionViewSchema),
  /** Open (working) orders only. */
  orders: z.array(OrderViewSchema),
  /** The AutoTrader's edge gate; absent from older hosts. */
  edge: EdgeGateStatusViewSchema.optional(),
  /**
   * Live: why the broker stopped taking orders. `error_burst` halts new entries (exits still go
   * out) until `trading.resumeEntries`; `authentication` halts every order until the key is fixed.
   * Null while trading; absent from older hosts.
   */
  halt: z.object({ reason: z.enum(['authentication', 'error_burst']), message: z.string(), sinceMs: z.number().int() }).nullable().optional(),
});
export type TradingStatusView = z.infer<typeof TradingStatusViewSchema>;

export const PanicReportViewSchema = z.object({
  canceledOrders: z.number().int(),
  closedPositions: z.number().int(),
  failures: z.array(z.object({ symbol: z.string(), message: z.string() })),
});
export type PanicReportView = z.infer<typeof PanicReportViewSchema>;

export const OrderBookViewSchema = z.object({
  /** `[price, amountBase]`, best first. */
  bids: z.array(z.tuple([finite, finite])),
  asks: z.array(z.tuple([finite, finite])),
  timestampMs: z.number().int(),
});
export type OrderBookView = z.infer<typeof OrderBookViewSchema>;

export const MarketInfoViewSchema = z.object({
  symbol: z.string(),
  base: z.string(),
  quote: z.string(),
  /** Price tick and amount step, as ccxt reports them. */
  priceTick: nullableNumber,
  amountStep: nullableNumber,
  minNotionalUsd: nullableNumber,
  maxLeverage: nullableNumber,
});
export type MarketInfoView = z.infer<typeof MarketInfoViewSchema>;

export const SymbolDetailViewSchema = z.object({
  market: MarketInfoViewSchema,
  lastPrice: nullableNumber,
  markPrice: nullableNumber,
  fundingRate: nullableNumber,
  openInterestUsd: nullableNumber,
  orderBook: OrderBookViewSchema.nullable(),
  /** Named microstructure figures (spreadBps, depthBidUsd10bps, tradesPerMin...). */
  microstructure: z.record(z.string(), finite),
  manipulation: ManipulationViewSchema.nullable(),
  ranking: RankingRowViewSchema.nullable(),
  signals: z.array(SignalViewSchema),
  position: PositionViewSchema.nullable(),
});
export type SymbolDetailView = z.infer<typeof SymbolDetailViewSchema>;

/** Chart overlays: EMA(21/50/200), SMA(20), Bollinger(20, 2), Donchian(20), Supertrend(10, 3), VWAP. */
export const IndicatorNameViewSchema = z.enum(['ema21', 'ema50', 'ema200', 'sma20', 'bollinger', 'donchian', 'supertrend', 'vwap']);
export type IndicatorNameView = z.infer<typeof IndicatorNameViewSchema>;

/** One overlay line per series (bollinger gives `upper`, `middle`, `lower`). Null = warm-up. */
export const OverlayViewSchema = z.object({
  indicator: IndicatorNameViewSchema,
  series: z.record(z.string(), z.array(nullableNumber)),
});
export type OverlayView = z.infer<typeof OverlayViewSchema>;

export const CandlesReplyViewSchema = z.object({
  symbol: z.string(),
  timeframe: z.string(),
  /** Finished candles, oldest first; the last one may be the live, unfinished candle. */
  candles: z.array(CandleSchema),
  overlays: z.array(OverlayViewSchema),
});
export type CandlesReplyView = z.infer<typeof CandlesReplyViewSchema>;

/** One editable setting, described so the UI can render and validate a field generically. */
export const SettingFieldViewSchema = z.object({
  /** Dotted config path, e.g. `risk.maxPositions`. */
  path: z.string(),
  group: z.enum(['gates', 'risk', 'sizing', 'protection', 'universe', 'ranking', 'general']),
  label: z.string(),
  kind: z.enum(['number', 'integer', 'boolean', 'string', 'enum']),
  value: z.union([finite, z.string(), z.boolean(), z.null()]),
  min: nullableNumber,
  max: nullableNumber,
  options: z.array(z.string()).nullable(),
  unit: z.string().nullable(),
  help: z.string().nullable(),
  /** The value without any config file or saved edit (the schema default); absent when unknown. */
  defaultValue: z.union([finite, z.string(), z.boolean(), z.null()]).optional(),
  /** True when `min` itself is refused (the value must be greater than it); absent: unknown, read as inclusive. */
  minExclusive: z.boolean().optional(),
  /** True when `max` itself is refused (the value must be less than it); absent: unknown, read as inclusive. */
  maxExclusive: z.boolean().optional(),
});
export type SettingFieldView = z.infer<typeof SettingFieldViewSchema>;

export const SettingsViewSchema = z.object({ fields: z.array(SettingFieldViewSchema) });
export type SettingsView = z.infer<typeof SettingsViewSchema>;

export const ProfileViewSchema = z.object({
  name: z.string(),
  /** Factor name -> weight. */
  weights: z.record(z.string(), finite),
  builtin: z.boolean(),
});
export type ProfileView = z.infer<typeof ProfileViewSchema>;

export const ProfilesViewSchema = z.object({ active: z.string(), profiles: z.array(ProfileViewSchema) });
export type ProfilesView = z.infer<typeof ProfilesViewSchema>;

export const WatchlistViewSchema = z.object({ name: z.string(), symbols: z.array(z.string()) });
export type WatchlistView = z.infer<typeof WatchlistViewSchema>;

/** What the UI may know about a stored key: where it is, never what it is. */
export const KeyRefViewSchema = z.object({ exchange: z.string(), label: z.string() });
export type KeyRefView = z.infer<typeof KeyRefViewSchema>;

export const KeyTestReportViewSchema = z.object({
  exchange: z.string(),
  label: z.string(),
  authenticated: z.boolean(),
  latencyMs: nullableNumber,
  message: z.string(),
});
export type KeyTestReportView = z.infer<typeof KeyTestReportViewSchema>;

export const ExchangeHealthViewSchema = z.object({
  exchange: z.string(),
  wsState: z.enum(['connected', 'connecting', 'disconnected', 'stale', 'polling']),
  latencyMs: nullableNumber,
  breaker: z.enum(['closed', 'open', 'half_open']),
  rateLimited429: z.number().int(),
  lastUpdateMs: z.number().int().nullable(),
  backoffUntilMs: z.number().int().nullable(),
  /**
   * Age of `lastUpdateMs` when the host took the snapshot, measured on the engine's own clock (which
   * is sim time under a sim): a reader adds the time since it received the snapshot, and never
   * subtracts `lastUpdateMs` from its own clock. Absent (older hosts): unknown.
   */
  lastUpdateAgeMs: z.number().nonnegative().nullable().optional(),
  /** The request budget: the fullest rate-limit window's used share (0-1), requests sent in the last minute, requests waiting. */
  rateLimit: z.object({ usedRatio: z.number().nonnegative(), requestsLastMinute: z.number().int().nonnegative(), queued: z.number().int().nonnegative() }).optional(),
});
export type ExchangeHealthView = z.infer<typeof ExchangeHealthViewSchema>;

/** Also the payload of the `health` event. */
export const HealthViewSchema = z.object({
  asOfMs: z.number().int(),
  engine: z.enum(['starting', 'running', 'stopping', 'stopped']),
  exchanges: z.array(ExchangeHealthViewSchema),
  symbolsTracked: z.number().int(),
  symbolsStale: z.number().int(),
});
export type HealthView = z.infer<typeof HealthViewSchema>;

export const AlertViewSchema = z.object({
  id: z.string(),
  level: z.enum(['info', 'warn', 'error']),
  kind: z.string(),
  message: z.string(),
  symbol: z.string().nullable(),
  atMs: z.number().int(),
});
export type AlertView = z.infer<typeof AlertViewSchema>;

/** One alert sink's answer to `alerts.test`: delivered, or why not (never a URL or token). */
export const AlertSinkResultViewSchema = z.object({
  sink: z.string(),
  ok: z.boolean(),
  message: z.string(),
});
export type AlertSinkResultView = z.infer<typeof AlertSinkResultViewSchema>;

/** `alerts.test`: one result per enabled sink; empty when none is enabled. */
export const AlertTestReportViewSchema = z.object({ results: z.array(AlertSinkResultViewSchema) });
export type AlertTestReportView = z.infer<typeof AlertTestReportViewSchema>;

/**
 * The warm start's progress (`warmup.progress` event): symbols of the universe fetched and seeded,
 * so ranked, out of `total`; streams (symbol x timeframe) backfilled out of `streams`. `etaMs` is
 * the wall time the rest should take at the pace so far (null before the first stream lands);
 * `done` is set on the last event, when the whole universe is ranked.
 */
export const WarmUpViewSchema = z.object({
  seeded: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  backfilled: z.number().int().nonnegative(),
  streams: z.number().int().nonnegative(),
  timeframes: z.array(z.string()),
  etaMs: z.number().nonnegative().nullable(),
  done: z.boolean(),
  /** On the last push when the warm-up ended on an error. */
  failed: z.boolean().optional(),
});
export type WarmUpView = z.infer<typeof WarmUpViewSchema>;
