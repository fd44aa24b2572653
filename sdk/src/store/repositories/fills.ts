import type Database from 'better-sqlite3';
import type { Ledger, OrderSide } from '../types.js';

export interface Fill {
  ledger: Ledger;
  exchange: string;
  /** The exchange's trade id (paper: generated). Unique per ledger and exchange. */
  fillId: string;
  /** Null for fills of orders that are not ours (manual trades seen during reconciliation). */
  clientOrderId: string | null;
  exchangeOrderId: string | null;
  symbol: string;
  side: OrderSide;
  price: number;
  amountBase: number;
  feeCost: number;
  feeCurrency: string | null;
  liquidity: 'maker' | 'taker' | null;
  atMs: number;
}

interface RawFill {
  ledger: Ledger;
  exchange: string;
  fill_id: string;
  client_order_id: string | null;
  exchange_order_id: string | null;
  symbol: string;
  side: OrderSide;
  price: number;
  amount_base: number;
  fee_cost: number;
  fee_currency: string | null;
  liquidity: 'maker' | 'taker' | null;
  at_ms: number;
}

function toFill(r: RawFill): Fill {
  return {
    ledger: r.ledger,
    exchange: r.exchange,
    fillId: r.fill_id,
    clientOrderId: r.client_order_id,
    exchangeOrderId: r.exchange_order_id,
    symbol: r.symbol,
    side: r.side,
    price: r.price,
    amountBase: r.amount_base,
    feeCost: r.fee_cost,
    feeCurrency: r.fee_currency,
    liquidity: r.liquidity,
    atMs: r.at_ms,
  };
}

/**
 * Fills, unique per (ledger, exchange, fill id): a fill delivered twice (websocket replay, REST
 * and websocket both, reconciliation after a restart) is stored and counted once.
 */
export class FillRepository {
  private readonly insertStmt: Database.Statement;
  private readonly byOrderStmt: Database.Statement<[string], RawFill>;
  private readonly sinceStmt: Database.Statement<[Ledger, number, number], RawFill>;
  private readonly getStmt: Database.Statement<[Ledger, string, string], RawFill>;
  private readonly recentStmt: Database.Statement<[Ledger, string, number], RawFill>;
  private readonly insertManyTx: (fills: readonly Fill[]) => Fill[];

  constructor(db: Database.Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO fills (ledger, exchange, fill_id, client_order_id, exchange_order_id, symbol, side, price, amount_base, fee_cost, fee_currency, liquidity, at_ms)
       VALUES (@ledger, @exchange, @fillId, @clientOrderId, @exchangeOrderId, @symbol, @side, @price, @amountBase, @feeCost, @feeCurrency, @liquidity, @atMs)
       ON CONFLICT (ledger, exchange, fill_id) DO NOTHING`,
    );
    this.byOrderStmt = db.prepare('SELECT * FROM fills WHERE client_order_id = ? ORDER BY at_ms, fill_id');
    this.sinceStmt = db.prepare('SELECT * FROM fills WHERE ledger = ? AND at_ms >= ? ORDER BY at_ms, fill_id LIMIT ?');
    this.getStmt = db.prepare('SELECT * FROM fills WHERE ledger = ? AND exchange = ? AND fill_id = ?');
    this.recentStmt = db.prepare('SELECT * FROM fills WHERE ledger = ? AND exchange = ? ORDER BY at_ms DESC, fill_id DESC LIMIT ?');
    this.insertManyTx = db.transaction((fills: readonly Fill[]) => fills.filter((f) => this.insert(f)));
  }

  /** Stores the fill; returns false when this fill id was already stored (apply it to nothing). */
  insert(fill: Fill): boolean {
    return this.insertStmt.run(fill).changes === 1;
  }

  /** Stores fills in one transaction; returns the ones that were new, in input order. */
  insertMany(fills: readonly Fill[]): Fill[] {
    return this.insertManyTx(fills);
  }

  get(ledger: Ledger, exchange: string, fillId: string): Fill | undefined {
    const r = this.getStmt.get(ledger, exchange, fillId);
    return r && toFill(r);
  }

  forOrder(clientOrderId: string): Fill[] {
    return this.byOrderStmt.all(clientOrderId).map(toFill);
  }

  since(ledger: Ledger, sinceMs: number, limit = -1): Fill[] {
    return this.sinceStmt.all(ledger, sinceMs, limit).map(toFill);
  }

  /** The newest `limit` fills of one venue, newest first. */
  recent(ledger: Ledger, exchange: string, limit: number): Fill[] {
    return this.recentStmt.all(ledger, exchange, limit).map(toFill);
  }
}
