import { readFileSync } from 'node:fs';
import { ConfigError } from '../core/errors.js';
import type { TradeRecord } from './trades.js';

/** Fields compared between a baseline trade and a new one (times and prices decide a trade). */
const FIELDS: (keyof TradeRecord)[] = ['symbol', 'side', 'strategy', 'openedAtMs', 'closedAtMs', 'entryPrice', 'exitPrice', 'sizeBase', 'feesUsd', 'fundingUsd', 'netPnlUsd', 'exitReason'];

function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  return a === b;
}

/**
 * Every difference between the baseline's trades and a new run's, one readable line each:
 * a trade only in one of them, or a field that changed (`- old` / `+ new`). Empty when equal.
 */
export function diffTrades(baseline: readonly TradeRecord[], actual: readonly TradeRecord[]): string[] {
  const before = new Map(baseline.map((t) => [t.tradeId, t]));
  const after = new Map(actual.map((t) => [t.tradeId, t]));
  const ids = [...new Set([...before.keys(), ...after.keys()])].sort();
  const out: string[] = [];
  for (const id of ids) {
    const a = before.get(id);
    const b = after.get(id);
    if (!b) {
      out.push(`- ${id}: trade gone (was ${a!.side} ${a!.symbol}, net ${a!.netPnlUsd.toFixed(4)} USD)`);
      continue;
    }
    if (!a) {
      out.push(`+ ${id}: new trade (${b.side} ${b.symbol}, net ${b.netPnlUsd.toFixed(4)} USD)`);
      continue;
    }
    for (const f of FIELDS) {
      if (!same(a[f], b[f])) out.push(`~ ${id} ${f}: - ${String(a[f])} + ${String(b[f])}`);
    }
  }
  return out;
}

/** The trades of a baseline file: a `result.json` of an earlier run, or a bare array of trades. */
export function readBaselineTrades(file: string): TradeRecord[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError([{ path: 'baseline', received: file, expected: `a readable JSON file (${err instanceof Error ? err.message : String(err)})` }]);
  }
  const trades = Array.isArray(parsed) ? parsed : (parsed as { trades?: unknown } | null)?.trades;
  if (!Array.isArray(trades) || !trades.every((t) => typeof t === 'object' && t !== null && typeof (t as TradeRecord).tradeId === 'string')) {
    throw new ConfigError([{ path: 'baseline', received: file, expected: 'a backtest result.json (with "trades") or an array of trades with tradeId' }]);
  }
  return trades as TradeRecord[];
}
