export * from './types.js';
export { computeCandleFeatures, CANDLE_TAIL_BARS, VOLUME_BASELINE_BARS, type CandleFeatures, type CandleTail } from './candleFeatures.js';
export { selectKth, selectMedian } from './select.js';
export { computeBookFeatures, depthWithinBps, walkBook, type BookFeatures } from './bookFeatures.js';
export { DEFAULT_RULE_THRESHOLDS, CANDLE_ONLY_FLAGS, severity, type RuleThresholds } from './rules.js';
export { fitLogistic, predictLogistic, rocAuc, binaryMetrics, sigmoid, type LogisticModel, type FitOptions, type BinaryMetrics } from './logistic.js';
export { DEFAULT_RADAR_MODEL, MANIP_ALERT_SCORE, RADAR_FEATURES, LogisticModelSchema, parseRadarModel, radarFeatureRow } from './model.js';
export { analyzeSnapshot, scoreManipulation, snapshotKey, ManipulationRadar, type RadarOptions, type SnapshotAnalysis } from './radar.js';
