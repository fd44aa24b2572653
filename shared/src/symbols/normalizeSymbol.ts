/**
 * Maps the many ways traders and exchanges spell a perpetual to ccxt's unified symbol
 * (`BTC/USDT:USDT`). Used at every edge where a symbol enters: CLI flags, webhooks, RPC, files.
 */

/** The subset of a market that normalization needs. */
export interface SymbolMarket {
  symbol: string;
  id: string;
  base: string;
  quote: string;
  settle?: string | undefined;
  type: string;
}

export type SymbolResolution =
  | { ok: true; symbol: string }
  | { ok: false; input: string; reason: string; candidates: string[] };

/** Quote currencies tried, longest first, when a symbol has no separator (`BTCUSDT`). */
const QUOTES = ['FDUSD', 'USDT', 'USDC', 'BUSD', 'USD'] as const;
const VENUE_PREFIX = /^[A-Z0-9_]+:(?=[A-Z0-9])/;
const PERP_SUFFIX = /(\.P|\.PERP|[-_]SWAP|[-_]PERP(ETUAL)?)$/;

interface Parsed {
  base: string;
  quote: string | undefined;
  settle: string | undefined;
  compact: string;
}

function parse(raw: string): Parsed | undefined {
  let s = raw.trim().toUpperCase();
  if (!s) return undefined;
  // `BINANCE:BTCUSDT.P` (TradingView). A unified symbol also has a colon, but after a slash.
  if (!s.includes('/')) s = s.replace(VENUE_PREFIX, '');
  s = s.replace(PERP_SUFFIX, '');
  let settle: string | undefined;
  const colon = s.indexOf(':');
  if (colon >= 0) {
    settle = s.slice(colon + 1) || undefined;
    s = s.slice(0, colon);
  }
  const parts = s.split(/[/_-]/).filter(Boolean);
  if (parts.length === 2) return { base: parts[0]!, quote: parts[1]!, settle, compact: parts.join('') };
  if (parts.length !== 1) return undefined;
  const compact = parts[0]!;
  for (const q of QUOTES) {
    if (compact.length > q.length && compact.endsWith(q)) return { base: compact.slice(0, -q.length), quote: q, settle, compact };
  }
  return { base: compact, quote: undefined, settle, compact };
}

function isPerp(m: SymbolMarket): boolean {
  return m.type === 'swap';
}

/**
 * Resolves `input` against the exchange's `markets`. Prefers linear swaps settled in the quote
 * currency; a bare base (`BTC`) resolves only when exactly one USDT swap has that base.
 *
 * @example
 * resolveSymbol('BINANCE:BTCUSDT.P', markets) // { ok: true, symbol: 'BTC/USDT:USDT' }
 */
export function resolveSymbol(input: string, markets: readonly SymbolMarket[]): SymbolResolution {
  const fail = (reason: string, candidates: string[] = []): SymbolResolution => ({ ok: false, input, reason, candidates });
  if (typeof input !== 'string') return fail('expected a string such as BTC/USDT:USDT or BTCUSDT');
  const exact = markets.find((m) => isPerp(m) && m.symbol === input.trim());
  if (exact) return { ok: true, symbol: exact.symbol };
  const p = parse(input);
  if (!p) return fail('expected a symbol such as BTC/USDT:USDT, BTCUSDT, BTC-USDT or BINANCE:BTCUSDT.P');

  const byId = markets.filter((m) => isPerp(m) && m.id.toUpperCase().replace(/[/_-]/g, '').replace(/SWAP$/, '') === p.compact);
  const byParts = markets.filter(
    (m) =>
      isPerp(m) &&
      m.base.toUpperCase() === p.base &&
      (p.quote === undefined ? m.quote.toUpperCase() === 'USDT' : m.quote.toUpperCase() === p.quote) &&
      (p.settle === undefined ? (m.settle ?? m.quote).toUpperCase() === m.quote.toUpperCase() : (m.settle ?? '').toUpperCase() === p.settle),
  );
  const found = [...new Map([...byParts, ...byId].map((m) => [m.symbol, m])).values()];
  if (found.length === 1) return { ok: true, symbol: found[0]!.symbol };
  if (found.length > 1) return fail('ambiguous: more than one perpetual matches', found.map((m) => m.symbol).sort());
  const near = markets
    .filter((m) => isPerp(m) && m.base.toUpperCase() === p.base)
    .map((m) => m.symbol)
    .slice(0, 5);
  return fail(near.length ? 'no perpetual with that quote/settle currency' : 'no perpetual with that base currency on this exchange', near);
}
