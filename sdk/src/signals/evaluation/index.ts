/**
 * Out-of-sample evaluation of signals and rankings: reliability tables, Brier and AUC,
 * isotonic and logistic calibration fits, expectancy bounds and cross-sectional rank IC. Pure
 * functions over arrays; `scripts/eval-signals.ts` feeds them recorded history.
 */
export * from './ranks.js';
export * from './scores.js';
export * from './auc.js';
export * from './reliability.js';
export * from './isotonic.js';
export * from './logistic.js';
export * from './expectancy.js';
export * from './rankIc.js';
export * from './walkForward.js';
export * from './fitCalibration.js';
export * from './signalRecords.js';
export * from './rankingPanel.js';
export * from './calibrate.js';
export * from './edgeCells.js';
