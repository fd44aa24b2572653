export { openPerpscope } from './openPerpscope.js';
export type { OpenPerpscopeOptions, Perpscope } from './openPerpscope.js';
export type { TradingSession } from './tradingSession.js';
export { LIVE_CONFIRM_PHRASE, SessionOrderInputSchema } from './facadeInput.js';
export type { LiveOptions, PaperOptions, SessionOrderInput, ScanOptions } from './facadeInput.js';
export { SIM_TEST_API_KEY, liveExchangeClient } from './liveExchange.js';
