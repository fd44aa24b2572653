import type Database from 'better-sqlite3';
import { ErrorCode } from '@perpscope/shared';
import { InternalError } from '../../core/errors.js';
import { fromJsonObject, toJson } from '../json.js';

/**
 * The outcome of a signal after a horizon. A label is created pending when the signal is emitted
 * and matured once its horizon has passed, so the labeler resumes after a restart.
 */
export interface StoredLabel {
  id: number;
  signalId: number;
  horizonMs: number;
  dueAtMs: number;
  status: 'pending' | 'matured';
  maturedAtMs: number | null;
  returnBps: number | null;
  /** Learning target derived from the return (for example +1 / 0 / -1, or a reward in [0, 1]). */
  value: number | null;
  payload: Record<string, unknown>;
}

export interface LabelOutcome {
  maturedAtMs: number;
  returnBps: number;
  value: number;
  payload?: Record<string, unknown>;
}

interface RawLabel {
  id: number;
  signal_id: number;
  horizon_ms: number;
  due_at_ms: number;
  status: 'pending' | 'matured';
  matured_at_ms: number | null;
  return_bps: number | null;
  value: number | null;
  payload_json: string;
}

function toLabel(r: RawLabel): StoredLabel {
  return {
    id: r.id,
    signalId: r.signal_id,
    horizonMs: r.horizon_ms,
    dueAtMs: r.due_at_ms,
    status: r.status,
    maturedAtMs: r.matured_at_ms,
    returnBps: r.return_bps,
    value: r.value,
    payload: fromJsonObject(r.payload_json),
  };
}

export class LabelRepository {
  private readonly addStmt: Database.Statement;
  private readonly byKeyStmt: Database.Statement<[number, number], RawLabel>;
  private readonly dueStmt: Database.Statement<[number, number], RawLabel>;
  private readonly matureStmt: Database.Statement;
  private readonly maturedStmt: Database.Statement<[number, number], RawLabel>;
  private readonly bySignalStmt: Database.Statement<[number], RawLabel>;

  constructor(db: Database.Database) {
    this.addStmt = db.prepare(
      `INSERT INTO labels (signal_id, horizon_ms, due_at_ms, status) VALUES (?, ?, ?, 'pending')
       ON CONFLICT (signal_id, horizon_ms) DO NOTHING`,
    );
    this.byKeyStmt = db.prepare('SELECT * FROM labels WHERE signal_id = ? AND horizon_ms = ?');
    this.dueStmt = db.prepare(`SELECT * FROM labels WHERE status = 'pending' AND due_at_ms <= ? ORDER BY due_at_ms, id LIMIT ?`);
    this.matureStmt = db.prepare(
      `UPDATE labels SET status = 'matured', matured_at_ms = ?, return_bps = ?, value = ?, payload_json = ? WHERE id = ? AND status = 'pending'`,
    );
    this.maturedStmt = db.prepare(`SELECT * FROM labels WHERE status = 'matured' AND matured_at_ms >= ? ORDER BY matured_at_ms, id LIMIT ?`);
    this.bySignalStmt = db.prepare('SELECT * FROM labels WHERE signal_id = ? ORDER BY horizon_ms');
  }

  /** Schedules a label; scheduling the same (signal, horizon) twice keeps the first. */
  addPending(signalId: number, horizonMs: number, dueAtMs: number): StoredLabel {
    this.addStmt.run(signalId, horizonMs, dueAtMs);
    const r = this.byKeyStmt.get(signalId, horizonMs);
    if (!r) throw new InternalError(ErrorCode.Internal, `Label for signal ${signalId} horizon ${horizonMs} missing right after insert`);
    return toLabel(r);
  }

  /** Pending labels whose horizon has passed, oldest first. */
  due(nowMs: number, limit = -1): StoredLabel[] {
    return this.dueStmt.all(nowMs, limit).map(toLabel);
  }

  /** Records the outcome. Returns false if the label was already matured (so it is counted once). */
  mature(id: number, outcome: LabelOutcome): boolean {
    return this.matureStmt.run(outcome.maturedAtMs, outcome.returnBps, outcome.value, toJson(outcome.payload), id).changes === 1;
  }

  /** Matured labels since a time, oldest first. */
  matured(sinceMs = Number.MIN_SAFE_INTEGER, limit = -1): StoredLabel[] {
    return this.maturedStmt.all(sinceMs, limit).map(toLabel);
  }

  forSignal(signalId: number): StoredLabel[] {
    return this.bySignalStmt.all(signalId).map(toLabel);
  }
}
