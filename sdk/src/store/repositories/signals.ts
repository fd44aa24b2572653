import type Database from 'better-sqlite3';
import { fromJsonObject, toJson } from '../json.js';
import type { PositionSide } from '../types.js';

export interface NewSignal {
  createdAtMs: number;
  exchange: string;
  symbol: string;
  timeframe: string;
  side: PositionSide;
  strategy: string;
  score: number;
  probability: number | null;
  /** Components, features and levels behind the signal. */
  payload?: Record<string, unknown>;
}

export interface StoredSignal extends NewSignal {
  id: number;
  payload: Record<string, unknown>;
}

export interface SignalQuery {
  symbol?: string;
  /** Inclusive. */
  sinceMs?: number;
  limit?: number;
}

/** A stored signal with its payload unparsed, so a reader can validate and skip a corrupt row. */
export interface SignalPayloadRow {
  id: number;
  createdAtMs: number;
  symbol: string;
  side: string;
  payloadJson: string;
}

/** A selected signal's identity: enough to rebuild cooldown and dedupe memory. */
export interface SelectedSignalKey {
  id: number;
  createdAtMs: number;
  symbol: string;
  side: string;
  /** The engine's signal id (`payload.id`); null when the payload has none. */
  signalKey: string | null;
}

/**
 * `payload.selected` marks a signal the engine emitted (the others were only labeled). Guarded by
 * `json_valid`, so a corrupt payload reads as not selected instead of failing the whole query.
 */
const SELECTED = `CASE WHEN json_valid(payload_json) THEN json_extract(payload_json, '$.selected') END = 1`;

interface RawSignal {
  id: number;
  created_at_ms: number;
  exchange: string;
  symbol: string;
  timeframe: string;
  side: PositionSide;
  strategy: string;
  score: number;
  probability: number | null;
  payload_json: string;
}

function toSignal(r: RawSignal): StoredSignal {
  return {
    id: r.id,
    createdAtMs: r.created_at_ms,
    exchange: r.exchange,
    symbol: r.symbol,
    timeframe: r.timeframe,
    side: r.side,
    strategy: r.strategy,
    score: r.score,
    probability: r.probability,
    payload: fromJsonObject(r.payload_json),
  };
}

/** Emitted signals, newest first on reads. */
export class SignalRepository {
  private readonly insertStmt: Database.Statement;
  private readonly getStmt: Database.Statement<[number], RawSignal>;
  private readonly recentStmt: Database.Statement<[number, number], RawSignal>;
  private readonly recentBySymbolStmt: Database.Statement<[string, number, number], RawSignal>;
  private readonly selectedRowsStmt: Database.Statement<[string, number], SignalPayloadRow>;
  private readonly selectedKeysStmt: Database.Statement<[string, number], SelectedSignalKey>;
  private readonly invalidStmt: Database.Statement<[string, number], { id: number }>;
  private readonly deleteBeforeStmt: Database.Statement<[string, number]>;

  constructor(db: Database.Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO signals (created_at_ms, exchange, symbol, timeframe, side, strategy, score, probability, payload_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.getStmt = db.prepare('SELECT * FROM signals WHERE id = ?');
    this.recentStmt = db.prepare('SELECT * FROM signals WHERE created_at_ms >= ? ORDER BY created_at_ms DESC, id DESC LIMIT ?');
    this.recentBySymbolStmt = db.prepare('SELECT * FROM signals WHERE symbol = ? AND created_at_ms >= ? ORDER BY created_at_ms DESC, id DESC LIMIT ?');
    this.selectedRowsStmt = db.prepare(
      `SELECT id, created_at_ms AS createdAtMs, symbol, side, payload_json AS payloadJson FROM signals
       WHERE exchange = ? AND ${SELECTED}
       ORDER BY created_at_ms DESC, score DESC, CASE WHEN json_valid(payload_json) THEN json_extract(payload_json, '$.id') END, id DESC LIMIT ?`,
    );
    this.selectedKeysStmt = db.prepare(
      `SELECT id, created_at_ms AS createdAtMs, symbol, side, json_extract(payload_json, '$.id') AS signalKey FROM signals
       WHERE exchange = ? AND created_at_ms >= ? AND ${SELECTED} ORDER BY created_at_ms, id`,
    );
    this.invalidStmt = db.prepare('SELECT id FROM signals WHERE exchange = ? AND created_at_ms >= ? AND NOT json_valid(payload_json) ORDER BY id');
    this.deleteBeforeStmt = db.prepare('DELETE FROM signals WHERE exchange = ? AND created_at_ms < ?');
  }

  /** Stores a signal and returns its id. */
  insert(signal: NewSignal): number {
    const info = this.insertStmt.run(
      signal.createdAtMs,
      signal.exchange,
      signal.symbol,
      signal.timeframe,
      signal.side,
      signal.strategy,
      signal.score,
      signal.probability,
      toJson(signal.payload),
    );
    return Number(info.lastInsertRowid);
  }

  get(id: number): StoredSignal | undefined {
    const r = this.getStmt.get(id);
    return r && toSignal(r);
  }

  /**
   * The `limit` newest selected signals of `exchange` (all when negative), payloads unparsed:
   * newest first, and inside one bar close in the engine's selection order (higher score, then
   * its signal id).
   */
  selectedRows(exchange: string, limit = -1): SignalPayloadRow[] {
    return this.selectedRowsStmt.all(exchange, limit);
  }

  /** Selected signals of `exchange` created at or after `sinceMs`, oldest first. */
  selectedKeysSince(exchange: string, sinceMs: number): SelectedSignalKey[] {
    return this.selectedKeysStmt.all(exchange, sinceMs).map((r) => ({ ...r, signalKey: typeof r.signalKey === 'string' ? r.signalKey : null }));
  }

  /** Ids of signals of `exchange` created at or after `sinceMs` whose payload is not valid JSON. */
  invalidPayloadIds(exchange: string, sinceMs = Number.MIN_SAFE_INTEGER): number[] {
    return this.invalidStmt.all(exchange, sinceMs).map((r) => r.id);
  }

  /**
   * Deletes the signals of `exchange` created before `cutoffMs`, and with them their labels;
   * returns how many signals. Scoped because each exchange's rows live on its own market time: a
   * sim run hours ahead of the wall clock must not expire a live exchange's history.
   */
  deleteBefore(exchange: string, cutoffMs: number): number {
    return this.deleteBeforeStmt.run(exchange, cutoffMs).changes;
  }

  /** Newest first. */
  recent(query: SignalQuery = {}): StoredSignal[] {
    const since = query.sinceMs ?? Number.MIN_SAFE_INTEGER;
    const limit = query.limit ?? -1;
    const rows = query.symbol === undefined ? this.recentStmt.all(since, limit) : this.recentBySymbolStmt.all(query.symbol, since, limit);
    return rows.map(toSignal);
  }
}
