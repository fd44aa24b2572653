import type Database from 'better-sqlite3';
import { fromJsonObject, toJson } from '../json.js';
import type { Ledger, MarginMode, PositionSide } from '../types.js';
import { deepFreeze, ReadCache } from './readCache.js';

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

/**
 * A ledger row as a position, frozen with its `extra`: the repository's cache hands out the same
 * objects to every reader, so none may change them.
 */
function toPosition(r: RawPosition): StoredPosition {
  return deepFreeze({
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
  });
}

/** Current open positions; a closed position is removed (its history is in fills and events). */
export class PositionRepository {
  private readonly upsertStmt: Database.Statement;
  private readonly getStmt: Database.Statement<[Ledger, string, string], RawPosition>;
  private readonly listStmt: Database.Statement<[Ledger], RawPosition>;
  private readonly removeStmt: Database.Statement;
  /**
   * Each ledger's positions, between writes (see `ReadCache`): the paper broker reads them at
   * every bar, mark and path point, and querying and decoding them each time was a measurable part
   * of a backtest.
   */
  private readonly cache: ReadCache<readonly StoredPosition[]>;

  constructor(private readonly db: Database.Database) {
    this.cache = new ReadCache(db);
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
    this.cache.invalidate();
    this.upsertStmt.run({ ...position, extra: toJson(position.extra) });
  }

  /** The position of one symbol, frozen (see `toPosition`). */
  get(ledger: Ledger, exchange: string, symbol: string): StoredPosition | undefined {
    if (this.db.inTransaction) {
      const held = this.cache.heldInTransaction(ledger);
      if (held) return held.find((p) => p.exchange === exchange && p.symbol === symbol);
      const r = this.getStmt.get(ledger, exchange, symbol);
      return r && toPosition(r);
    }
    return this.ledger(ledger).find((p) => p.exchange === exchange && p.symbol === symbol);
  }

  /** Open positions ordered by exchange and symbol, frozen (see `toPosition`). */
  list(ledger: Ledger, exchange?: string): StoredPosition[] {
    const all = this.ledger(ledger);
    return exchange === undefined ? all.slice() : all.filter((p) => p.exchange === exchange);
  }

  /** Returns true if there was a position. */
  remove(ledger: Ledger, exchange: string, symbol: string): boolean {
    this.cache.invalidate();
    return this.removeStmt.run(ledger, exchange, symbol).changes > 0;
  }

  private ledger(ledger: Ledger): readonly StoredPosition[] {
    return this.cache.read(ledger, () => Object.freeze(this.listStmt.all(ledger).map(toPosition)));
  }
}
