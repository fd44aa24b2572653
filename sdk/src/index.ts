/**
 * @perpscope/sdk: the Perpscope engine. Importing this module starts nothing; `createEngine`
 * builds an engine and `start()` connects it.
 *
 * Subpath exports: `@perpscope/sdk/indicators`, `@perpscope/sdk/sim`.
 */
export * from './core/index.js';
export * from './config/index.js';
export * from './engine/index.js';
export * from './market/index.js';
export * from './features/index.js';
export * from './strategies/index.js';
export * from './signals/index.js';
export * from './manipulation/index.js';
export * from './ranking/index.js';
export * from './risk/index.js';
export * from './store/index.js';
export * from './secrets/index.js';
export * from './alerts/index.js';
export * from './trading/index.js';
export * from './backtest/index.js';
export * from './data/index.js';
export * from './facade/index.js';
export { TradingBridge, tradeSignalFrom, riskOrderFlowOf, type TradingBridgeOptions } from './engine/tradingBridge.js';
export { startOrderFlowLoop, type OrderFlowLoopOptions } from './engine/orderFlowLoop.js';
export { createCcxtExchange, SANDBOX_EXCHANGES } from './engine/exchangeClient.js';
export { ccxtErrorClasses, ccxtProExchangeIds, loadCcxtProClass, type CcxtErrorClasses, type CcxtProClass } from './core/ccxtModules.js';
export * from './cli/index.js';
// Names defined by more than one module: the market's and the signal engine's are the primary
// ones; the others are re-exported under module-prefixed names.
export type { TradeStats } from './market/index.js';
export type { BanditSnapshot, LabelOutcome } from './signals/index.js';
export type { TradeStats as RadarTradeStats } from './manipulation/index.js';
export type { BanditSnapshot as StoredBanditSnapshot, LabelOutcome as StoredLabelOutcome } from './store/index.js';
export { walkBook } from './manipulation/index.js';
export { walkBook as paperWalkBook } from './trading/index.js';
