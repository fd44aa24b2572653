import type Database from 'better-sqlite3';

export interface Watchlist {
  name: string;
  /** In the user's order. */
  symbols: string[];
  updatedAtMs: number;
}

/** Named, ordered symbol lists. */
export class WatchlistRepository {
  private readonly upsertStmt: Database.Statement;
  private readonly clearStmt: Database.Statement;
  private readonly addItemStmt: Database.Statement;
  private readonly getStmt: Database.Statement<[string], { name: string; updated_at_ms: number }>;
  private readonly itemsStmt: Database.Statement<[string], { symbol: string }>;
  private readonly namesStmt: Database.Statement<[], { name: string }>;
  private readonly deleteStmt: Database.Statement;
  private readonly saveTx: (name: string, symbols: readonly string[], nowMs: number) => void;

  constructor(db: Database.Database) {
    this.upsertStmt = db.prepare(
      'INSERT INTO watchlists (name, updated_at_ms) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET updated_at_ms = excluded.updated_at_ms',
    );
    this.clearStmt = db.prepare('DELETE FROM watchlist_items WHERE watchlist = ?');
    this.addItemStmt = db.prepare('INSERT OR IGNORE INTO watchlist_items (watchlist, position, symbol) VALUES (?, ?, ?)');
    this.getStmt = db.prepare('SELECT name, updated_at_ms FROM watchlists WHERE name = ?');
    this.itemsStmt = db.prepare('SELECT symbol FROM watchlist_items WHERE watchlist = ? ORDER BY position');
    this.namesStmt = db.prepare('SELECT name FROM watchlists ORDER BY name');
    this.deleteStmt = db.prepare('DELETE FROM watchlists WHERE name = ?');
    this.saveTx = db.transaction((name: string, symbols: readonly string[], nowMs: number) => {
      this.upsertStmt.run(name, nowMs);
      this.clearStmt.run(name);
      symbols.forEach((symbol, i) => this.addItemStmt.run(name, i, symbol));
    });
  }

  /** Creates or replaces a list. Duplicate symbols keep their first position. */
  save(name: string, symbols: readonly string[], nowMs: number): void {
    this.saveTx(name, symbols, nowMs);
  }

  get(name: string): Watchlist | undefined {
    const r = this.getStmt.get(name);
    if (!r) return undefined;
    return { name: r.name, updatedAtMs: r.updated_at_ms, symbols: this.itemsStmt.all(name).map((i) => i.symbol) };
  }

  list(): Watchlist[] {
    return this.namesStmt.all().flatMap((r) => {
      const w = this.get(r.name);
      return w ? [w] : [];
    });
  }

  /** Returns true if the list existed. */
  delete(name: string): boolean {
    return this.deleteStmt.run(name).changes > 0;
  }
}
