export * from './host.js';
export * from './ports.js';
export * from './runtime.js';
export { adaptMarketEngine, toHealthView, type MarketEngineLike } from './marketAdapter.js';
export { adaptWatchlists, type WatchlistRepositoryLike } from './storeAdapter.js';
export { computeOverlays } from './overlays.js';
export { queryRanking } from './rankingQuery.js';
export { toRpcError } from './rpcErrors.js';
