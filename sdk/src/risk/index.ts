export { RiskPolicy, riskRejectionError } from './riskPolicy.js';
export type { RiskPolicyDeps } from './riskPolicy.js';
export { RiskConfigSchema, RiskGatesConfigSchema, SizingConfigSchema, SmartRiskConfigSchema, defaultRiskConfig } from './config.js';
export type { RiskConfig, RiskConfigInput } from './config.js';
export { RiskRejectReason } from './types.js';
export type {
  RiskSide,
  RiskOrderRequest,
  RiskOpenPosition,
  RiskAccountState,
  RiskSizing,
  RiskDecision,
  RiskRejection,
  RiskExitRequest,
  RiskExitDecision,
  DailyAnchor,
  RiskFunding,
  RiskOrderFlow,
  RiskLastEntry,
} from './types.js';
export { sizeEntry, smartLeverage, smartMarginMode, confidenceFactor, volatilityFactor } from './sizing.js';
export { utcDayStartMs, rollDailyAnchor, dailyLossPct } from './dailyAnchor.js';
export { PANIC_FILE_NAME, panicFilePath, panicFileCheck } from './panicFile.js';
