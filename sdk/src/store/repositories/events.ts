import type Database from 'better-sqlite3';
import { fromJson, toJson } from '../json.js';
import type { Ledger } from '../types.js';

export interface NewEvent {
  atMs: number;
  /** `signal`, `order`, `fill`, `position`, `alert`, `risk_reject`, `panic`, ... */
  type: string;
  ledger?: Ledger | null;
  symbol?: string | null;
  payload?: unknown;
}

export interface StoredEvent {
  seq: number;
  atMs: number;
  type: string;
  ledger: Ledger | null;
  symbol: string | null;
  payload: unknown;
}

export interface EventQuery {
  /** Exclusive: events with a larger sequence number. */
  afterSeq?: number;
  type?: string;
  limit?: number;
}

/** A filtered read of the log, for `perpscope events`; every field narrows. */
export interface EventSearch {
  /** Inclusive: events stamped at or after this time (ms since epoch). */
  sinceMs?: number;
  /** Exclusive: events with a larger sequence number. */
  afterSeq?: number;
  types?: readonly string[];
  symbol?: string;
  ledger?: Ledger;
  limit?: number;
  /** With `limit`: the newest matches instead of the oldest; either way returned oldest first. */
  newest?: boolean;
}

interface RawEvent {
  seq: number;
  at_ms: number;
  type: string;
  ledger: Ledger | null;
  symbol: string | null;
  payload_json: string;
}

function toEvent(r: RawEvent): StoredEvent {
  return { seq: r.seq, atMs: r.at_ms, type: r.type, ledger: r.ledger, symbol: r.symbol, payload: fromJson(r.payload_json) };
}

/**
 * The audit trail. Append-only: triggers in the schema abort any UPDATE or DELETE, so not even a
 * bug elsewhere in the app can rewrite history. There is deliberately no update or delete method.
 */
export class EventLogRepository {
  private readonly appendStmt: Database.Statement;
  private readonly listStmt: Database.Statement<[number, number], RawEvent>;
  private readonly listByTypeStmt: Database.Statement<[string, number, number], RawEvent>;
  private readonly lastSeqStmt: Database.Statement<[], { seq: number | null }>;

  constructor(private readonly db: Database.Database) {
    this.appendStmt = db.prepare('INSERT INTO events (at_ms, type, ledger, symbol, payload_json) VALUES (?, ?, ?, ?, ?)');
    this.listStmt = db.prepare('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
    this.listByTypeStmt = db.prepare('SELECT * FROM events WHERE type = ? AND seq > ? ORDER BY seq LIMIT ?');
    this.lastSeqStmt = db.prepare('SELECT MAX(seq) AS seq FROM events');
  }

  /** Appends an event and returns its sequence number (strictly increasing, never reused). */
  append(event: NewEvent): number {
    const info = this.appendStmt.run(event.atMs, event.type, event.ledger ?? null, event.symbol ?? null, toJson(event.payload ?? {}));
    return Number(info.lastInsertRowid);
  }

  /** Events in sequence order. */
  list(query: EventQuery = {}): StoredEvent[] {
    const after = query.afterSeq ?? 0;
    const limit = query.limit ?? -1;
    const rows = query.type === undefined ? this.listStmt.all(after, limit) : this.listByTypeStmt.all(query.type, after, limit);
    return rows.map(toEvent);
  }

  /**
   * Events matching every given filter, in sequence order. The statement is built from fixed
   * clauses with bound values only; the log is small enough for a scan on `at_ms`.
   */
  search(query: EventSearch): StoredEvent[] {
    const where: string[] = ['seq > ?'];
    const args: (string | number)[] = [query.afterSeq ?? 0];
    if (query.sinceMs !== undefined) {
      where.push('at_ms >= ?');
      args.push(query.sinceMs);
    }
    if (query.types !== undefined && query.types.length > 0) {
      where.push(`type IN (${query.types.map(() => '?').join(', ')})`);
      args.push(...query.types);
    }
    if (query.symbol !== undefined) {
      where.push('symbol = ?');
      args.push(query.symbol);
    }
    if (query.ledger !== undefined) {
      where.push('ledger = ?');
      args.push(query.ledger);
    }
    args.push(query.limit ?? -1);
    const order = query.newest === true ? 'DESC' : 'ASC';
    const rows = this.db.prepare<(string | number)[], RawEvent>(`SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY seq ${order} LIMIT ?`).all(...args);
    if (query.newest === true) rows.reverse();
    return rows.map(toEvent);
  }

  /** Sequence number of the newest event, 0 when empty. */
  lastSeq(): number {
    return this.lastSeqStmt.get()?.seq ?? 0;
  }
}
