export * from './domain/marketData.js';
export * from './errorCodes.js';
export * from './backoff.js';
export * from './symbols/normalizeSymbol.js';
export * from './rpc/index.js';
