import type Database from 'better-sqlite3';
import { fromJsonObject, toJson } from '../json.js';
import type { Ledger } from '../types.js';

export interface AccountSnapshot {
  ledger: Ledger;
  exchange: string;
  atMs: number;
  equityUsd: number;
  /** Wallet balance. */
  balanceUsd: number;
  /** Free for new margin. */
  availableUsd: number;
  unrealizedPnlUsd: number;
  realizedPnlUsd: number;
  payload?: Record<string, unknown>;
}

export interface StoredAccountSnapshot extends AccountSnapshot {
  id: number;
  payload: Record<string, unknown>;
}

interface RawSnapshot {
  id: number;
  ledger: Ledger;
  exchange: string;
  at_ms: number;
  equity_usd: number;
  balance_usd: number;
  available_usd: number;
  unrealized_pnl_usd: number;
  realized_pnl_usd: number;
  payload_json: string;
}

function toSnapshot(r: RawSnapshot): StoredAccountSnapshot {
  return {
    id: r.id,
    ledger: r.ledger,
    exchange: r.exchange,
    atMs: r.at_ms,
    equityUsd: r.equity_usd,
    balanceUsd: r.balance_usd,
    availableUsd: r.available_usd,
    unrealizedPnlUsd: r.unrealized_pnl_usd,
    realizedPnlUsd: r.realized_pnl_usd,
    payload: fromJsonObject(r.payload_json),
  };
}

/** Equity curve points per ledger and exchange. */
export class AccountSnapshotRepository {
  private readonly insertStmt: Database.Statement;
  private readonly latestStmt: Database.Statement<[Ledger, string], RawSnapshot>;
  private readonly rangeStmt: Database.Statement<[Ledger, string, number, number], RawSnapshot>;
  private readonly firstSinceStmt: Database.Statement<[Ledger, string, number], RawSnapshot>;

  constructor(db: Database.Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO account_snapshots (ledger, exchange, at_ms, equity_usd, balance_usd, available_usd, unrealized_pnl_usd, realized_pnl_usd, payload_json)
       VALUES (@ledger, @exchange, @atMs, @equityUsd, @balanceUsd, @availableUsd, @unrealizedPnlUsd, @realizedPnlUsd, @payload)`,
    );
    this.latestStmt = db.prepare('SELECT * FROM account_snapshots WHERE ledger = ? AND exchange = ? ORDER BY at_ms DESC, id DESC LIMIT 1');
    this.rangeStmt = db.prepare('SELECT * FROM account_snapshots WHERE ledger = ? AND exchange = ? AND at_ms BETWEEN ? AND ? ORDER BY at_ms, id');
    this.firstSinceStmt = db.prepare('SELECT * FROM account_snapshots WHERE ledger = ? AND exchange = ? AND at_ms >= ? ORDER BY at_ms, id LIMIT 1');
  }

  /** Returns the new snapshot's id. */
  insert(snapshot: AccountSnapshot): number {
    return Number(this.insertStmt.run({ ...snapshot, payload: toJson(snapshot.payload) }).lastInsertRowid);
  }

  latest(ledger: Ledger, exchange: string): StoredAccountSnapshot | undefined {
    const r = this.latestStmt.get(ledger, exchange);
    return r && toSnapshot(r);
  }

  /** Snapshots within an inclusive time range, oldest first. */
  range(ledger: Ledger, exchange: string, fromMs: number, toMs: number): StoredAccountSnapshot[] {
    return this.rangeStmt.all(ledger, exchange, fromMs, toMs).map(toSnapshot);
  }

  /** The first snapshot at or after a time (for example the start of a UTC day). */
  firstSince(ledger: Ledger, exchange: string, sinceMs: number): StoredAccountSnapshot | undefined {
    const r = this.firstSinceStmt.get(ledger, exchange, sinceMs);
    return r && toSnapshot(r);
  }
}
