import type Database from 'better-sqlite3';
import { openDatabase } from '../store/database.js';

/** One funding settlement as stored. */
export interface StoredFundingRate {
  fundingTimeMs: number;
  /** Fraction per settlement; positive: longs pay shorts. */
  rate: number;
}

/**
 * Funding history in the home database (`funding_rates`, migration 4), keyed by exchange, symbol
 * and settlement time; a later write of a key replaces it. It keeps its own connection to the
 * store's file (the store runs the migrations when it opens).
 */
export class FundingRateStore {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[string, string, number, number]>;
  private readonly write: (exchange: string, symbol: string, rates: readonly StoredFundingRate[]) => void;

  constructor(storeFile: string) {
    this.db = openDatabase(storeFile);
    this.insert = this.db.prepare('INSERT OR REPLACE INTO funding_rates (exchange, symbol, funding_time_ms, rate) VALUES (?, ?, ?, ?)');
    this.write = this.db.transaction((exchange: string, symbol: string, rates: readonly StoredFundingRate[]) => {
      for (const r of rates) this.insert.run(exchange, symbol, r.fundingTimeMs, r.rate);
    });
  }

  /** Writes the rates of one symbol in one transaction; returns how many. */
  upsert(exchange: string, symbol: string, rates: readonly StoredFundingRate[]): number {
    if (rates.length > 0) this.write(exchange, symbol, rates);
    return rates.length;
  }

  /** Settlements of one symbol in ascending time. */
  range(exchange: string, symbol: string): StoredFundingRate[] {
    return (
      this.db
        .prepare('SELECT funding_time_ms AS fundingTimeMs, rate FROM funding_rates WHERE exchange = ? AND symbol = ? ORDER BY funding_time_ms')
        .all(exchange, symbol) as StoredFundingRate[]
    ).map((r) => ({ fundingTimeMs: r.fundingTimeMs, rate: r.rate }));
  }

  /** Time of the newest stored settlement, or null. */
  lastFundingTimeMs(exchange: string, symbol: string): number | null {
    const row = this.db.prepare('SELECT MAX(funding_time_ms) AS t FROM funding_rates WHERE exchange = ? AND symbol = ?').get(exchange, symbol) as { t: number | null };
    return row.t;
  }

  close(): void {
    this.db.close();
  }
}
