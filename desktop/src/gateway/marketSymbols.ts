import { resolveSymbol, type SymbolMarket, type SymbolResolution } from '@perpscope/shared';
import type { Clock } from '@perpscope/sdk';
import type { Host } from '../host/index.js';

/** `BASE/QUOTE:SETTLE` -> the fields `resolveSymbol` matches on; the id is the venue-neutral `BASEQUOTE`. */
function marketOf(symbol: string): SymbolMarket | null {
  const m = /^([^/]+)\/([^:]+):(.+)$/.exec(symbol);
  if (!m) return null;
  return { symbol, id: `${m[1]}${m[2]}`, base: m[1]!, quote: m[2]!, settle: m[3]!, type: 'swap' };
}

/**
 * The perpetuals an alert may name: the engine's scanned universe (every ranked row) plus the
 * symbols of open positions, so a `close` still finds a position whose market left the universe.
 */
export async function hostMarkets(host: Pick<Host, 'call'>): Promise<SymbolMarket[]> {
  const [ranking, status] = await Promise.all([host.call('rankings.query', { limit: 5_000 }), host.call('trading.status', {})]);
  const symbols = new Set<string>();
  if (ranking.ok) for (const r of ranking.value.rows) symbols.add(r.symbol);
  if (status.ok) for (const p of status.value.positions) symbols.add(p.symbol);
  return [...symbols].flatMap((s) => marketOf(s) ?? []);
}

/**
 * Resolves an alert's symbol (`BINANCE:BTCUSDT.P`, `BTCUSDT`, `BTC/USDT`, `btc-usdt`) to the unified
 * symbol of one of the host's markets with the shared `resolveSymbol`.
 */
export async function resolveAlertSymbol(host: Pick<Host, 'call'>, input: string): Promise<SymbolResolution> {
  return resolveSymbol(input, await hostMarkets(host));
}

export type AlertSymbolResolver = (input: string) => Promise<SymbolResolution>;

/**
 * `resolveAlertSymbol` over a market list kept for `ttlMs` of `clock`, so a burst of alerts reads
 * the ranking once. A symbol the kept list does not know triggers one fresh read (at most every
 * `minRefreshMs`), so a market that just joined the universe or a new position is still found.
 */
export function cachedSymbolResolver(host: Pick<Host, 'call'>, clock: Pick<Clock, 'nowMs'>, ttlMs = 10_000, minRefreshMs = 1_000): AlertSymbolResolver {
  let markets: SymbolMarket[] = [];
  let readAtMs = -Infinity;
  const refresh = async () => {
    markets = await hostMarkets(host);
    readAtMs = clock.nowMs();
  };
  return async (input) => {
    if (clock.nowMs() - readAtMs > ttlMs) await refresh();
    const first = resolveSymbol(input, markets);
    if (first.ok || clock.nowMs() - readAtMs < minRefreshMs) return first;
    await refresh();
    return resolveSymbol(input, markets);
  };
}
