import { InvalidInputError } from '@perpscope/sdk';
import { DrawingViewSchema, MAX_DRAWINGS_PER_SYMBOL, type DrawingView } from '@perpscope/shared';
import type { DrawingStore, WatchlistStore } from './ports.js';

/** The sdk store's watchlist repository, as far as the host uses it. */
export interface WatchlistRepositoryLike {
  save(name: string, symbols: readonly string[], nowMs: number): void;
  get(name: string): { name: string; symbols: string[] } | undefined;
  list(): { name: string; symbols: string[] }[];
  delete(name: string): boolean;
}

/** Adapts the SQLite watchlist repository to the host's port; `nowMs` stamps each save. */
export function adaptWatchlists(repo: WatchlistRepositoryLike, nowMs: () => number): WatchlistStore {
  return {
    list: () => repo.list().map((w) => ({ name: w.name, symbols: w.symbols })),
    save(w) {
      repo.save(w.name, w.symbols, nowMs());
      const saved = repo.get(w.name);
      return { name: w.name, symbols: saved?.symbols ?? w.symbols };
    },
    delete: (name) => repo.delete(name),
  };
}

/** The sdk store's drawing repository, as far as the host uses it. */
export interface DrawingRepositoryLike {
  save(symbol: string, id: string, drawing: unknown, nowMs: number): void;
  list(symbol: string): { id: string; drawing: unknown }[];
  count(symbol: string): number;
  delete(symbol: string, id: string): boolean;
}

/**
 * Adapts the SQLite drawing repository to the host's port. Rows are checked against the contract
 * as they are read, so a row a later version would not draw is left out rather than sent; a new
 * drawing past MAX_DRAWINGS_PER_SYMBOL is refused (replacing one is always allowed).
 */
export function adaptDrawings(repo: DrawingRepositoryLike, nowMs: () => number): DrawingStore {
  const list = (symbol: string): DrawingView[] =>
    repo.list(symbol).flatMap((row) => {
      const parsed = DrawingViewSchema.safeParse(row.drawing);
      return parsed.success && parsed.data.id === row.id ? [parsed.data] : [];
    });
  return {
    list,
    save(symbol, drawing) {
      const exists = repo.list(symbol).some((row) => row.id === drawing.id);
      if (!exists && repo.count(symbol) >= MAX_DRAWINGS_PER_SYMBOL) {
        throw new InvalidInputError('drawing', [{ path: 'drawing', received: `drawing ${drawing.id}`, expected: `at most ${MAX_DRAWINGS_PER_SYMBOL} drawings on ${symbol}; delete one first` }]);
      }
      repo.save(symbol, drawing.id, drawing, nowMs());
      return drawing;
    },
    delete: (symbol, id) => repo.delete(symbol, id),
  };
}
