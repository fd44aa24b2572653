export * from './createEngine.js';
export * from './engineEvents.js';
export * from './signalState.js';
export { createStoreSignalState, banditStateRow, engineStateRow, type StoreSignalStateOptions } from './storeSignalState.js';
export { simDialectFor, venueCommandFlags, venueExchangeId } from './exchangeClient.js';
export { mergeVenueRows, topOfEachMeasure, venueBoard, venueQuotes, type VenueBoard, type VenueEngine, type VenueRankingRow } from './venueBoard.js';
