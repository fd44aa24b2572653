import type { WarmUpView } from '@perpscope/shared';

/** "35s", "4m 10s": the warm start's time left, coarse enough not to flicker batch to batch. */
export function fmtEta(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return s % 60 ? `${m}m ${s % 60}s` : `${m}m`;
}

/**
 * The status line for an engine still warming up, e.g. "warming up 120/400 symbols · 1h 4h · ~35s
 * left"; null once it is done (or before anything was heard of a warm start).
 */
export function warmUpLabel(p: WarmUpView | null): string | null {
  if (!p || p.done) return null;
  const what = p.total > 0 ? `warming up ${p.seeded}/${p.total} symbols` : 'warming up';
  const tfs = p.timeframes.length ? ` · ${p.timeframes.join(' ')}` : '';
  const eta = p.etaMs !== null && p.etaMs > 0 ? ` · ~${fmtEta(p.etaMs)} left` : '';
  return `${what}${tfs}${eta}`;
}

/** What the rankings table says while it has no row: the warm-up's progress when one runs. */
export function emptyRankingsText(p: WarmUpView | null, hasRows: boolean): string {
  if (hasRows) return 'No symbol matches the filters';
  const label = warmUpLabel(p);
  if (label) return `${label[0]!.toUpperCase()}${label.slice(1)}: the first symbols are ranked as soon as their history is in`;
  return 'The engine has not ranked any market yet';
}
