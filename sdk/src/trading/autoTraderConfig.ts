import { z } from 'zod';
import { EdgeGateConfigSchema } from './edgeGate.js';
import { TpSlConfigSchema } from './tpsl.js';

export const AutoTraderConfigSchema = z.strictObject({
  tpsl: TpSlConfigSchema.prefault({}),
  /** Adds at `atR` R of favourable move, `fraction` of the initial size (seed: [[2.0, 0.3], [3.0, 0.2]]). */
  pyramidLevels: z.array(z.strictObject({ atR: z.number().positive(), fraction: z.number().positive().max(1) })).default([]),
  /** At start: re-arm protection for open positions, or flatten them. */
  safeRestart: z.enum(['rearm', 'flatten']).default('rearm'),
  /**
   * Waits before each new try of a stop the venue could not take for a reason that may pass (a
   * timeout, a rate limit, an outage); once they are spent, or on a refusal, `stopMarkTrigger`
   * takes over. Empty: no retry.
   */
  stopRetryBackoffMs: z.array(z.number().int().nonnegative().max(60_000)).max(10).default([500, 2_000]),
  /**
   * Once the stop retries are spent (or the venue refused the stop), Perpscope holds the stop on
   * the mark price for at most `holdMs`, trying the exchange stop again every `retryEveryMs`; the
   * mark crossing the stop, or the hold running out, closes the position at market. Null: close
   * at market at once.
   */
  stopMarkTrigger: z
    .strictObject({
      /** The longest a position stays without a stop on the exchange before it is closed at market. */
      holdMs: z.number().int().min(1_000).max(600_000),
      /** How often the exchange stop is tried again while the mark holds it. */
      retryEveryMs: z.number().int().min(100).max(60_000),
    })
    .nullable()
    .default({ holdMs: 60_000, retryEveryMs: 5_000 }),
  /**
   * Live: this many failed exchange calls that retrying will not fix (refused orders, bad
   * parameters) within `windowMs` halt new entries with an alert, until "Resume entries" (GUI,
   * `trading.resumeEntries`), a restart or a re-arm;
   * exits still go out. Null: off.
   */
  errorBurst: z
    .strictObject({ maxErrors: z.number().int().min(1).max(1_000), windowMs: z.number().int().min(1_000).max(86_400_000) })
    .nullable()
    .default({ maxErrors: 5, windowMs: 60_000 }),
  /** Stop distance for a position found at start without a plan (seed emergency_stop_fallback_pct 1.5 %). */
  fallbackStopBps: z.number().positive().default(150),
  /** Trade only signals backed by out-of-sample evidence of edge, plus named overrides. */
  edge: EdgeGateConfigSchema.prefault({}),
  /**
   * A file whose appearance flattens everything: kill switch on, open orders cancelled, positions
   * closed reduce-only, once per appearance. Relative paths are in the Perpscope home; null: off.
   * Deleting it does not resume trading: the kill switch stays on until it is turned off.
   */
  emergencyFile: z.string().min(1).nullable().default('EMERGENCY_FLATTEN'),
});
export type AutoTraderConfig = z.infer<typeof AutoTraderConfigSchema>;
export type AutoTraderConfigInput = z.input<typeof AutoTraderConfigSchema>;
