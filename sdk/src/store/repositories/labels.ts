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

/**
 * A pending label with the series and side of its signal, as stored: the JSON payload is left
 * unparsed so a reader can validate each row and skip a corrupt one instead of failing the read.
 */
export interface PendingLabelRow {
  id: number;
  signalId: number;
  horizonMs: number;
  dueAtMs: number;
  payloadJson: string;
  symbol: string;
  timeframe: string;
  side: string;
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
  private readonly pendingRowsStmt: Database.Statement<[string, number], PendingLabelRow>;
  private readonly discardStmt: Database.Statement;
  private readonly discardBeyondStmt: Database.Statement<[string, number]>;

  constructor(db: Database.Database) {
    this.addStmt = db.prepare(
      `INSERT INTO labels (signal_id, horizon_ms, due_at_ms, status, payload_json) VALUES (?, ?, ?, 'pending', ?)
       ON CONFLICT (signal_id, horizon_ms) DO NOTHING`,
    );
    this.byKeyStmt = db.prepare('SELECT * FROM labels WHERE signal_id = ? AND horizon_ms = ?');
    this.dueStmt = db.prepare(`SELECT * FROM labels WHERE status = 'pending' AND due_at_ms <= ? ORDER BY due_at_ms, id LIMIT ?`);
    this.matureStmt = db.prepare(
      `UPDATE labels SET status = 'matured', matured_at_ms = ?, return_bps = ?, value = ?, payload_json = ? WHERE id = ? AND status = 'pending'`,
    );
    this.maturedStmt = db.prepare(`SELECT * FROM labels WHERE status = 'matured' AND matured_at_ms >= ? ORDER BY matured_at_ms, id LIMIT ?`);
    this.bySignalStmt = db.prepare('SELECT * FROM labels WHERE signal_id = ? ORDER BY horizon_ms');
    this.pendingRowsStmt = db.prepare(
      `SELECT * FROM (
         SELECT l.id AS id, l.signal_id AS signalId, l.horizon_ms AS horizonMs, l.due_at_ms AS dueAtMs, l.payload_json AS payloadJson,
                s.symbol AS symbol, s.timeframe AS timeframe, s.side AS side
         FROM labels l JOIN signals s ON s.id = l.signal_id
         WHERE l.status = 'pending' AND s.exchange = ? ORDER BY l.due_at_ms DESC, l.id DESC LIMIT ?
       ) ORDER BY dueAtMs, id`,
    );
    this.discardStmt = db.prepare(`DELETE FROM labels WHERE id = ? AND status = 'pending'`);
    // The complement of `pendingRows(exchange, keep)`: the same order, past its first `keep` rows.
    this.discardBeyondStmt = db.prepare(
      `DELETE FROM labels WHERE id IN (
         SELECT l.id FROM labels l JOIN signals s ON s.id = l.signal_id
         WHERE l.status = 'pending' AND s.exchange = ? ORDER BY l.due_at_ms DESC, l.id DESC LIMIT -1 OFFSET ?
       )`,
    );
  }

  /**
   * Schedules a label; scheduling the same (signal, horizon) twice keeps the first. `payload`
   * holds what the labeler needs to resume it (levels, components).
   */
  addPending(signalId: number, horizonMs: number, dueAtMs: number, payload?: Record<string, unknown>): StoredLabel {
    this.addStmt.run(signalId, horizonMs, dueAtMs, toJson(payload));
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

  /**
   * Deletes a pending label whose outcome will never be known (the labeler stopped tracking it).
   * Its signal row stays. Returns false when there was no such pending label.
   */
  discard(id: number): boolean {
    return this.discardStmt.run(id).changes === 1;
  }

  /** Matured labels since a time, oldest first. */
  matured(sinceMs = Number.MIN_SAFE_INTEGER, limit = -1): StoredLabel[] {
    return this.maturedStmt.all(sinceMs, limit).map(toLabel);
  }

  /**
   * Schedules a label like `addPending` and returns only its id: the batch path, which needs no
   * read-back of a row it just wrote.
   */
  addPendingId(signalId: number, horizonMs: number, dueAtMs: number, payload?: Record<string, unknown>): number {
    const info = this.addStmt.run(signalId, horizonMs, dueAtMs, toJson(payload));
    return info.changes === 1 ? Number(info.lastInsertRowid) : this.addPending(signalId, horizonMs, dueAtMs, payload).id;
  }

  /**
   * The `limit` pending labels of `exchange`'s signals due last (all when negative), oldest first,
   * payloads unparsed.
   */
  pendingRows(exchange: string, limit = -1): PendingLabelRow[] {
    return this.pendingRowsStmt.all(exchange, limit);
  }

  /**
   * Deletes the pending labels of `exchange`'s signals that `pendingRows(exchange, keep)` leaves
   * out (those due earliest, past the `keep` due last); their signal rows stay. Returns how many.
   */
  discardPendingBeyond(exchange: string, keep: number): number {
    return this.discardBeyondStmt.run(exchange, keep).changes;
  }

  forSignal(signalId: number): StoredLabel[] {
    return this.bySignalStmt.all(signalId).map(toLabel);
  }
}
