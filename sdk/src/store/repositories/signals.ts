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

  constructor(db: Database.Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO signals (created_at_ms, exchange, symbol, timeframe, side, strategy, score, probability, payload_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.getStmt = db.prepare('SELECT * FROM signals WHERE id = ?');
    this.recentStmt = db.prepare('SELECT * FROM signals WHERE created_at_ms >= ? ORDER BY created_at_ms DESC, id DESC LIMIT ?');
    this.recentBySymbolStmt = db.prepare('SELECT * FROM signals WHERE symbol = ? AND created_at_ms >= ? ORDER BY created_at_ms DESC, id DESC LIMIT ?');
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

  /** Newest first. */
  recent(query: SignalQuery = {}): StoredSignal[] {
    const since = query.sinceMs ?? Number.MIN_SAFE_INTEGER;
    const limit = query.limit ?? -1;
    const rows = query.symbol === undefined ? this.recentStmt.all(since, limit) : this.recentBySymbolStmt.all(query.symbol, since, limit);
    return rows.map(toSignal);
  }
}
