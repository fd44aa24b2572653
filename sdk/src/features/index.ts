/**
 * Features per symbol x timeframe: returns, EMA slope, ATR%, volume burst and z-score, velocity,
 * volatility regime, wick ratios and optional order-flow figures. Two forms that agree:
 * `computeFeatures` / `BatchFeatureReader` over whole series (backtests, cold start) and
 * `FeatureTracker` one closed bar at a time (live). Pure: no I/O, no clock.
 */
export * from './types.js';
export * from './params.js';
export * from './columns.js';
export * from './batch.js';
export * from './tracker.js';
export type { BarWindow, FlowValues, IndicatorValues } from './derive.js';
