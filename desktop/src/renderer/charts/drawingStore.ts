import { ErrorCode, type ApiClient, type Result } from '@perpscope/shared';
import { loadDrawings, type ChartDrawing } from '../lib/chartDrawings.js';
import { savePref } from '../lib/persist.js';

/** The drawing ids the host accepts (the contract's pattern). */
const DRAWING_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A symbol's chart drawings, kept by the host (its SQLite store) so they survive a new browser
 * profile and are the same in the app and in `serve`. Drawings an earlier version kept in this
 * page's localStorage are moved to the host the first time their symbol is loaded, then cleared
 * here. A drawing the host refuses as invalid (a bad id, over the per-symbol cap) can never move,
 * so it is dropped rather than retried forever; a failure to reach the host stops the move,
 * keeps the rest in localStorage for the next load and shows them alongside the stored ones.
 */
export async function loadSymbolDrawings(api: ApiClient, symbol: string): Promise<Result<ChartDrawing[]>> {
  const res = await api.drawings.list({ symbol });
  if (!res.ok) return res;
  const stored: ChartDrawing[] = [...res.value.drawings];
  const legacy = loadDrawings(symbol);
  if (legacy.length === 0) return { ok: true, value: stored };
  const known = new Set(stored.map((d) => d.id));
  for (const [i, drawing] of legacy.entries()) {
    if (known.has(drawing.id) || !DRAWING_ID.test(drawing.id)) continue;
    const saved = await api.drawings.save({ symbol, drawing });
    if (!saved.ok) {
      if (saved.error.code === ErrorCode.InvalidInput) continue;
      const unmoved = legacy.slice(i).filter((d) => !known.has(d.id) && DRAWING_ID.test(d.id));
      savePref(`chart.drawings.${symbol}`, unmoved);
      return { ok: true, value: [...stored, ...unmoved] };
    }
    stored.push(saved.value.drawing);
    known.add(drawing.id);
  }
  savePref(`chart.drawings.${symbol}`, []);
  return { ok: true, value: stored };
}

export async function saveSymbolDrawing(api: ApiClient, symbol: string, drawing: ChartDrawing): Promise<Result<ChartDrawing>> {
  const res = await api.drawings.save({ symbol, drawing });
  return res.ok ? { ok: true, value: res.value.drawing } : res;
}

export async function deleteSymbolDrawing(api: ApiClient, symbol: string, id: string): Promise<Result<boolean>> {
  const res = await api.drawings.delete({ symbol, id });
  return res.ok ? { ok: true, value: res.value.deleted } : res;
}
