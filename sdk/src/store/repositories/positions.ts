import type Database from 'better-sqlite3';
import { fromJsonObject, toJson } from '../json.js';
import type { Ledger, MarginMode, PositionSide } from '../types.js';

/** One net position per (ledger, exchange, symbol). */
export interface StoredPosition {
  ledger: Ledger;
  exchange: string;
  symbol: string;
  side: PositionSide;
  sizeBase: number;
  /** Average entry price. */
  entryPrice: number;
  leverage: number;
  marginMode: MarginMode;
  realizedPnlUsd: number;
  liquidationPrice: number | null;
  tradeId: string | null;
  openedAtMs: number;
  updatedAtMs: number;
  /** Broker state that must survive a restart (protection plan, accrued funding). */
  extra: Record<string, unknown>;
}

interface RawPosition {
  ledger: Ledger;
  exchange: string;
  symbol: string;
  side: PositionSide;
  size_base: number;
  entry_price: number;
  leverage: number;
  margin_mode: MarginMode;
  realized_pnl_usd: number;
  liquidation_price: number | null;
  trade_id: string | null;
  opened_at_ms: number;
  updated_at_ms: number;
  extra_json: string;
}

function toPosition(r: RawPosition): StoredPosition {
  return {
    ledger: r.ledger,
    exchange: r.exchange,
    symbol: r.symbol,
    side: r.side,
    sizeBase: r.size_base,
    entryPrice: r.entry_price,
    leverage: r.leverage,
    marginMode: r.margin_mode,
    realizedPnlUsd: r.realized_pnl_usd,
    liquidationPrice: r.liquidation_price,
    tradeId: r.trade_id,
    openedAtMs: r.opened_at_ms,
    updatedAtMs: r.updated_at_ms,
    extra: fromJsonObject(r.extra_json),
  };
}

/** Current open positions; a closed position is removed (its history is in fills and events). */
export class PositionRepository {
  private readonly upsertStmt: Database.Statement;
  private readonly getStmt: Database.Statement<[Ledger, string, string], RawPosition>;
  private readonly listStmt: Database.Statement<[Ledger], RawPosition>;
  private readonly removeStmt: Database.Statement;

  constructor(db: Database.Database) {
    this.upsertStmt = db.prepare(
      `INSERT OR REPLACE INTO positions (ledger, exchange, symbol, side, size_base, entry_price, leverage, margin_mode, realized_pnl_usd,
         liquidation_price, trade_id, opened_at_ms, updated_at_ms, extra_json)
       VALUES (@ledger, @exchange, @symbol, @side, @sizeBase, @entryPrice, @leverage, @marginMode, @realizedPnlUsd,
         @liquidationPrice, @tradeId, @openedAtMs, @updatedAtMs, @extra)`,
    );
    this.getStmt = db.prepare('SELECT * FROM positions WHERE ledger = ? AND exchange = ? AND symbol = ?');
    this.listStmt = db.prepare('SELECT * FROM positions WHERE ledger = ? ORDER BY exchange, symbol');
    this.removeStmt = db.prepare('DELETE FROM positions WHERE ledger = ? AND exchange = ? AND symbol = ?');
  }

  /** Creates or replaces the position of its symbol. */
  upsert(position: StoredPosition): void {
    this.upsertStmt.run({ ...position, extra: toJson(position.extra) });
  }

  get(ledger: Ledger, exchange: string, symbol: string): StoredPosition | undefined {
    const r = this.getStmt.get(ledger, exchange, symbol);
    return r && toPosition(r);
  }

  list(ledger: Ledger, exchange?: string): StoredPosition[] {
    const all = this.listStmt.all(ledger).map(toPosition);
    return exchange === undefined ? all : all.filter((p) => p.exchange === exchange);
  }

  /** Returns true if there was a position. */
  remove(ledger: Ledger, exchange: string, symbol: string): boolean {
    return this.removeStmt.run(ledger, exchange, symbol).changes > 0;
  }
}
