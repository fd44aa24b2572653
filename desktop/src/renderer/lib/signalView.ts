import type { SignalView } from '@perpscope/shared';

/** Columns the signal feed sorts by. */
export type SignalSortKey = 'time' | 'symbol' | 'score' | 'probability';
export const SIGNAL_SORT_KEYS: readonly SignalSortKey[] = ['time', 'symbol', 'score', 'probability'];

export interface SignalFilter {
  /** A strategy id that must be among the signal's agreeing components; null: any. */
  strategy: string | null;
  side: 'long' | 'short' | null;
  timeframe: string | null;
}

/** The strategies behind a signal: its component ids, which name the agreeing strategies. */
export function strategiesOf(s: SignalView): string[] {
  return Object.keys(s.components);
}

/** Every strategy, timeframe seen in `items`, sorted, for the filter menus. */
export function signalFacets(items: readonly SignalView[]): { strategies: string[]; timeframes: string[] } {
  const strategies = new Set<string>();
  const timeframes = new Set<string>();
  for (const s of items) {
    for (const k of strategiesOf(s)) strategies.add(k);
    timeframes.add(s.timeframe);
  }
  return { strategies: [...strategies].sort(), timeframes: [...timeframes].sort(byTimeframe) };
}

const TF_UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
/** Timeframes shortest first (`1m` < `15m` < `1h` < `4h` < `1d`); unknown shapes after, by name. */
function byTimeframe(a: string, b: string): number {
  const ms = (tf: string) => {
    const m = /^(\d+)([mhdw])$/.exec(tf);
    return m ? Number(m[1]) * TF_UNIT_MS[m[2]!]! : Number.POSITIVE_INFINITY;
  };
  return ms(a) - ms(b) || a.localeCompare(b);
}

/**
 * Filters and sorts the feed. Score sorts by strength (|score|: a short's score is negative);
 * probability only ranks calibrated signals, uncalibrated ones go last. Ties keep newest first.
 */
export function viewSignals(items: readonly SignalView[], filter: SignalFilter, sortKey: SignalSortKey, dir: 'asc' | 'desc'): SignalView[] {
  const out = items.filter(
    (s) =>
      (filter.side === null || s.side === filter.side) &&
      (filter.timeframe === null || s.timeframe === filter.timeframe) &&
      (filter.strategy === null || filter.strategy in s.components),
  );
  const sign = dir === 'asc' ? 1 : -1;
  const newest = (a: SignalView, b: SignalView) => b.createdAtMs - a.createdAtMs || a.id.localeCompare(b.id);
  out.sort((a, b) => {
    switch (sortKey) {
      case 'time':
        return sign * (a.createdAtMs - b.createdAtMs) || a.id.localeCompare(b.id);
      case 'symbol':
        return sign * a.symbol.localeCompare(b.symbol) || newest(a, b);
      case 'score':
        return sign * (Math.abs(a.score) - Math.abs(b.score)) || newest(a, b);
      case 'probability': {
        const pa = a.calibrated ? a.probability : null;
        const pb = b.calibrated ? b.probability : null;
        if (pa === null || pb === null) return pa === pb ? newest(a, b) : pa === null ? 1 : -1;
        return sign * (pa - pb) || newest(a, b);
      }
    }
  });
  return out;
}

/** The outcome cell: text, colour class and an explanation. */
export function outcomeText(outcome: SignalView['outcome']): { text: string; cls: string; title: string } {
  switch (outcome) {
    case 'tp':
      return { text: 'target', cls: 'up', title: 'Reached the take-profit before the stop' };
    case 'sl':
      return { text: 'stop', cls: 'down', title: 'Hit the stop first (or both within one bar: the path inside a bar is unknown)' };
    case 'timeout':
      return { text: 'timeout', cls: 'muted', title: 'Neither target nor stop within the labeler horizon' };
    case 'open':
      return { text: 'open', cls: '', title: 'Not resolved yet' };
    default:
      return { text: '—', cls: 'muted', title: 'This host does not report signal outcomes' };
  }
}
