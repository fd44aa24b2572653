import { ErrorCode, resolveSymbol, type Market } from '@perpscope/shared';
import type { Exchange } from 'ccxt';
import { InvalidInputError, PerpscopeError } from '../core/errors.js';
import { createCcxtExchange } from '../engine/exchangeClient.js';
import type { ExchangeSecret } from '../secrets/index.js';
import type { SimExchange } from '../sim/index.js';

/**
 * The test key an in-process SimExchange started by `openPerpscope` verifies signatures against
 * (the desktop's sim uses the same one). `trade.live` on the sim signs with it by itself: it moves
 * no real money and never needs a keychain entry.
 */
export const SIM_TEST_API_KEY = { apiKey: 'perpscope-sim-key', secret: 'perpscope-sim-secret', password: 'perpscope-sim-pass' } as const;

/**
 * The ccxt client that trades on an in-process SimExchange, by the dialect it speaks: ccxt's real
 * `blofin`, `binanceusdm`, `bybit` or `htx` class pointed at loopback. Without `secret` it signs with the sim's own
 * test key. The class decides the order gateway (see createOrderGateway).
 */
export async function simTradingClient(sim: SimExchange, timeoutMs: number, secret?: ExchangeSecret): Promise<Exchange> {
  const { loadSimClient } = await import('../sim/clientSetup.js');
  const credentials = secret ? { apiKey: secret.apiKey, secret: secret.secret, ...(secret.password !== undefined ? { password: secret.password } : {}) } : {};
  return loadSimClient(sim, { ...credentials, timeout: timeoutMs, enableRateLimit: true });
}

/**
 * The ccxt client a live session trades through, with `secret`: SimExchange's private API in the
 * dialect the sim speaks when the engine runs on it (the sim checks the signature against the key
 * it was started with), else `venue`'s own ccxt class.
 */
export async function liveExchangeClient(venue: string, secret: ExchangeSecret, sim: SimExchange | undefined, timeoutMs: number, sandbox = false): Promise<Exchange> {
  const credentials = { apiKey: secret.apiKey, secret: secret.secret, ...(secret.password !== undefined ? { password: secret.password } : {}) };
  if (sim) return simTradingClient(sim, timeoutMs, secret);
  const client = await createCcxtExchange(venue, { timeoutMs, sandbox });
  Object.assign(client, credentials, { enableRateLimit: true });
  return client;
}

/** The unified symbol of `input` on this exchange, or an error naming the field, the value and near matches. */
export function unifiedSymbol(input: string, markets: readonly Market[], field = 'symbol'): string {
  if (markets.length === 0) throw new PerpscopeError(ErrorCode.InvalidInput, 'No markets loaded yet: start() the engine first', { details: { field } });
  const r = resolveSymbol(input, markets);
  if (r.ok) return r.symbol;
  const near = r.candidates.length ? ` (did you mean ${r.candidates.join(', ')}?)` : '';
  throw new InvalidInputError('order', [{ path: field, received: JSON.stringify(input), expected: `a perpetual of this exchange such as BTCUSDT or BTC/USDT:USDT: ${r.reason}${near}` }], ErrorCode.UnknownSymbol);
}
