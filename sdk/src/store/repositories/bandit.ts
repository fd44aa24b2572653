import type Database from 'better-sqlite3';
import { fromJson, toJson } from '../json.js';

export interface BanditSnapshot {
  name: string;
  /** Whatever the bandit serializes (weights, counts); validated by the bandit on load. */
  state: unknown;
  updatedAtMs: number;
}

/** The strategy bandit's state as one JSON snapshot per bandit, replaced on every save. */
export class BanditStateRepository {
  private readonly saveStmt: Database.Statement;
  private readonly loadStmt: Database.Statement<[string], { name: string; state_json: string; updated_at_ms: number }>;

  constructor(db: Database.Database) {
    this.saveStmt = db.prepare(
      `INSERT INTO bandit_state (name, state_json, updated_at_ms) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET state_json = excluded.state_json, updated_at_ms = excluded.updated_at_ms`,
    );
    this.loadStmt = db.prepare('SELECT name, state_json, updated_at_ms FROM bandit_state WHERE name = ?');
  }

  save(name: string, state: unknown, nowMs: number): void {
    this.saveStmt.run(name, toJson(state), nowMs);
  }

  /** The row with its JSON unparsed, for a reader that validates it and skips it when corrupt. */
  loadRaw(name: string): { name: string; stateJson: string; updatedAtMs: number } | undefined {
    const r = this.loadStmt.get(name);
    return r && { name: r.name, stateJson: r.state_json, updatedAtMs: r.updated_at_ms };
  }

  load(name: string): BanditSnapshot | undefined {
    const r = this.loadStmt.get(name);
    return r && { name: r.name, state: fromJson(r.state_json), updatedAtMs: r.updated_at_ms };
  }
}
