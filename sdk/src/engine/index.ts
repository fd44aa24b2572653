export * from './createEngine.js';
export * from './engineEvents.js';
export * from './signalState.js';
export { createStoreSignalState, banditStateRow, engineStateRow, type StoreSignalStateOptions } from './storeSignalState.js';
export { simDialectFor } from './exchangeClient.js';
