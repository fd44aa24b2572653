import type Database from 'better-sqlite3';
import { ErrorCode } from '@perpscope/shared';
import { StoreError } from '../../core/errors.js';

export interface StoredDrawing {
  symbol: string;
  id: string;
  /** The drawing as it was saved; its shape is the caller's (validated where it is read). */
  drawing: unknown;
  createdAtMs: number;
  updatedAtMs: number;
}

interface Row {
  symbol: string;
  id: string;
  drawing_json: string;
  created_at_ms: number;
  updated_at_ms: number;
}

/** Chart drawings per symbol, in the order they were first saved. */
export class DrawingRepository {
  private readonly upsertStmt: Database.Statement;
  private readonly listStmt: Database.Statement<[string], Row>;
  private readonly countStmt: Database.Statement<[string], { n: number }>;
  private readonly deleteStmt: Database.Statement;

  constructor(db: Database.Database) {
    this.upsertStmt = db.prepare(
      'INSERT INTO drawings (symbol, id, drawing_json, created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?, ?) ' +
        'ON CONFLICT (symbol, id) DO UPDATE SET drawing_json = excluded.drawing_json, updated_at_ms = excluded.updated_at_ms',
    );
    this.listStmt = db.prepare('SELECT symbol, id, drawing_json, created_at_ms, updated_at_ms FROM drawings WHERE symbol = ? ORDER BY created_at_ms, id');
    this.countStmt = db.prepare('SELECT COUNT(*) AS n FROM drawings WHERE symbol = ?');
    this.deleteStmt = db.prepare('DELETE FROM drawings WHERE symbol = ? AND id = ?');
  }

  /** Creates or replaces drawing `id` of `symbol`; a replaced one keeps its place in the list. */
  save(symbol: string, id: string, drawing: unknown, nowMs: number): void {
    const json = JSON.stringify(drawing);
    if (json === undefined) throw new StoreError(ErrorCode.InvalidInput, `Drawing ${id} of ${symbol} cannot be stored: it has no JSON form`, { details: { symbol, id } });
    this.upsertStmt.run(symbol, id, json, nowMs, nowMs);
  }

  /** The drawings of `symbol`, oldest first; a row whose JSON no longer parses is left out. */
  list(symbol: string): StoredDrawing[] {
    return this.listStmt.all(symbol).flatMap((r) => {
      try {
        return [{ symbol: r.symbol, id: r.id, drawing: JSON.parse(r.drawing_json) as unknown, createdAtMs: r.created_at_ms, updatedAtMs: r.updated_at_ms }];
      } catch {
        return [];
      }
    });
  }

  count(symbol: string): number {
    return this.countStmt.get(symbol)?.n ?? 0;
  }

  /** Returns true if the drawing existed. */
  delete(symbol: string, id: string): boolean {
    return this.deleteStmt.run(symbol, id).changes > 0;
  }
}
