/**
 * Shared shapes of the indicator module. Batch kernels take `Series` and return `Float64Array`
 * with `NaN` during warm-up; streaming classes implement `StreamingIndicator`.
 */

/** A numeric series: a plain array or a Float64Array (the fast path, used without copying). */
export type Series = readonly number[] | Float64Array;

/** Minimal bar for range-based indicators. A `Candle` satisfies it. */
export interface HighLowBar {
  readonly high: number;
  readonly low: number;
}

/** Bar for ATR, ADX and Supertrend. A `Candle` satisfies it. */
export interface HlcBar extends HighLowBar {
  readonly close: number;
}

/** Bar for OBV. A `Candle` satisfies it. */
export interface CloseVolumeBar {
  readonly close: number;
  readonly volume: number;
}

/** Bar for VWAP. A `Candle` satisfies it. */
export interface VwapBar extends HlcBar {
  readonly volume: number;
  readonly openTimeMs: number;
}

/**
 * Incremental form of an indicator. `add` and `replace` are O(1) and allocate nothing; both
 * reject non-finite input with an `InvalidInputError` and leave the state untouched.
 */
export interface StreamingIndicator<TIn, TOut> {
  /** Appends one closed (or the first forming) bar. */
  add(input: TIn): void;
  /**
   * Replaces the most recently added input (the forming bar): the state becomes exactly what
   * `add` would have produced had `input` been added instead. Acts as `add` when nothing was added.
   */
  replace(input: TIn): void;
  /** The latest value, or `null` until `getRequiredInputs()` inputs were added. */
  getResult(): TOut | null;
  /** True once `getResult()` is non-null. */
  readonly isStable: boolean;
  /** Number of inputs needed before the first result. */
  getRequiredInputs(): number;
}
