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

/** A market's price tick and amount step (as ccxt reports them); null where the venue gave none. */
export interface MarketGrid {
  priceTick: number | null;
  amountStep: number | null;
}

/** Decimals a grid step such as `0.001` or `1e-7` carries; 2 for an unusable step. */
export function stepDecimals(step: number): number {
  if (!(step > 0) || !Number.isFinite(step)) return 2;
  // toPrecision strips binary noise such as 0.30000000000000004.
  const text = Number(step.toPrecision(12)).toString();
  const exp = /e-(\d+)$/.exec(text);
  if (exp) return Number(exp[1]) + (text.split('e')[0]!.split('.')[1]?.length ?? 0);
  return text.split('.')[1]?.length ?? 0;
}

const groupedFormats = new Map<number, Intl.NumberFormat>();
/** `x` with exactly `decimals` decimals and thousands separators (formatters cached per precision). */
function grouped(x: number, decimals: number): string {
  let f = groupedFormats.get(decimals);
  if (!f) {
    f = new Intl.NumberFormat('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
    groupedFormats.set(decimals, f);
  }
  const text = f.format(x);
  // Rounding a tiny negative to zero prints `-0`; a price or size never shows a sign there.
  return /^-[0.,]+$/.test(text) ? text.slice(1) : text;
}

/** `x` rounded to a multiple of `step` (no rounding without a usable step). */
function onGrid(x: number, step: number | null | undefined): number {
  if (step == null || !(step > 0)) return x;
  return Number((Math.round(x / step) * step).toFixed(stepDecimals(step)));
}

/**
 * A price as the market quotes it: on its tick, with the tick's decimals and thousands separators
 * (BTC with a tick of 1: `75,843`). Without a tick, as many decimals as the magnitude needs (5
 * significant figures, 2 to 8 decimals).
 */
export function fmtPrice(x: number | null | undefined, tick?: number | null): string {
  if (missing(x)) return DASH;
  if (tick != null && tick > 0) return grouped(onGrid(x, tick), stepDecimals(tick));
  const abs = Math.abs(x);
  if (abs === 0) return '0';
  const decimals = abs >= 1000 ? 2 : Math.min(8, Math.max(2, 4 - Math.floor(Math.log10(abs))));
  return grouped(x, decimals);
}

/**
 * A size in base units as the market trades it: on its amount step, with the step's decimals and
 * thousands separators (a step of 0.001: `1,250.000`). Without a step, by magnitude (`fmtAmount`).
 */
export function fmtSize(x: number | null | undefined, step?: number | null): string {
  if (missing(x)) return DASH;
  if (step != null && step > 0) return grouped(onGrid(x, step), stepDecimals(step));
  return fmtAmount(x);
}

/** Each ranked symbol's grid, for tables that show prices and sizes of many symbols. */
export function marketGrids(rows: readonly ({ symbol: string } & Partial<MarketGrid>)[] | null | undefined): Map<string, MarketGrid> {
  const out = new Map<string, MarketGrid>();
  for (const r of rows ?? []) out.set(r.symbol, { priceTick: r.priceTick ?? null, amountStep: r.amountStep ?? null });
  return out;
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

/** A size by magnitude alone, for a market whose amount step is unknown. */
export function fmtAmount(x: number | null | undefined): string {
  if (missing(x)) return DASH;
  const abs = Math.abs(x);
  if (abs === 0) return '0';
  return abs >= 100 ? grouped(x, 1) : abs >= 1 ? grouped(x, 3) : x.toPrecision(4);
}

export function fmtTime(ms: number | null | undefined): string {
  return missing(ms) ? DASH : timeFmt.format(ms);
}

export function fmtDateTime(ms: number | null | undefined): string {
  return missing(ms) ? DASH : dateTimeFmt.format(ms);
}

/**
 * Time from `sinceMs` to `nowMs`, both read from the same clock (this machine's wall clock in the
 * renderer), never below zero: a stamp taken a moment after the ticking `nowMs` is not in the future.
 */
export function elapsedMs(nowMs: number, sinceMs: number | null | undefined): number | null {
  return missing(sinceMs) ? null : Math.max(0, nowMs - sinceMs);
}

/**
 * The current age of something the host aged on its own clock: the age it reported plus the wall
 * time since the report arrived. Neither clock is subtracted from the other (under a sim the host's
 * is another day).
 */
export function reportedAgeMs(reportedMs: number | null | undefined, receivedAtMs: number | null | undefined, nowMs: number): number | null {
  if (missing(reportedMs)) return null;
  return Math.max(0, reportedMs) + (elapsedMs(nowMs, receivedAtMs) ?? 0);
}

/**
 * Age such as `12s`, `3m`, `2h`; under a second `<1s` (the ages tick once a second, so finer is
 * noise, and `0ms` read as a broken clock). Never negative.
 */
export function fmtAge(ms: number | null | undefined): string {
  if (missing(ms)) return DASH;
  if (ms < 1000) return '<1s';
  if (ms < 60_000) return `${Math.round(ms / 1000)}s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)}m`;
  return `${Math.round(ms / 3_600_000)}h`;
}

/** `12s ago`; `just now` under a second. */
export function fmtAgo(ms: number | null | undefined): string {
  if (missing(ms)) return DASH;
  return ms < 1000 ? 'just now' : `${fmtAge(ms)} ago`;
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
