/** Machine-readable reasons a RiskPolicy refuses an order. */
export const RiskRejectReason = {
  KillSwitch: 'kill_switch',
  DailyLossLimit: 'daily_loss_limit',
  MinScore: 'min_score',
  MinProbability: 'min_probability',
  MinQuoteVolume: 'min_quote_volume',
  ManipScore: 'manip_score',
  Cooldown: 'cooldown',
  PositionOpen: 'position_open',
  MaxPositions: 'max_positions',
  InvalidOrder: 'invalid_order',
  MinMargin: 'min_margin',
  MaxExposure: 'max_exposure',
  InsufficientBalance: 'insufficient_balance',
  NoPosition: 'no_position',
  ExceedsPosition: 'exceeds_position',
  FundingWindow: 'funding_window',
  OrderFlow: 'order_flow',
  MaxSymbolNotional: 'max_symbol_notional',
  MaxManualNotional: 'max_manual_notional',
  StructuralReset: 'structural_reset',
} as const;
export type RiskRejectReason = (typeof RiskRejectReason)[keyof typeof RiskRejectReason];

export type RiskSide = 'long' | 'short';

/** A request to open (or add to) a position, before sizing. */
export interface RiskOrderRequest {
  symbol: string;
  side: RiskSide;
  /** Signal score on the strategy engine's scale. */
  score: number;
  /** Win probability in [0, 1]; also the confidence used by sizing when calibrated. */
  probability: number;
  /**
   * False when `probability` is the score's uncalibrated heuristic: the min-probability gate then
   * says it compared a score mapping, and sizing caps the confidence at a neutral 0.5 rather than
   * scale size or leverage up on a number no data backs. Absent: calibrated (a caller's own figure).
   */
  probabilityCalibrated?: boolean;
  /** Manipulation score 0-100; null when unknown (the ceiling then does not apply). */
  manipScore: number | null;
  quoteVolume24hUsd: number;
  entryPrice: number;
  /** Average true range in price units. */
  atr: number;
  /** Protective stop; when absent the stop is `atrStopMult` ATRs from entry. */
  stopPrice?: number | null;
  /** `pyramid` adds to an open same-side position; `open` (default) starts a position. */
  intent?: 'open' | 'pyramid';
  /** Regime risk multiplier from the engine (1 = neutral), applied to the sized notional. */
  riskMultiplier?: number;
  /**
   * A trader's own ticket: the notional it asked for. Sizing takes it as it is (no sizing mode,
   * confidence or regime scaling, no upsizing to the minimum margin) up to
   * `sizing.maxManualNotionalUsd`; every other gate applies. Absent: the policy sizes the order.
   */
  manualNotionalUsd?: number;
  /** The symbol's funding rate per interval (0.0001 = 0.01 %) and its next settlement; absent or null: unknown, and the funding window does not apply. */
  funding?: RiskFunding | null;
  /**
   * Live order flow on the symbol. Absent: not measured by this caller (a backtest), and the
   * order-flow floors do not apply. Null: looked for and not found, refused by any floor that is on.
   */
  orderFlow?: RiskOrderFlow | null;
  /**
   * The auto-trader's previous entry on this symbol, for the structural reset
   * (`gates.structuralResetAtr`). Absent or null: none known (a manual ticket, a first entry), and
   * the reset does not apply.
   */
  lastEntry?: RiskLastEntry | null;
}

/** A previous entry on a symbol and how far the price has travelled from it since. */
export interface RiskLastEntry {
  side: RiskSide;
  price: number;
  /** The entry's ATR in price units: the yardstick of the move. */
  atr: number;
  /** The largest |price - entry| / atr seen since the entry (the current price is added by the gate). */
  maxMoveAtr: number;
  atMs: number;
}

export interface RiskFunding {
  rate: number;
  nextFundingTimeMs: number;
}

export interface RiskOrderFlow {
  tradesPerMin: number;
  notionalPerMinUsd: number;
  /** Resting quote notional within 50 bps of mid, both sides. */
  depthUsd: number;
}

export interface RiskOpenPosition {
  symbol: string;
  side: RiskSide;
  notionalUsd: number;
  sizeBase?: number;
}

export interface RiskAccountState {
  equityUsd: number;
  /** Free for new margin. */
  availableBalanceUsd: number;
  openPositions: readonly RiskOpenPosition[];
  /**
   * Exposure counted against `maxExposureUsd`. Defaults to the summed notional of open positions;
   * pass it to include orders still in flight.
   */
  exposureUsd?: number;
  /** Last entry time per symbol, for the cooldown. */
  lastTradeAtMs: Readonly<Record<string, number>>;
}

/** How an approved order is sized. */
export interface RiskSizing {
  /** The sizing mode, or `manual` for a ticket's own notional. */
  mode: 'fixed' | 'risk_pct' | 'dynamic' | 'manual';
  notionalUsd: number;
  amountBase: number;
  leverage: number;
  marginMode: 'cross' | 'isolated';
  /** Initial margin: notional / leverage. */
  marginUsd: number;
  stopPrice: number;
  /** Loss at the stop, before fees. */
  riskUsd: number;
  /** True when the minimum-margin rule raised the size. */
  upsizedToMinMargin: boolean;
  /** Confidence the sizing used: the calibrated probability, or an uncalibrated one capped at 0.5. */
  confidence: number;
}

export type RiskDecision =
  | { ok: true; sizing: RiskSizing }
  | { ok: false; reason: RiskRejectReason; message: string; details: Record<string, unknown> };

export type RiskRejection = Extract<RiskDecision, { ok: false }>;

/** A reduce-only order (stop, take-profit, exit, panic). */
export interface RiskExitRequest {
  symbol: string;
  /** Side of the position being reduced. */
  positionSide: RiskSide;
  amountBase: number;
}

export type RiskExitDecision = { ok: true } | RiskRejection;

/** The day's equity anchor: equity at the first check of the UTC day. */
export interface DailyAnchor {
  dayStartMs: number;
  equityUsd: number;
}
