import { z } from 'zod';
import { TimeframeSchema } from '../domain/marketData.js';
import { ManipFlagViewSchema, RpcSymbolSchema } from './dto.js';

/**
 * Shapes of the chart's commands: indicator studies computed by the host with the sdk's kernels
 * (one arithmetic for the whole product), and the manipulation flags the radar raised on a symbol.
 */

const finite = z.number().finite();
const nullableNumber = finite.nullable();

/** RSI(14) and MACD(12, 26, 9) draw in panes under the volume; Bollinger(20, 2) and session VWAP over the price. */
export const ChartStudyNameSchema = z.enum(['rsi', 'macd', 'bollinger', 'vwap']);
export type ChartStudyName = z.infer<typeof ChartStudyNameSchema>;
export const CHART_STUDY_NAMES = ChartStudyNameSchema.options;

export const ChartStudiesInputSchema = z.strictObject({
  symbol: RpcSymbolSchema,
  timeframe: TimeframeSchema,
  studies: z.array(ChartStudyNameSchema).min(1).max(4),
  /** Most recent candles up to `toMs` (inclusive), at most `limit` of them, as `candles.get` reads them. */
  limit: z.number().int().min(1).max(100_000).optional(),
  toMs: z.number().int().nonnegative().optional(),
});
export type ChartStudiesInput = z.infer<typeof ChartStudiesInputSchema>;

/** One study: named lines aligned with `times` (null during warm-up), and its guide levels (RSI 30/70). */
export const ChartStudyViewSchema = z.object({
  name: ChartStudyNameSchema,
  /** `pane`: its own grid under the volume; `overlay`: drawn over the candles. */
  placement: z.enum(['pane', 'overlay']),
  /** Human label with its parameters, e.g. `RSI 14`. */
  label: z.string(),
  series: z.record(z.string(), z.array(nullableNumber)),
  levels: z.array(finite),
});
export type ChartStudyView = z.infer<typeof ChartStudyViewSchema>;

export const ChartStudiesViewSchema = z.object({
  symbol: z.string(),
  timeframe: z.string(),
  /** Open times of the candles the studies were computed over, oldest first. */
  times: z.array(z.number().int()),
  studies: z.array(ChartStudyViewSchema),
});
export type ChartStudiesView = z.infer<typeof ChartStudiesViewSchema>;

export const ChartFlagsInputSchema = z.strictObject({
  symbol: RpcSymbolSchema,
  /** Only flags raised at or after this time (ms since epoch). */
  sinceMs: z.number().int().nonnegative().optional(),
});
export type ChartFlagsInput = z.infer<typeof ChartFlagsInputSchema>;

/** A flag as it was first raised on a symbol: the ranking cycle's time and price, and its evidence then. */
export const ChartFlagMarkViewSchema = ManipFlagViewSchema.extend({
  /** The ranking cycle that first carried the flag (engine time). */
  atMs: z.number().int(),
  /** Last price at that cycle. */
  price: nullableNumber,
  /** The radar's 0-100 score at that cycle. */
  manipScore: nullableNumber,
});
export type ChartFlagMarkView = z.infer<typeof ChartFlagMarkViewSchema>;

export const ChartFlagsViewSchema = z.object({ symbol: z.string(), flags: z.array(ChartFlagMarkViewSchema) });
export type ChartFlagsView = z.infer<typeof ChartFlagsViewSchema>;
