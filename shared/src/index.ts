export * from './domain/marketData.js';
export * from './errorCodes.js';
