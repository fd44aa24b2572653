import { loadPref, savePref } from './persist.js';
import { fmtPrice, stepDecimals } from './format.js';

/**
 * A trader's drawings on a symbol's chart: horizontal lines and trend lines, kept per symbol across
 * reloads. Pure apart from the preference read and write.
 */

export interface ChartPoint {
  timeMs: number;
  price: number;
}

export type ChartDrawing =
  | { id: string; kind: 'hline'; price: number }
  | { id: string; kind: 'trend'; from: ChartPoint; to: ChartPoint };

export type DrawingTool = 'hline' | 'trend';

/** Drawings kept per symbol; a runaway click loop cannot fill the storage. */
export const MAX_DRAWINGS = 50;

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isPoint = (v: unknown): v is ChartPoint => typeof v === 'object' && v !== null && finite((v as ChartPoint).timeMs) && finite((v as ChartPoint).price);

export function isDrawing(v: unknown): v is ChartDrawing {
  if (typeof v !== 'object' || v === null) return false;
  const d = v as Record<string, unknown>;
  if (typeof d.id !== 'string') return false;
  if (d.kind === 'hline') return finite(d.price);
  if (d.kind === 'trend') return isPoint(d.from) && isPoint(d.to);
  return false;
}
const isDrawingList = (v: unknown): v is ChartDrawing[] => Array.isArray(v) && v.every(isDrawing);

export function loadDrawings(symbol: string): ChartDrawing[] {
  return loadPref(`chart.drawings.${symbol}`, [], isDrawingList);
}
export function saveDrawings(symbol: string, drawings: readonly ChartDrawing[]): void {
  savePref(`chart.drawings.${symbol}`, drawings.slice(-MAX_DRAWINGS));
}

/**
 * One click of a drawing tool. A horizontal line is placed at once; a trend line needs two
 * clicks, so the first returns the anchor to keep and the second the finished line.
 */
export function placeClick(tool: DrawingTool, anchor: ChartPoint | null, at: ChartPoint, id: string): { drawing: ChartDrawing | null; anchor: ChartPoint | null } {
  if (tool === 'hline') return { drawing: { id, kind: 'hline', price: at.price }, anchor: null };
  if (!anchor) return { drawing: null, anchor: at };
  if (anchor.timeMs === at.timeMs && anchor.price === at.price) return { drawing: null, anchor };
  const [from, to] = anchor.timeMs <= at.timeMs ? [anchor, at] : [at, anchor];
  return { drawing: { id, kind: 'trend', from, to }, anchor: null };
}

/** Decimals a tick size shows (`0.01` -> 2, `1` -> 0, `0.0005` -> 4). */
export const tickDecimals = stepDecimals;

/** `price` on the market's tick grid, or null without a tick. */
export function roundToTick(price: number, tick: number | null): number {
  if (tick === null || !(tick > 0)) return price;
  return Number((Math.round(price / tick) * tick).toFixed(tickDecimals(tick)));
}

/** A price as the market quotes it: rounded to the tick, with its decimals and thousands separators. */
export function fmtTickPrice(price: number, tick: number | null): string {
  return fmtPrice(price, tick);
}
