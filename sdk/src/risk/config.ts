import { z } from 'zod';

/**
 * Risk settings. Defaults follow the settings users of the Python seeds ran with:
 * TRADE_MIN_SCORE=5, TRADE_MIN_PROB=0.62, SIGNAL_MIN_QVOL_USDT=400000, TRADE_COOLDOWN_SEC=120,
 * TRADE_MAX_POSITIONS=6, TRADE_MAX_EXPOSURE_USD=500, SINGLE_POSITION_PER_SYMBOL=1,
 * TRADE_NOTIONAL_USD=50, TRADING_LEVERAGE=3, TRADING_MARGIN_MODE=cross, MIN_INITIAL_MARGIN_USD=10,
 * UPSIZE_TO_MIN_MARGIN=1, CHECK_BALANCE_BEFORE_ORDER=1, risk_pct=2.5 %, atr_stop_k=1.2,
 * daily_loss_limit=6 %. Every `...Pct` field is in percent (2.5 means 2.5 %).
 */
export const RiskGatesConfigSchema = z.strictObject({
  /** Blocks every new entry when true (exits still pass). */
  killSwitch: z.boolean().default(false),
  /** Entries below this signal score (the strategy engine's scale) are refused. */
  minScore: z.number().default(5),
  /** Entries below this win probability are refused; an uncalibrated probability makes it a score threshold, and the refusal says so. */
  minProbability: z.number().min(0).max(1).default(0.62),
  /** Entries on symbols trading less than this over 24 hours are refused. */
  minQuoteVolume24hUsd: z.number().nonnegative().default(400_000),
  /** Minimum time between two entries on one symbol. */
  cooldownMs: z.number().int().nonnegative().default(120_000),
  /** Open positions (symbols) at once; a new symbol beyond it is refused. */
  maxPositions: z.number().int().positive().default(6),
  /** Cap on the summed notional of open positions, including the new order. */
  maxExposureUsd: z.number().positive().default(500),
  /** A second entry on a symbol with an open position is refused (pyramid adds are not entries). */
  singlePositionPerSymbol: z.boolean().default(true),
  /** Loss from the day's equity anchor (UTC day) that stops new entries; null disables. */
  dailyLossLimitPct: z.number().positive().max(100).nullable().default(6),
  /** Entries on a symbol whose manipulation score (0-100) exceeds this are refused; null disables. */
  maxManipScore: z.number().min(0).max(100).nullable().default(70),
  /**
   * Entries this close before a funding settlement the new position would pay are refused (seed
   * funding_avoid_min 5 minutes); 0 turns it off. Applies when the order carries the symbol's funding.
   */
  fundingAvoidWindowMs: z.number().int().nonnegative().default(300_000),
  /** Funding, in percent per interval, the position must pay for the window to refuse it; 0: any adverse funding. */
  fundingAvoidMinRatePct: z.number().nonnegative().default(0),
  /**
   * Order-flow floors over the live tape and book (the seed ran with 0.3 trades/min, 5,000 USD/min
   * and 10,000 USD of depth); null turns one off. They apply when the order carries live order
   * flow (the auto-trader's entries do; a backtest has none), and refuse an entry whose order flow
   * was looked for and not found.
   */
  minTradesPerMin: z.number().nonnegative().nullable().default(null),
  /** Traded quote notional per minute over the tape window; null: off. */
  minNotionalPerMinUsd: z.number().nonnegative().nullable().default(null),
  /** Resting quote notional within 50 bps of mid, both sides together. */
  minDepthUsd: z.number().nonnegative().nullable().default(null),
  /** Cap on one symbol's notional, its open position plus the new order (pyramid adds included); null: only maxExposureUsd. */
  maxSymbolNotionalUsd: z.number().positive().nullable().default(null),
  /**
   * Structural reset (the seed's re-entry check): after an auto-trader entry on a symbol, another
   * entry in the same direction waits until the price has travelled at least this many ATR (the
   * first entry's ATR) away from that entry, so the trader does not buy the same level over and
   * over while the structure has not changed. Opposite-side entries and pyramid adds are not
   * held; manual tickets carry no previous entry. Null: off.
   */
  structuralResetAtr: z.number().positive().max(50).nullable().default(null),
});

export const SmartRiskConfigSchema = z.strictObject({
  /** Confidence- and volatility-aware leverage and margin mode (ENABLE_SMART_RISK). */
  enabled: z.boolean().default(false),
  /** Lowest leverage smart risk may choose. */
  leverageMin: z.number().positive().default(1),
  /** Highest leverage smart risk may choose. */
  leverageMax: z.number().positive().default(10),
  /** Leverage at neutral confidence and normal volatility, before the factors. */
  leverageBase: z.number().positive().default(3),
  /** ATR as % of price that counts as normal volatility. */
  atrRefPct: z.number().positive().default(1),
  /** Leverage/notional gain per unit of confidence above 0.5. */
  kConfidence: z.number().nonnegative().default(1),
  /** Exponent on (atrRefPct / atrPct): 0 ignores volatility, 1 scales inversely with it. */
  kVolatility: z.number().nonnegative().default(1),
  /** Cross margin when ATR% exceeds this: wide swings are better absorbed by the whole balance. */
  crossIfAtrPctAbove: z.number().positive().default(2.5),
  /** Otherwise isolated margin when confidence exceeds this: a confident trade risks only its margin. */
  isolatedIfConfidenceAbove: z.number().min(0).max(1).default(0.75),
});

export const SizingConfigSchema = z.strictObject({
  /** fixed: fixedNotionalUsd per entry; risk_pct: riskPct of equity lost at the stop; dynamic: fixedNotionalUsd scaled by confidence and volatility. */
  mode: z.enum(['fixed', 'risk_pct', 'dynamic']).default('fixed'),
  /** Notional per entry in fixed mode, and the base that dynamic mode scales. */
  fixedNotionalUsd: z.number().positive().default(50),
  /** Equity risked between entry and stop, in risk_pct mode. */
  riskPct: z.number().positive().max(100).default(2.5),
  /** Stop distance in ATRs when the order carries no stop price. */
  atrStopMult: z.number().positive().default(1.2),
  /** Leverage when smart risk is off (and the fallback bound when on). */
  leverage: z.number().positive().default(3),
  /** Margin mode of new positions when smart risk is off: cross shares the balance, isolated risks only the position's margin. */
  marginMode: z.enum(['cross', 'isolated']).default('cross'),
  /** Dynamic mode scales fixedNotionalUsd by confidence and volatility within these multipliers. */
  dynamicMinMult: z.number().positive().default(0.5),
  /** Upper bound of the dynamic-mode multiplier (see dynamicMinMult). */
  dynamicMaxMult: z.number().positive().default(2),
  /** Initial margin below this is upsized (or refused when upsizeToMinMargin is off). */
  minMarginUsd: z.number().nonnegative().default(10),
  /** true: raise an order whose margin is under minMarginUsd to it; false: refuse the order. */
  upsizeToMinMargin: z.boolean().default(true),
  /** The largest manual ticket (GUI, API, webhook), apart from auto-sizing; exposure, balance and the other gates still apply. */
  maxManualNotionalUsd: z.number().positive().default(500),
  /** Refuses orders whose margin exceeds the available balance. */
  checkBalance: z.boolean().default(true),
  smart: SmartRiskConfigSchema.prefault({}),
});

export const RiskConfigSchema = z
  .strictObject({
    gates: RiskGatesConfigSchema.prefault({}),
    sizing: SizingConfigSchema.prefault({}),
  })
  .superRefine((cfg, ctx) => {
    const s = cfg.sizing;
    if (s.dynamicMinMult > s.dynamicMaxMult) {
      ctx.addIssue({ code: 'custom', path: ['sizing', 'dynamicMinMult'], message: `must not exceed sizing.dynamicMaxMult (${s.dynamicMaxMult})` });
    }
    if (s.smart.leverageMin > s.smart.leverageMax) {
      ctx.addIssue({ code: 'custom', path: ['sizing', 'smart', 'leverageMin'], message: `must not exceed sizing.smart.leverageMax (${s.smart.leverageMax})` });
    }
  });

export type RiskConfig = z.infer<typeof RiskConfigSchema>;
/** Input shape: every field optional, defaults filled in by `RiskConfigSchema.parse`. */
export type RiskConfigInput = z.input<typeof RiskConfigSchema>;

/** The defaults, parsed. */
export function defaultRiskConfig(): RiskConfig {
  return RiskConfigSchema.parse({});
}
