import type { OrderView, PositionView, SignalView } from '@perpscope/shared';
import { fmtPrice, fmtSignedUsd, fmtSize, type MarketGrid } from './format.js';

/**
 * The horizontal price lines the chart draws over the candles: the open position's entry and
 * liquidation price, its working orders (limit, take-profit, stop-loss), and the latest signal's
 * plan, which is secondary (drawn faint) when a position is open. Pure, so it is tested without a chart.
 */

export type ChartLevelKind = 'entry' | 'liq' | 'limit' | 'tp' | 'sl' | 'signal-entry' | 'signal-tp' | 'signal-sl';

export interface ChartLevel {
  /** Stable per line: the order id for orders, the kind otherwise. */
  id: string;
  kind: ChartLevelKind;
  price: number;
  label: string;
  /** Faint: a signal's plan while a position is open. */
  secondary: boolean;
  /** Working stop-loss and take-profit triggers: dragging one moves the order. */
  orderId: string | null;
}

/**
 * Whether the price axis stretches to show `level`. The liquidation price is usually far from the
 * market (a third away at 3x): it is drawn when in view, never at the cost of the candles.
 */
export function stretchesAxis(level: ChartLevel): boolean {
  return level.kind !== 'liq';
}

const TRIGGER_KIND: Partial<Record<OrderView['type'], ChartLevelKind>> = { take_profit: 'tp', stop_loss: 'sl', limit: 'limit' };
const WORKING: ReadonlySet<OrderView['status']> = new Set(['pending', 'open', 'partially_filled']);

/**
 * Every line for `symbol`: position entry, its working orders, then the signal's plan. Prices and
 * sizes in the labels follow the market's tick and lot when `grid` gives them.
 */
export function chartLevels(symbol: string, position: PositionView | null, orders: readonly OrderView[], signal: SignalView | null, grid: Partial<MarketGrid> = {}): ChartLevel[] {
  const out: ChartLevel[] = [];
  const px = (x: number) => fmtPrice(x, grid.priceTick);
  const sz = (x: number) => fmtSize(x, grid.amountStep);
  const pos = position && position.symbol === symbol && position.status === 'open' ? position : null;
  if (pos) {
    out.push({
      id: 'entry',
      kind: 'entry',
      price: pos.entryPrice,
      label: `${pos.side.toUpperCase()} ${sz(pos.sizeBase)} @ ${px(pos.entryPrice)}  uPnL ${fmtSignedUsd(pos.unrealizedPnlUsd)}`,
      secondary: false,
      orderId: null,
    });
    if (pos.liquidationPrice !== null && pos.liquidationPrice > 0) {
      out.push({ id: 'liq', kind: 'liq', price: pos.liquidationPrice, label: `LIQ @ ${px(pos.liquidationPrice)}`, secondary: false, orderId: null });
    }
  }
  for (const o of orders) {
    const kind = TRIGGER_KIND[o.type];
    if (o.symbol !== symbol || !kind || !WORKING.has(o.status) || o.price === null) continue;
    const name = kind === 'tp' ? 'TP' : kind === 'sl' ? 'SL' : `LIMIT ${o.side.toUpperCase()}`;
    out.push({
      id: o.id,
      kind,
      price: o.price,
      label: `${name} ${sz(o.amountBase - o.filledBase)} @ ${px(o.price)}`,
      secondary: false,
      orderId: kind === 'limit' ? null : o.id,
    });
  }
  if (signal && signal.symbol === symbol) {
    const secondary = pos !== null;
    if (signal.entryPrice != null) out.push({ id: 'signal-entry', kind: 'signal-entry', price: signal.entryPrice, label: `signal ${signal.side} ${px(signal.entryPrice)}`, secondary, orderId: null });
    if (signal.stopPrice != null) out.push({ id: 'signal-sl', kind: 'signal-sl', price: signal.stopPrice, label: `signal SL ${px(signal.stopPrice)}`, secondary, orderId: null });
    signal.targetPrices.forEach((tp, i) => out.push({ id: `signal-tp${i + 1}`, kind: 'signal-tp', price: tp, label: `signal TP${i + 1} ${px(tp)}`, secondary, orderId: null }));
  }
  return out;
}

/**
 * Label positions (pixels from the top) for lines at `ys`, each label `heightPx` tall, so no two
 * overlap: labels keep the order of their lines, sit as near their line as the others allow, and
 * stay within `[0, maxPx - heightPx]` when there is room. Returns one top per input, in input order.
 */
export function layoutLabels(ys: readonly number[], heightPx: number, maxPx: number): number[] {
  const order = ys.map((y, i) => ({ y, i })).sort((a, b) => a.y - b.y || a.i - b.i);
  const tops = order.map((o) => o.y - heightPx / 2);
  // Push down past the previous label, then pull back up from the bottom edge.
  for (let k = 0; k < tops.length; k++) {
    const min = k === 0 ? 0 : tops[k - 1]! + heightPx;
    if (tops[k]! < min) tops[k] = min;
  }
  const floor = Math.max(0, maxPx - heightPx);
  for (let k = tops.length - 1; k >= 0; k--) {
    const max = k === tops.length - 1 ? floor : tops[k + 1]! - heightPx;
    if (tops[k]! > max) tops[k] = max;
  }
  const out = new Array<number>(ys.length);
  order.forEach((o, k) => (out[o.i] = tops[k]!));
  return out;
}

/** A dragged price, rounded to 6 significant digits (the host rounds it to the market's tick). */
export function roundDragPrice(price: number): number {
  return Number(price.toPrecision(6));
}
