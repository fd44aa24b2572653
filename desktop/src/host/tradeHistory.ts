import { applyFillToPosition, fillExitReason, type Fill, type Ledger, type Store, type StoredOrder, type StoredPosition } from '@perpscope/sdk';
import type { HistoryPageView, HistoryRowView, MethodParams, TradeSourceView } from '@perpscope/shared';

/** Rows a page holds when the caller names no limit. */
export const HISTORY_PAGE_ROWS = 200;

export interface TradeHistoryDeps {
  store: Pick<Store, 'fills' | 'orders' | 'events'>;
  ledger: Ledger;
  exchange: string;
}

/**
 * Who sent an order, from its trade id: tickets and closes are `manual_`/`close_`, panics and the
 * emergency file `panic_`, the auto-trader's trades `<symbol>|<side>|<signal time>` (and
 * `adopted_` positions it protects). A fill without an order of ours is `external`.
 */
export function sourceOf(order: Pick<StoredOrder, 'tradeId' | 'purpose'> | undefined): TradeSourceView {
  if (!order) return 'external';
  const id = order.tradeId ?? '';
  if (order.purpose === 'panic' || id.startsWith('panic_')) return 'panic';
  if (id.startsWith('manual_') || id.startsWith('close_')) return 'manual';
  if (id.includes('|') || id.startsWith('adopted_')) return 'auto';
  return 'external';
}

/**
 * Fills oldest first, each with the PnL it realized before fees (null for a fill that only opened
 * or added), replayed through the sdk's position math: the broker's own netting.
 */
function replayFills(fills: readonly Fill[]): { fill: Fill; realizedPnlUsd: number | null }[] {
  const positions = new Map<string, StoredPosition>();
  const ordered = [...fills].sort((a, b) => a.atMs - b.atMs || a.fillId.localeCompare(b.fillId));
  return ordered.map((f) => {
    const current = positions.get(f.symbol);
    const applied = applyFillToPosition(current, f, { ledger: f.ledger, exchange: f.exchange, leverage: 1, marginMode: 'cross', tradeId: null });
    if (applied.position) positions.set(f.symbol, applied.position);
    else positions.delete(f.symbol);
    const reduced = current !== undefined && (current.side === 'long') !== (f.side === 'buy');
    return { fill: f, realizedPnlUsd: reduced ? applied.realizedPnlUsd : null };
  });
}

/**
 * The PnL a ledger's fills realized, net of every fill's fee (opening fees included): the figure the
 * app shows as "Realized PnL". Net, like "Today" (an equity change, which every fee has already
 * lowered), so the two agree on fees; the live broker reports no realized PnL of its own. Pure.
 */
export function realizedNetOfFeesUsd(fills: readonly Fill[]): number {
  let net = 0;
  for (const { fill, realizedPnlUsd } of replayFills(fills)) net += (realizedPnlUsd ?? 0) - fill.feeCost;
  return net;
}

/**
 * The rows of one ledger's history, newest first: every fill with its fee, the PnL it realized
 * (replayed oldest first through the sdk's position math, the broker's own netting) and the
 * source and exit reason of its order, plus each funding payment. Pure over the store's reads.
 */
export function historyRows(fills: readonly Fill[], orderOf: (clientOrderId: string) => StoredOrder | undefined, funding: readonly { atMs: number; seq: number; symbol: string | null; payload: unknown }[]): HistoryRowView[] {
  const rows: HistoryRowView[] = [];
  for (const { fill: f, realizedPnlUsd } of replayFills(fills)) {
    const order = f.clientOrderId ? orderOf(f.clientOrderId) : undefined;
    rows.push({
      id: f.fillId,
      kind: 'fill',
      atMs: Math.floor(f.atMs),
      symbol: f.symbol,
      side: f.side,
      price: f.price,
      amountBase: f.amountBase,
      notionalUsd: f.price * f.amountBase,
      feeUsd: f.feeCost,
      fundingUsd: 0,
      realizedPnlUsd,
      liquidity: f.liquidity,
      source: sourceOf(order),
      exitReason: fillExitReason(f, orderOf),
      orderId: f.clientOrderId,
    });
  }
  for (const e of funding) {
    const payload = (typeof e.payload === 'object' && e.payload !== null ? e.payload : {}) as Record<string, unknown>;
    const paymentUsd = typeof payload.paymentUsd === 'number' ? payload.paymentUsd : 0;
    rows.push({
      id: `funding_${e.seq}`,
      kind: 'funding',
      atMs: Math.floor(e.atMs),
      symbol: e.symbol ?? '',
      side: null,
      price: typeof payload.markPrice === 'number' ? payload.markPrice : null,
      amountBase: null,
      notionalUsd: null,
      feeUsd: 0,
      fundingUsd: paymentUsd,
      realizedPnlUsd: null,
      liquidity: null,
      source: 'external',
      exitReason: null,
      orderId: null,
    });
  }
  return rows.sort((a, b) => b.atMs - a.atMs || b.id.localeCompare(a.id));
}

/** One page of the ledger's history (see {@link historyRows}), read from the store. */
export function listHistory(deps: TradeHistoryDeps, p: MethodParams<'history.list'>): HistoryPageView {
  const fills = deps.store.fills.since(deps.ledger, 0).filter((f) => f.exchange === deps.exchange);
  const funding = deps.store.events.search({ types: ['funding'], ledger: deps.ledger });
  const all = historyRows(fills, (id) => deps.store.orders.get(id), funding).filter((r) => p.symbol === undefined || r.symbol === p.symbol);
  const offset = p.offset ?? 0;
  return { rows: all.slice(offset, offset + (p.limit ?? HISTORY_PAGE_ROWS)), total: all.length, offset };
}
