import type { AlertView, FillView, SignalView } from '@perpscope/shared';

/**
 * In-app alerts: which host events raise a toast, and whether a toast also beeps or shows an OS
 * notification. Pure: the store feeds events in and delivers what comes out.
 */
export interface AlertPrefs {
  /** New signals from the signal engine. */
  signals: boolean;
  /** Only signals at least this strong (|score|); null: every signal. */
  signalMinScore: number | null;
  /** Manipulation flags (and market stress) the engine raises on held and watched symbols. */
  manipulation: boolean;
  /** Fills of the trader's orders, entries and exits. */
  fills: boolean;
  /** A short beep with each alert. */
  sound: boolean;
  /** An OS notification with each alert (needs the browser's permission). */
  desktop: boolean;
}

export const DEFAULT_ALERT_PREFS: Readonly<AlertPrefs> = { signals: false, signalMinScore: null, manipulation: true, fills: true, sound: false, desktop: false };

/** A stored preference object, field by field: anything missing or of the wrong type takes its default. */
export function parseAlertPrefs(raw: unknown): AlertPrefs {
  const o = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const bool = (k: keyof AlertPrefs): boolean => (typeof o[k] === 'boolean' ? (o[k] as boolean) : (DEFAULT_ALERT_PREFS[k] as boolean));
  const min = o['signalMinScore'];
  return {
    signals: bool('signals'),
    signalMinScore: typeof min === 'number' && Number.isFinite(min) && min >= 0 ? min : null,
    manipulation: bool('manipulation'),
    fills: bool('fills'),
    sound: bool('sound'),
    desktop: bool('desktop'),
  };
}

export type AlertKind = 'signal' | 'manipulation' | 'fill';

export interface Toast {
  /** Stable per source event, so one event never raises two toasts. */
  id: string;
  kind: AlertKind;
  level: 'info' | 'warn' | 'error';
  title: string;
  body: string;
  symbol: string | null;
}

export type AlertSource = { event: 'signal'; data: SignalView } | { event: 'alert'; data: AlertView } | { event: 'fill'; data: FillView };

const MANIPULATION_KINDS = new Set(['manipulation', 'market_stress']);

const base = (symbol: string): string => symbol.split('/')[0] ?? symbol;
const num = (x: number, digits = 6): string => (Number.isFinite(x) ? String(+x.toPrecision(digits)) : '—');

/** The toast an event raises under `prefs`, or null when the trader did not ask for it. */
export function toastFor(src: AlertSource, prefs: AlertPrefs): Toast | null {
  switch (src.event) {
    case 'signal': {
      const s = src.data;
      if (!prefs.signals) return null;
      if (prefs.signalMinScore !== null && Math.abs(s.score) < prefs.signalMinScore) return null;
      const prob = s.calibrated ? `, p ${num(s.probability, 2)}` : '';
      return {
        id: `signal:${s.id}`,
        kind: 'signal',
        level: 'info',
        title: `Signal ${s.side.toUpperCase()} ${base(s.symbol)} ${s.timeframe}`,
        body: `score ${num(s.score, 3)}${prob}${s.entryPrice !== null ? ` · entry ${num(s.entryPrice)}` : ''}${s.stopPrice !== null ? ` · stop ${num(s.stopPrice)}` : ''}`,
        symbol: s.symbol,
      };
    }
    case 'alert': {
      const a = src.data;
      if (!prefs.manipulation || !MANIPULATION_KINDS.has(a.kind)) return null;
      return {
        id: `alert:${a.id}`,
        kind: 'manipulation',
        level: a.level === 'info' ? 'warn' : a.level,
        title: a.kind === 'market_stress' ? 'Market stress' : `Manipulation flag${a.symbol ? ` ${base(a.symbol)}` : ''}`,
        body: a.message,
        symbol: a.symbol,
      };
    }
    case 'fill': {
      const f = src.data;
      if (!prefs.fills) return null;
      const what = f.exitReason ? `closed (${f.exitReason})` : 'filled';
      return {
        id: `fill:${f.id}`,
        kind: 'fill',
        level: 'info',
        title: `${f.side.toUpperCase()} ${base(f.symbol)} ${what}`,
        body: `${num(f.amountBase)} @ ${num(f.price)} · fee ${num(f.feeUsd, 3)} USD · ${f.liquidity}`,
        symbol: f.symbol,
      };
    }
  }
}

/** The toast list after `toast` arrives: newest first, no duplicate id, at most `max`. */
export function pushToast(list: readonly Toast[], toast: Toast, max = 5): Toast[] {
  if (list.some((t) => t.id === toast.id)) return [...list];
  return [toast, ...list].slice(0, max);
}
