import { z } from 'zod';
import { RpcSymbolSchema } from './dto.js';

/** Drawings kept per symbol; a runaway click loop cannot fill the store. */
export const MAX_DRAWINGS_PER_SYMBOL = 50;

const finite = z.number().finite();
const ChartPointSchema = z.strictObject({ timeMs: finite, price: finite });
const drawingId = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only');

/** A trader's drawing on a symbol's chart: a horizontal line at a price, or a trend line between two points. */
export const DrawingViewSchema = z.discriminatedUnion('kind', [
  z.strictObject({ id: drawingId, kind: z.literal('hline'), price: finite }),
  z.strictObject({ id: drawingId, kind: z.literal('trend'), from: ChartPointSchema, to: ChartPointSchema }),
]);
export type DrawingView = z.infer<typeof DrawingViewSchema>;

export const DrawingsListInputSchema = z.strictObject({ symbol: RpcSymbolSchema });
export const DrawingsListViewSchema = z.object({ symbol: z.string(), drawings: z.array(DrawingViewSchema) });
export type DrawingsListView = z.infer<typeof DrawingsListViewSchema>;
export const DrawingsSaveInputSchema = z.strictObject({ symbol: RpcSymbolSchema, drawing: DrawingViewSchema });
export const DrawingsSaveViewSchema = z.object({ drawing: DrawingViewSchema });
export const DrawingsDeleteInputSchema = z.strictObject({ symbol: RpcSymbolSchema, id: drawingId });
export const DrawingsDeleteViewSchema = z.object({ deleted: z.boolean() });
