import type { EquityPoint } from '../metrics.js';
import type { TradeRecord } from '../trades.js';

const TRADE_COLUMNS: (keyof TradeRecord)[] = [
  'tradeId', 'symbol', 'side', 'strategy', 'regime', 'openedAtMs', 'closedAtMs', 'holdMs', 'entryPrice', 'exitPrice', 'sizeBase', 'notionalUsd',
  'grossPnlUsd', 'feesUsd', 'fundingUsd', 'netPnlUsd', 'returnPct', 'rMultiple', 'exitReason',
];

/** A CSV field: quoted when it holds a comma, quote or newline. */
function field(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Trades, one per line, with ISO times next to the ms ones. */
export function tradesCsv(trades: readonly TradeRecord[]): string {
  const header = [...TRADE_COLUMNS, 'openedAt', 'closedAt'];
  const lines = trades.map((t) => [...TRADE_COLUMNS.map((c) => field(t[c])), iso(t.openedAtMs), iso(t.closedAtMs)].join(','));
  return `${[header.join(','), ...lines].join('\n')}\n`;
}

/** The equity curve with its drawdown from the running peak, in percent. */
export function equityCsv(equity: readonly EquityPoint[]): string {
  let peak = -Infinity;
  const lines = equity.map((p) => {
    peak = Math.max(peak, p.equityUsd);
    return [p.atMs, iso(p.atMs), p.equityUsd, ((p.equityUsd - peak) / peak) * 100, p.openPositions].map(field).join(',');
  });
  return `${['atMs', 'at', 'equityUsd', 'drawdownPct', 'openPositions'].join(',')}\n${lines.join('\n')}\n`;
}
