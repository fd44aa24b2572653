/**
 * RPC contract between the Perpscope host and its UIs (Electron bridge and server-mode WebSocket).
 * Every command replies with `Result<T>` = `{ ok: true, value } | { ok: false, error: { code,
 * message, details? } }`; invalid params get `INVALID_INPUT` naming the field, the value and what
 * was expected.
 *
 * Commands (params -> value):
 * - `rankings.query` {profile?, search?, watchlist?, minQuoteVolumeUsd?, maxManipScore?, sortBy?, sortDir?, offset?, limit?} -> RankingSnapshot
 * - `symbol.inspect` {symbol, timeframe?} -> SymbolDetail
 * - `candles.get` {symbol, timeframe, limit?, toMs?, indicators?} -> {symbol, timeframe, candles, overlays}
 * - `signals.list` {symbol?, sinceMs?, limit?} -> {signals}
 * - `trading.status` {} -> TradingStatus (mode, autotrade, kill switch, edge gate, account, positions, open orders)
 * - `trading.setAutotrade` {enabled} -> {autotrade}
 * - `orders.place` {symbol, side, type, amountBase | notionalUsd, price?, takeProfitPrice?, stopLossPrice?, leverage?, reduceOnly?} -> {order}
 * - `orders.cancel` {orderId} -> {order}
 * - `orders.history` {limit?} -> {orders, fills} (from the store, newest first)
 * - `orders.preview` {symbol (any spelling), side, type, amountBase? | notionalUsd?, price?, leverage?} -> notional, margin, fee, liquidation price, free margin
 * - `orders.amendTrigger` {orderId, triggerPrice} -> {order, replaced} (a working SL/TP moved)
 * - `positions.setTrigger` {symbol, kind: sl|tp, triggerPrice} -> {order, replaced|null} (a position's SL/TP moved, or placed when missing)
 * - `history.list` {offset?, limit?, symbol?} -> {rows, total, offset} (fills and funding with PnL, source, exit reason)
 * - `positions.close` {symbol} -> {order}
 * - `emergency.killSwitch` {active, reason?} -> KillSwitchState
 * - `emergency.panic` {confirm: true, symbols?} -> PanicReport
 * - `settings.get` {} -> {fields}
 * - `settings.set` {values: {path: value}} -> {fields}
 * - `profiles.list` {} -> {active, profiles}
 * - `profiles.apply` {name, weights?} -> {active, profiles}
 * - `watchlists.list` {} -> {watchlists}
 * - `watchlists.save` {name, symbols} -> {watchlist}
 * - `watchlists.delete` {name} -> {deleted}
 * - `keys.set` {exchange, label, apiKey, secret, password?} -> {exchange, label} (write-only)
 * - `keys.list` {} -> {keys: [{exchange, label}]} (labels only)
 * - `keys.delete` {exchange, label} -> {deleted}
 * - `keys.test` {exchange, label} -> KeyTestReport
 * - `health.get` {} -> Health
 * - `backtest.datasets` {} -> {datasets, problems, strategies, defaults}
 * - `backtest.start` {dataset, timeframe, symbols, fromMs, toMs, warmupBars?, initialBalanceUsd?, riskPerTradePct?, maxPositions?, maxExposureUsd?, strategies?} -> {runId}
 * - `backtest.cancel` {runId} -> {cancelled}
 * - `backtest.list` {limit?} -> {runs, active}
 * - `backtest.get` {id} -> BacktestRun (metrics, equity, drawdown, trades, byStrategy, bySide, monthly)
 * - `backtest.bars` {id, symbol, fromMs, toMs} -> {symbol, timeframe, candles, overlays} (from the run's recorded data)
 * - `backtest.report` {id, kind} -> {fileName, mimeType, base64} (one of the run's report files)
 * - `chart.studies` {symbol, timeframe, studies, limit?, toMs?} -> {symbol, timeframe, times, studies} (rsi, macd, bollinger, vwap)
 * - `chart.flags` {symbol, sinceMs?} -> {symbol, flags} (each flag where it first fired, with its evidence)
 * - `drawings.list` {symbol} -> {symbol, drawings}; `drawings.save` {symbol, drawing} -> {drawing}; `drawings.delete` {symbol, id} -> {deleted}
 *
 * Events: `ranking`, `signal`, `order`, `fill`, `position`, `health`, `alert`, `backtest.progress`, `warmup.progress` (see `RPC_EVENTS`).
 * Wire (WebSocket at `/rpc`): `{ id, method, params }` -> `{ id, result }`; pushes `{ event, data }`
 * and a `{ heartbeat }` every second, from which the client derives its connection state.
 * Request frames are parsed by `parseRequestFrame` (size and depth limits, no `__proto__`,
 * `constructor` or `prototype` keys).
 */
export * from './result.js';
export * from './dto.js';
export * from './backtestDto.js';
export * from './deskDto.js';
export * from './chartDto.js';
export * from './drawingDto.js';
export * from './methods.js';
export * from './events.js';
export * from './wire.js';
export * from './frame.js';
export * from './connection.js';
export * from './client.js';
export * from './transports.js';
export * from './webSocketTransport.js';
