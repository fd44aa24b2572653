export * from './types.js';
export { computeCandleFeatures, CANDLE_TAIL_BARS, VOLUME_BASELINE_BARS, type CandleFeatures, type CandleTail } from './candleFeatures.js';
export { selectKth, selectMedian } from './select.js';
export { computeBookFeatures, depthWithinBps, walkBook, type BookFeatures } from './bookFeatures.js';
export { DEFAULT_RULE_THRESHOLDS, CANDLE_ONLY_FLAGS, PRICE_PATTERN_FLAGS, severity, type RuleThresholds } from './rules.js';
export { computeMarketContext, marketContextAt, peerReturn, peerSpan, DEFAULT_MARKET_THRESHOLDS, type MarketContext, type MarketStress, type MarketThresholds } from './crossSection.js';
export { fitLogistic, predictLogistic, rocAuc, binaryMetrics, sigmoid, type LogisticModel, type FitOptions, type BinaryMetrics } from './logistic.js';
export { DEFAULT_RADAR_MODEL, FITTED_RADAR_MODEL, PRIOR_RADAR_MODEL, PRIOR_ONLY_FEATURES, MANIP_ALERT_SCORE, RADAR_FEATURES, LogisticModelSchema, parseRadarModel, radarFeatureRow } from './model.js';
export { analyzeSnapshot, scoreManipulation, scoreRow, UNFLAGGED_SCORE_CAP, snapshotKey, ManipulationRadar, type RadarOptions, type SnapshotAnalysis } from './radar.js';
