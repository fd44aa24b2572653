import type { WatchlistStore } from './ports.js';

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
