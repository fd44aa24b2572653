/**
 * SimExchange: one simulated market behind a choice of wire dialects (`dialect` option). The
 * Binance USD-M dialect (`binanceusdm`) serves `fapi` REST for ccxt's unmodified `binanceusdm`
 * through {@link createBinanceUsdmClient}: quantities in base, `{ code, msg }` errors with
 * Binance's codes, HMAC `signature` + `X-MBX-APIKEY` + `recvWindow`, a 2,400/min request-weight
 * budget (`X-MBX-USED-WEIGHT-1M`, 429 with `Retry-After`), and conditional orders through
 * `algoOrder`; Bybit v5 (`bybit`) and HTX linear swaps (`htx`) likewise, each with its public and
 * private websockets. `faults.corruptMarketData` and the IP suspension apply to BloFin's REST
 * answers and websocket pushes only (hangs, latency, 5xx, `burst429`, clock skew, silenced
 * websockets and the order faults apply to every dialect). The default dialect is a loopback BloFin (REST `/api/v1/*`, websockets `/ws/public`, `/ws/private`) that
 * ccxt's unmodified `ccxt.pro.blofin` trades against once {@link createBlofinClient} points its
 * URLs at it. Wire facts clients rely on:
 *
 * - Sizes count contracts, as on BloFin: each instrument's `contractValue` is base units per
 *   contract (BTC-USDT 0.001, lot and minimum 0.1). Convert with `market/contractUnits`.
 * - Candle rows are `[ts, o, h, l, c, vol, volCurrency, volCurrencyQuote, confirm]`, newest first;
 *   `confirm` "0" marks the forming bar. ccxt drops `confirm`: a bar is confirmed once a bar with a
 *   later open time has arrived (or read the raw row via `publicGetMarketCandles`).
 * - ccxt blofin never sends `since` for candles: page backwards with `params.until` (BloFin
 *   `after`, exclusive), or forwards with `{ before: since - 1, until }`. `paginate: true` only
 *   returns the newest page.
 * - Swap tickers carry no quote volume in BloFin's API (ccxt `quoteVolume` is undefined), nor do
 *   the sim's: estimate it as `baseVolume * contractSize * last`, or sum the 1h candles.
 * - ccxt blofin has no `fetchOrder`: use `privateGetTradeOrderDetail({ instId, orderId |
 *   clientOrderId })` and `parseOrder(res.data)`; unknown orders fail with 102067 (OrderNotFound).
 * - Business and auth errors answer HTTP 200 with BloFin's code. A refused order (place or
 *   cancel, single or batch) is the per-order envelope: top-level `1` ("All operations failed")
 *   or `2` ("Partially succeeded") with each order's `code`/`msg` in `data[]`; ccxt then throws a
 *   bare ExchangeError, which `unwrapItemError` (core/ccxtErrors) turns into the item's class. A
 *   reused `clientOrderId` is item code 102002 (InvalidOrder), missing margin 103003
 *   (InsufficientFunds).
 * - A repeated ACCESS-NONCE within 60 s is refused with 152407 (InvalidNonce): build clients with
 *   {@link createBlofinClient} (which installs `uniqueSignNonces`). ACCESS-TIMESTAMP must be within 60 s.
 * - Order and fill history (and pending lists) serve 20 rows unless `limit` (max 100) says
 *   otherwise, newest first, paged by `after`/`before` ids.
 * - HTTP 5xx come back as gateway pages (ccxt ExchangeNotAvailable); 429 carries BloFin's body
 *   (ccxt RateLimitExceeded). Overflowing a REST window suspends the IP (5 min past 500/min, 1 h
 *   past 1,500/5 min) and the firewall answers 403 meanwhile, unless
 *   `faults.penalizeRateLimits(false)`.
 */
export { startSimExchange } from './server.js';
export { createBinanceUsdmClient, createBlofinClient } from './client.js';
export { createBybitClient } from './client.js';
export { createHtxClient } from './client.js';
export { loadSimClient, setUpBinanceUsdmClient, setUpBlofinClient, setUpBybitClient, setUpHtxClient } from './clientSetup.js';
export { htxSign } from './dialects/index.js';
export { SIM_DIALECTS, parseDialect, binanceSign, type SimDialectName } from './dialects/index.js';
export { createMarketGenerator, type MarketGenerator, type MarketGeneratorOptions } from './generator.js';
export { createReplaySource, type ReplaySource } from './replay.js';
export { SlidingWindowLimiter, BLOFIN_REST_WINDOWS, BLOFIN_TRADE_WINDOWS, type RateWindow } from './rateLimiter.js';
export { blofinSign } from './auth.js';
export { MARKET_DATA_FAULTS, MARKET_DATA_FAULT_KINDS, MARKET_DATA_FAULT_MODES, type MarketDataFaultKind, type MarketDataFaultMode } from './marketDataFaults.js';
export type {
  AccountSnapshot,
  FaultController,
  GroundTruthEpisode,
  MarketSource,
  RequestLogEntry,
  SimApiKey,
  SimCandle,
  SimExchange,
  SimExchangeOptions,
  SimMarket,
  SimStats,
  Stats24h,
} from './types.js';
export { parseRecordedCsv, parseRecordedTimeMs } from './replayFiles.js';
export type { BarSeries } from './replayFiles.js';
