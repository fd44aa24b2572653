/**
 * Take-profit and stop-loss levels as a trader types them: a price, a distance in % from the
 * entry, or a return on equity in % (ROE = price move % x leverage). Distances are entered
 * positive; the side of the position decides the direction (a long's TP above the entry, its SL
 * below; the reverse for a short).
 */

export type TpslKind = 'tp' | 'sl';
export type TpslMode = 'price' | 'pct' | 'roe';
export type PositionSideInput = 'long' | 'short';

export const TPSL_MODE_LABELS: Record<TpslMode, string> = { price: 'Price', pct: '% from entry', roe: 'ROE %' };

/** What a level is measured from. */
export interface TpslBasis {
  side: PositionSideInput;
  /** Entry price (the limit, or the executable price, for a ticket); 0 or NaN while unknown. */
  entryPrice: number;
  /** Leverage of the position (ROE is the price move times it); null while unknown, which rules ROE out. */
  leverage: number | null;
  /**
   * The price a level must lie on the right side of, else it fires at once: an open position's
   * mark (as the host checks it); the entry when not given. Unknown (0, NaN) skips the check and
   * leaves it to the host.
   */
  refPrice?: number | null;
  /** What `refPrice` is, for the message: 'mark' or 'entry'. */
  refLabel?: string;
  /** The position's liquidation price, when known: a stop at or past it would never fire. */
  liquidationPrice?: number | null;
}

/** A field error naming the field, the value given and what was expected. */
export interface FieldIssue {
  field: string;
  value: string;
  expected: string;
}

/** movePct / roePct are null while the entry (or, for ROE, the leverage) is unknown. */
export type TpslResult = { ok: true; price: number; movePct: number | null; roePct: number | null } | { ok: false; issue: FieldIssue };

/** The message a field error shows: `field: got value; expected ...`. */
export function issueText(i: FieldIssue): string {
  return `${i.field}: got ${i.value}; expected ${i.expected}`;
}

/** +1 when the level lies above the entry, -1 below. */
function direction(kind: TpslKind, side: PositionSideInput): 1 | -1 {
  return (kind === 'tp') === (side === 'long') ? 1 : -1;
}

/** The price move, in % of the entry, from the entry to `price` in the profitable direction of `side`. */
export function movePctAt(side: PositionSideInput, entryPrice: number, price: number): number {
  return ((price - entryPrice) / entryPrice) * 100 * (side === 'long' ? 1 : -1);
}

/** Profit (negative: loss) in USD of `sizeBase` held on `side` from `entryPrice`, closed at `price`; fees excluded. */
export function pnlAtPrice(side: PositionSideInput, entryPrice: number, sizeBase: number, price: number): number {
  return (price - entryPrice) * sizeBase * (side === 'long' ? 1 : -1);
}

/**
 * The trigger price a TP or SL typed in `mode` stands for, with its price move and ROE from the
 * entry (signed: negative is a loss). % and ROE are measured from the entry, so they need it (and
 * ROE the leverage); a plain price does not. Refuses a non-number, a distance <= 0, a stop at or
 * past a zero price or the liquidation price, and a price on the wrong side of the reference
 * (the mark of a position, the entry of a ticket), naming the field.
 */
export function resolveTpsl(kind: TpslKind, mode: TpslMode, raw: string, basis: TpslBasis, field = kind === 'tp' ? 'takeProfit' : 'stopLoss'): TpslResult {
  const text = raw.trim();
  const value = Number(text);
  const what = kind === 'tp' ? 'take-profit' : 'stop-loss';
  const entryKnown = basis.entryPrice > 0;
  const lev = basis.leverage !== null && basis.leverage >= 1 ? basis.leverage : null;
  if (mode !== 'price' && !entryKnown) {
    return { ok: false, issue: { field, value: text, expected: `an entry price > 0 to measure ${TPSL_MODE_LABELS[mode]} from (none known yet; a price can be typed instead)` } };
  }
  if (mode === 'roe' && lev === null) {
    return { ok: false, issue: { field, value: text, expected: `a known leverage >= 1 to measure ROE from (got ${basis.leverage}); type a price or % from entry` } };
  }
  if (text === '' || !Number.isFinite(value)) return { ok: false, issue: { field, value: JSON.stringify(raw), expected: `a number (${TPSL_MODE_LABELS[mode]})` } };
  const dir = direction(kind, basis.side);
  let price: number;
  if (mode === 'price') {
    if (!(value > 0)) return { ok: false, issue: { field, value: text, expected: 'a price > 0' } };
    price = value;
  } else {
    if (!(value > 0)) return { ok: false, issue: { field, value: `${text} %`, expected: `a distance > 0 % (${TPSL_MODE_LABELS[mode]}); the side sets the direction` } };
    const move = mode === 'pct' || lev === null ? value : value / lev;
    if (dir === -1 && !(move < 100)) {
      const max = mode === 'pct' ? '100 %' : `${100 * (lev ?? 1)} % ROE at ${lev ?? 1}x`;
      return { ok: false, issue: { field, value: `${text} %`, expected: `less than ${max}: the price would reach zero` } };
    }
    price = basis.entryPrice * (1 + (dir * move) / 100);
  }
  const ref = basis.refPrice ?? basis.entryPrice;
  if (ref > 0) {
    const wrongSide = dir === 1 ? !(price > ref) : !(price < ref);
    if (wrongSide) return { ok: false, issue: { field, value: String(mode === 'price' ? text : price), expected: `a ${what} ${dir === 1 ? 'above' : 'below'} the ${basis.refLabel ?? 'entry'} ${ref} of a ${basis.side}` } };
  }
  const liq = basis.liquidationPrice ?? null;
  if (kind === 'sl' && liq !== null && liq > 0) {
    // A long is liquidated as the price falls to it, a short as it rises: a stop at or past it never fires.
    const beyond = basis.side === 'long' ? !(price > liq) : !(price < liq);
    if (beyond) {
      return { ok: false, issue: { field, value: String(mode === 'price' ? text : price), expected: `a stop-loss ${basis.side === 'long' ? 'above' : 'below'} the liquidation price ${liq}: the position would be liquidated before it fires` } };
    }
  }
  const movePct = entryKnown ? movePctAt(basis.side, basis.entryPrice, price) : null;
  return { ok: true, price, movePct, roePct: movePct !== null && lev !== null ? movePct * lev : null };
}

/** A price shown as the chosen mode's number (for prefilling an edit form from a working level). */
export function tpslValueFromPrice(kind: TpslKind, mode: TpslMode, price: number, basis: TpslBasis): number {
  if (mode === 'price') return price;
  const move = Math.abs(movePctAt(basis.side, basis.entryPrice, price));
  return mode === 'pct' ? move : move * (basis.leverage ?? 1);
}
