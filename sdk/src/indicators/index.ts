/**
 * Technical indicators, each as a batch kernel (`number[] | Float64Array` in, `Float64Array` out,
 * `NaN` during warm-up) and as an O(1) streaming class with `add` / `replace` / `getResult`.
 * Conventions and differences from talipp are documented in docs/indicators.md.
 */
export type { Series, HighLowBar, HlcBar, CloseVolumeBar, VwapBar, StreamingIndicator } from './types.js';
export { ema, EMA } from './ema.js';
export { sma, SMA } from './sma.js';
export { rsi, RSI } from './rsi.js';
export { atr, ATR, trueRange } from './atr.js';
export { adx, ADX, type AdxResult, type AdxSeries } from './adx.js';
export { supertrend, Supertrend, type SupertrendResult, type SupertrendSeries } from './supertrend.js';
export { donchian, Donchian, type DonchianResult, type DonchianSeries } from './donchian.js';
export { bollinger, Bollinger, type BollingerResult, type BollingerSeries } from './bollinger.js';
export { macd, MACD, type MacdResult, type MacdSeries } from './macd.js';
export { obv, OBV } from './obv.js';
export { vwap, VWAP } from './vwap.js';
export { realizedVol, RealizedVol } from './realizedVol.js';
