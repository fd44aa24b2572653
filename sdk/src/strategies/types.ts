import type { z } from 'zod';
import type { FeatureRow } from '../features/types.js';

export type Side = 'long' | 'short';

/** What a strategy sees when one bar of one series has closed. */
export interface StrategyContext {
  /** ccxt unified symbol. */
  symbol: string;
  timeframe: string;
  /** Features of the bar that just closed. */
  features: FeatureRow;
  /** Features of the bar before it, or null on the first bar. */
  prev: FeatureRow | null;
  /** Account equity for sizing plans; strategies fall back to their own reference equity. */
  equityUsd?: number;
}

/**
 * A deterministic entry plan: where the stop goes and how much to buy or sell so that hitting
 * the stop loses `riskUsd`.
 */
export interface EntryPlan {
  side: Side;
  entryPrice: number;
  stopPrice: number;
  /** Distance from entry to stop, in price units. */
  stopDistance: number;
  sizeBase: number;
  notionalUsd: number;
  riskUsd: number;
}

/** One strategy's verdict on one bar. */
export interface StrategyResult {
  pass: boolean;
  /** Direction when `pass`, else null. */
  side: Side | null;
  /** Strength in [0, 1]; 0 when not passing. */
  score: number;
  tags: string[];
  /** The price level the setup is about (breakout level, EMA touched, Supertrend line), or null. */
  level: number | null;
  /** Present for strategies that plan entries (Donchian-ATR). */
  plan?: EntryPlan;
}

/**
 * A strategy: an id, a zod schema for its parameters (every field with a default, so `{}` parses)
 * and a pure `evaluate`. Register your own with `StrategyRegistry.register`.
 *
 * @example
 * const rsiDip: Strategy<{ below: number }> = {
 *   id: 'rsi-dip',
 *   description: 'long when RSI is oversold',
 *   paramsSchema: z.object({ below: z.number().default(25) }),
 *   evaluate: (ctx, p) =>
 *     ctx.features.rsi < p.below
 *       ? { pass: true, side: 'long', score: 0.5, tags: ['oversold'], level: ctx.features.close }
 *       : NO_SIGNAL,
 * };
 */
export interface Strategy<P = Record<string, unknown>> {
  /** Unique id; also the bandit arm and the component name in signals. */
  readonly id: string;
  readonly description: string;
  readonly paramsSchema: z.ZodType<P>;
  evaluate(ctx: StrategyContext, params: P): StrategyResult;
}

/** A strategy with validated parameters, ready to evaluate. */
export interface BoundStrategy {
  readonly id: string;
  readonly params: unknown;
  evaluate(ctx: StrategyContext): StrategyResult;
}

/** The "nothing here" result. Frozen and shared: never mutate it. */
export const NO_SIGNAL: StrategyResult = Object.freeze({ pass: false, side: null, score: 0, tags: Object.freeze([]) as unknown as string[], level: null });

/** Clamps to [0, 1]; NaN becomes 0. */
export function unitScore(x: number): number {
  return x > 0 ? (x < 1 ? x : 1) : 0;
}

/** True when every value is a finite number. */
export function allFinite(...xs: number[]): boolean {
  for (const x of xs) if (!Number.isFinite(x)) return false;
  return true;
}
