import { Agent } from 'node:http';
import ccxt from 'ccxt';
import { createBlofinClient, startSimExchange, type SimExchange, type SimExchangeOptions } from '../../src/sim/index.js';
import { SIM_START_MS } from '../../../test/support/sim.js';

export const KEY = { apiKey: 'fidelity-key', secret: 'fidelity-secret', password: 'fidelity-pass' };
export const SYMBOL = 'ETH/USDT:USDT';
export type Client = InstanceType<typeof ccxt.pro.blofin>;

/** A sim with the test key and a funded account; `opts` override the defaults. */
export function startFidelitySim(opts: SimExchangeOptions = {}): Promise<SimExchange> {
  return startSimExchange({ symbols: 4, seed: 21, startTimeMs: SIM_START_MS, historyBars: 50, apiKey: KEY, initialBalanceUsdt: 100_000, rateLimitScale: 20, ...opts });
}

/** The client the engine uses against the sim (unique nonces installed). */
export function client(sim: SimExchange, extra: Record<string, unknown> = {}): Client {
  return createBlofinClient(sim, { enableRateLimit: false, timeout: 5_000, ...extra });
}

/**
 * ccxt's blofin exactly as it ships, pointed at the sim, with none of Perpscope's additions:
 * what a plain ccxt user would send to BloFin.
 */
export function bareClient(sim: SimExchange, credentials: Partial<typeof KEY> = KEY): Client {
  const ex = new ccxt.pro.blofin({ ...credentials, enableRateLimit: false, timeout: 5_000 });
  ex.urls = { ...ex.urls, api: { ...(ex.urls.api as Record<string, unknown>), rest: sim.url, ws: { swap: { public: `${sim.wsUrl}/public`, private: `${sim.wsUrl}/private` } } } };
  ex.httpAgent = new Agent({ keepAlive: true });
  return ex;
}

/** What a call threw (fails the test when it resolved). */
export async function thrown(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail, it succeeded');
}

/** The exact ccxt class of an error (not a parent). */
export function className(err: unknown): string {
  return (err as { constructor: { name: string } }).constructor.name;
}

/** HTTP status of the sim's most recent request to `path`. */
export function lastStatus(sim: SimExchange, path: string): number {
  const log = sim.requestLog().filter((r) => r.path === path);
  return log[log.length - 1]?.status ?? -1;
}

/** Mid price of `symbol` from a fresh book. */
export async function mid(ex: Client, symbol = SYMBOL): Promise<number> {
  const book = await ex.fetchOrderBook(symbol, 5);
  return ((book.bids[0]?.[0] ?? 0) + (book.asks[0]?.[0] ?? 0)) / 2;
}
