/**
 * The signal engine: strategy votes blended into composite signals with EXP3 weights learned from
 * labeled outcomes, a BTC-anchored regime, optional calibration, and selection with dedupe and
 * cooldowns. `SignalEngine.runCycle` is the pure core; `IncrementalSignalEvaluator` drives it on
 * bar closes, `evaluateCold` and `replaySignals` on whole histories. State: `snapshot()`.
 */
export * from './types.js';
export * from './config.js';
export * from './calibration.js';
export * from './calibrationFile.js';
export * from './edgeEvidence.js';
export * from './bandit.js';
export * from './labeler.js';
export * from './reliabilityMonitor.js';
export * from './regime.js';
export * from './selection.js';
export * from './composite.js';
export * from './signalId.js';
export * from './snapshot.js';
export * from './engine.js';
export * from './incremental.js';
export * from './replay.js';
