/**
 * Number and time formatting for dense tables. Formatters are created once (Intl objects are
 * expensive) and reused by every row.
 */

const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 2 });
const fixed2 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const timeFmt = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false, timeZone: 'UTC' });
const dateTimeFmt = new Intl.DateTimeFormat('en-GB', {
  month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false, timeZone: 'UTC',
});

const DASH = '—';

function missing(x: number | null | undefined): x is null | undefined {
  return x === null || x === undefined || !Number.isFinite(x);
}

/** Price with as many decimals as its magnitude needs (5 significant figures, at most 8 decimals). */
export function fmtPrice(x: number | null | undefined): string {
  if (missing(x)) return DASH;
  const abs = Math.abs(x);
  if (abs === 0) return '0';
  const decimals = abs >= 1000 ? 2 : Math.min(8, Math.max(2, 4 - Math.floor(Math.log10(abs))));
  return x.toFixed(decimals);
}

/** Compact USD amount: 1.23M, 45.6K. */
export function fmtUsdCompact(x: number | null | undefined): string {
  return missing(x) ? DASH : compact.format(x);
}

/** USD with two decimals and a thousands separator. */
export function fmtUsd(x: number | null | undefined): string {
  return missing(x) ? DASH : fixed2.format(x);
}

/** Signed USD (PnL): `+12.30`, `-4.10`. */
export function fmtSignedUsd(x: number | null | undefined): string {
  if (missing(x)) return DASH;
  // Below half a cent it rounds to zero; no sign, so `-0.00` never shows.
  if (Math.abs(x) < 0.005) return fixed2.format(0);
  return (x > 0 ? '+' : '') + fixed2.format(x);
}

/** A fraction (0.0123) as a signed percent (`+1.23%`). */
export function fmtPct(fraction: number | null | undefined, digits = 2): string {
  if (missing(fraction)) return DASH;
  const v = fraction * 100;
  return (v > 0 ? '+' : '') + v.toFixed(digits) + '%';
}

/** A value already in percent units. */
export function fmtPctUnits(pct: number | null | undefined, digits = 2): string {
  return missing(pct) ? DASH : pct.toFixed(digits) + '%';
}

export function fmtBps(bps: number | null | undefined): string {
  return missing(bps) ? DASH : bps.toFixed(1);
}

export function fmtNum(x: number | null | undefined, digits = 2): string {
  return missing(x) ? DASH : x.toFixed(digits);
}

export function fmtAmount(x: number | null | undefined): string {
  if (missing(x)) return DASH;
  const abs = Math.abs(x);
  return abs >= 100 ? x.toFixed(1) : abs >= 1 ? x.toFixed(3) : x.toPrecision(4);
}

export function fmtTime(ms: number | null | undefined): string {
  return missing(ms) ? DASH : timeFmt.format(ms);
}

export function fmtDateTime(ms: number | null | undefined): string {
  return missing(ms) ? DASH : dateTimeFmt.format(ms);
}

/** Age such as `850ms`, `12s`, `3m`, `2h`. */
export function fmtAge(ms: number | null | undefined): string {
  if (missing(ms)) return DASH;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Math.round(ms / 1000)}s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)}m`;
  return `${Math.round(ms / 3_600_000)}h`;
}

/** CSS class for a signed value. */
export function signClass(x: number | null | undefined): string {
  if (missing(x) || x === 0) return '';
  return x > 0 ? 'up' : 'down';
}

/** `BTC/USDT:USDT` -> `BTC`; keeps the unified symbol for anything it cannot split. */
export function baseOf(symbol: string): string {
  const slash = symbol.indexOf('/');
  return slash > 0 ? symbol.slice(0, slash) : symbol;
}
