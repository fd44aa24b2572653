import { issueText, type FieldIssue } from './tpslInput.js';

export type TimeInForceInput = 'GTC' | 'IOC' | 'FOK';

/** The part of a ticket checked before it is sent; the host checks it again (the contract's schema). */
export interface TicketTiming {
  type: 'market' | 'limit';
  postOnly: boolean;
  timeInForce: TimeInForceInput;
}

/**
 * Post-only and time in force as the venues take them: both belong to limit orders; a post-only
 * order rests on the book, so it cannot be IOC or FOK (which never rest). Returns each problem
 * keyed by the contract's field name, with a message naming the field, value and expectation.
 */
export function validateTiming(t: TicketTiming): Record<string, string> {
  const issues: FieldIssue[] = [];
  if (t.postOnly && t.type !== 'limit') issues.push({ field: 'postOnly', value: `on (${t.type} order)`, expected: 'a limit order: a market order always takes liquidity' });
  if (t.timeInForce !== 'GTC' && t.type !== 'limit') issues.push({ field: 'timeInForce', value: `${t.timeInForce} (${t.type} order)`, expected: 'GTC for a market order; IOC and FOK are for limit orders' });
  else if (t.postOnly && t.timeInForce !== 'GTC') issues.push({ field: 'timeInForce', value: `${t.timeInForce} with post-only`, expected: 'GTC: a post-only order rests on the book, IOC and FOK never rest' });
  const out: Record<string, string> = {};
  for (const i of issues) out[i.field] = issueText(i);
  return out;
}

/** The contract's `postOnly` / `timeInForce` of a ticket: set only where they differ from a plain GTC limit. */
export function timingParams(t: TicketTiming): { postOnly?: true; timeInForce?: 'IOC' | 'FOK' } {
  if (t.type !== 'limit') return {};
  return { ...(t.postOnly ? { postOnly: true as const } : {}), ...(t.timeInForce !== 'GTC' ? { timeInForce: t.timeInForce } : {}) };
}

/** The part of the host's preview a ticket's TP/SL is measured from. */
export interface PricedTicket {
  /** The unified symbol the preview priced. */
  symbol: string;
  priceUsd: number;
  leverage: number;
  liquidationPrice: number | null;
}

const UNIFIED_SYMBOL = /^[A-Za-z0-9._-]+\/[A-Z0-9]+:[A-Z0-9]+$/;

/**
 * The preview when it can answer this ticket: the caller clears `priced` the moment the ticket
 * changes, and a unified symbol typed must be the one it priced. Another symbol's price and
 * leverage must never place a TP/SL.
 */
export function freshPriced<P extends PricedTicket>(priced: P | null, typedSymbol: string): P | null {
  if (!priced) return null;
  const typed = typedSymbol.trim();
  return UNIFIED_SYMBOL.test(typed) && priced.symbol !== typed ? null : priced;
}

/**
 * What a ticket's TP/SL are measured from: the limit price of a limit, else the fresh preview's
 * executable price; the leverage typed, else the preview's (the policy's default). Each is unknown
 * (0 / null) while no fresh preview answers: % and ROE then wait for one, a plain price is sent as
 * typed and checked by the host. `entryFromPreview` / `leverageFromPreview` say which figures a
 * preview must supply.
 */
export function ticketBasis(t: { side: 'buy' | 'sell'; type: 'market' | 'limit'; limitPrice: number | undefined; leverage: number | undefined; fresh: PricedTicket | null }) {
  const limitEntry = t.type === 'limit' && t.limitPrice !== undefined && t.limitPrice > 0 ? t.limitPrice : null;
  const typedLev = t.leverage !== undefined && t.leverage >= 1 ? t.leverage : null;
  return {
    side: t.side === 'buy' ? ('long' as const) : ('short' as const),
    entryPrice: limitEntry ?? t.fresh?.priceUsd ?? 0,
    leverage: typedLev ?? t.fresh?.leverage ?? null,
    liquidationPrice: t.fresh?.liquidationPrice ?? null,
    entryFromPreview: limitEntry === null,
    leverageFromPreview: typedLev === null,
  };
}

/**
 * At send time, the % / ROE fields that were measured from a preview of a symbol other than the
 * one being sent (or from none): their prices would be wrong. Empty when every level stands.
 */
export function staleMeasuredFields(
  levels: readonly { kind: 'tp' | 'sl'; mode: 'price' | 'pct' | 'roe'; raw: string }[],
  basis: { entryFromPreview: boolean; leverageFromPreview: boolean },
  pricedSymbol: string | null,
  sendSymbol: string,
): ('tp' | 'sl')[] {
  if (pricedSymbol === sendSymbol) return [];
  return levels
    .filter((l) => l.raw.trim() !== '' && (l.mode === 'pct' ? basis.entryFromPreview : l.mode === 'roe' ? basis.entryFromPreview || basis.leverageFromPreview : false))
    .map((l) => l.kind);
}
