import type { Exchange } from 'ccxt';
import type { Clock } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';
import { BinanceUsdmGateway } from './binanceUsdmGateway.js';
import { BybitGateway } from './bybitGateway.js';
import { CcxtOrderGateway } from './ccxtGateway.js';
import { HtxGateway } from './htxGateway.js';
import { DEFAULT_READ_RETRY, type CcxtGatewayBase, type ReadRetry } from './ccxtGatewayBase.js';

/** The ccxt classes live trading has a gateway for. */
export const LIVE_TRADING_EXCHANGES = ['blofin', 'binanceusdm', 'bybit', 'htx'] as const;

/**
 * The one place a venue's order gateway is chosen, by the ccxt class's id (`ex.id`, whatever label
 * the rows are kept under): BloFin's TP/SL and order-detail endpoints, or Binance USD-M's
 * conditional (algo) orders and `origClientOrderId` lookups, or Bybit v5's conditional orders and
 * `orderLinkId` lookups, or HTX's v5 trade and algo orders keyed by integer client ids. Any other
 * exchange is a ConfigError:
 * guessing its endpoints would place orders nobody could look up again.
 */
export function createOrderGateway(ex: Exchange, exchangeId: string, clock: Clock, retry: ReadRetry = DEFAULT_READ_RETRY, resync?: () => Promise<void>): CcxtGatewayBase {
  switch (ex.id) {
    case 'blofin':
      return new CcxtOrderGateway(ex, exchangeId, clock, retry, resync);
    case 'binanceusdm':
      return new BinanceUsdmGateway(ex, exchangeId, clock, retry, resync);
    case 'bybit':
      return new BybitGateway(ex, exchangeId, clock, retry, resync);
    case 'htx':
      return new HtxGateway(ex, exchangeId, clock, retry, resync);
    default:
      throw new ConfigError([{ path: 'exchange', received: JSON.stringify(ex.id), expected: `an exchange live trading supports: ${LIVE_TRADING_EXCHANGES.join(', ')}` }]);
  }
}
