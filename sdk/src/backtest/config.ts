import { TimeframeSchema } from '@perpscope/shared';
import { z } from 'zod';
import { InvalidInputError } from '../core/errors.js';
import { parseUtcTimeMs } from '../core/utcTime.js';
import { zodIssuesToFieldIssues } from '../core/zodIssues.js';
import { DEFAULT_DEPTH_MODEL } from './fillModel.js';

/** A time as ms since epoch or an ISO date (`2025-01-01`, `2025-01-01T12:00:00Z`, UTC when no zone). */
const TimeSchema = z.union([
  z.number().int().nonnegative(),
  z.string().transform((s, ctx) => {
    const ms = parseUtcTimeMs(s);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: 'an ISO date (2025-01-01) or date-time in UTC' });
      return z.NEVER;
    }
    return ms;
  }),
]);

export const DepthModelSchema = z.strictObject({
  spreadBps: z.number().nonnegative().default(DEFAULT_DEPTH_MODEL.spreadBps),
  levels: z.number().int().min(1).max(100).default(DEFAULT_DEPTH_MODEL.levels),
  levelStepBps: z.number().nonnegative().default(DEFAULT_DEPTH_MODEL.levelStepBps),
  depthShare: z.number().positive().max(1).default(DEFAULT_DEPTH_MODEL.depthShare),
  minDepthUsd: z.number().positive().default(DEFAULT_DEPTH_MODEL.minDepthUsd),
  backstopBps: z.number().positive().default(DEFAULT_DEPTH_MODEL.backstopBps),
});

export const BacktestConfigSchema = z
  .strictObject({
    /** Directory of recorded candles (the layouts of `../shared/data`). */
    data: z.string().min(1),
    timeframe: TimeframeSchema.default('1h'),
    /** Symbols to replay (unified or exchange form); every symbol in `data` when empty. */
    symbols: z.array(z.string().min(1)).default([]),
    /** Period start (first bar traded); the warm-up bars come before it. */
    from: TimeSchema.optional(),
    /** Period end (exclusive). */
    to: TimeSchema.optional(),
    /** Closed bars the engine warms up on before the first traded bar. */
    warmupBars: z.number().int().min(50).max(5_000).default(300),
    initialBalanceUsd: z.number().positive().default(10_000),
    /** The exchange whose fees apply (rows are kept under this id). */
    exchange: z.string().min(1).default('binanceusdm'),
    /** Fees as fractions (Binance USD-M regular tier: 2 bps maker, 5 bps taker). */
    makerFee: z.number().min(0).max(0.01).default(0.0002),
    takerFee: z.number().min(0).max(0.01).default(0.0005),
    maintenanceMarginRate: z.number().positive().max(0.5).default(0.005),
    depth: DepthModelSchema.prefault({}),
    /** Funding per settlement for symbols without a recorded funding file (0.0001 = 1 bp, the usual base rate). */
    fundingFlatRate: z.number().min(-0.01).max(0.01).default(0.0001),
    fundingIntervalHours: z.number().int().min(1).max(24).default(8),
  })
  .superRefine((c, ctx) => {
    if (c.from !== undefined && c.to !== undefined && c.to <= c.from) ctx.addIssue({ code: 'custom', path: ['to'], message: `a time after from (${new Date(c.from).toISOString()})` });
  });

export type BacktestConfig = z.output<typeof BacktestConfigSchema>;
export type BacktestConfigInput = z.input<typeof BacktestConfigSchema>;

/** Validates backtest options; throws `InvalidInputError` naming every bad field. */
export function parseBacktestConfig(input: unknown): BacktestConfig {
  const parsed = BacktestConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new InvalidInputError('backtest options', zodIssuesToFieldIssues(parsed.error, input));
}
