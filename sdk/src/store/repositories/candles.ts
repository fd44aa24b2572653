import type Database from 'better-sqlite3';
import type { Candle } from '@perpscope/shared';

/** A candle together with the series it belongs to. */
export interface CandleRow extends Candle {
  exchange: string;
  symbol: string;
  timeframe: string;
}

export interface SeriesKey {
  exchange: string;
  symbol: string;
  timeframe: string;
}

export interface CandleRangeQuery {
  /** Inclusive. */
  fromMs?: number;
  /** Inclusive. */
  toMs?: number;
  /** Keeps the first `limit` rows of the range. */
  limit?: number;
}

export interface SeriesSummary extends SeriesKey {
  count: number;
  firstOpenTimeMs: number;
  lastOpenTimeMs: number;
}

/**
 * Rows per INSERT statement. One statement per 100 rows amortizes the per-statement overhead of
 * better-sqlite3 and stays far below SQLite's 32,766 bound-parameter limit (9 per row).
 */
const ROWS_PER_STATEMENT = 100;
const COLUMNS = 9;

interface RawCandle {
  open_time_ms: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

function toCandle(r: RawCandle): Candle {
  return { openTimeMs: r.open_time_ms, open: r.open, high: r.high, low: r.low, close: r.close, volume: r.volume };
}

function compareRows(a: CandleRow, b: CandleRow): number {
  if (a.exchange !== b.exchange) return a.exchange < b.exchange ? -1 : 1;
  if (a.symbol !== b.symbol) return a.symbol < b.symbol ? -1 : 1;
  if (a.timeframe !== b.timeframe) return a.timeframe < b.timeframe ? -1 : 1;
  return a.openTimeMs - b.openTimeMs;
}

/** Candles keyed by (exchange, symbol, timeframe, openTimeMs); a later write of a key replaces it. */
export class CandleRepository {
  private readonly inserts = new Map<number, Database.Statement>();
  private readonly rangeStmt: Database.Statement<[string, string, string, number, number, number], RawCandle>;
  private readonly latestStmt: Database.Statement<[string, string, string, number], RawCandle>;
  private readonly lastTimeStmt: Database.Statement<[string, string, string], { t: number | null }>;
  private readonly countStmt: Database.Statement<[string, string, string], { n: number }>;
  private readonly seriesStmt: Database.Statement<[], { exchange: string; symbol: string; timeframe: string; n: number; first: number; last: number }>;
  private readonly ingestSeries: (key: SeriesKey, candles: readonly Candle[]) => void;
  private readonly ingestRows: (rows: readonly CandleRow[]) => void;
  /** Reused for every full chunk so that a large ingest allocates (almost) nothing per row. */
  private readonly fullChunkArgs: (string | number)[] = new Array<string | number>(ROWS_PER_STATEMENT * COLUMNS);

  constructor(private readonly db: Database.Database) {
    this.rangeStmt = db.prepare(
      `SELECT open_time_ms, open, high, low, close, volume FROM candles
       WHERE exchange = ? AND symbol = ? AND timeframe = ? AND open_time_ms BETWEEN ? AND ?
       ORDER BY open_time_ms LIMIT ?`,
    );
    this.latestStmt = db.prepare(
      `SELECT open_time_ms, open, high, low, close, volume FROM candles
       WHERE exchange = ? AND symbol = ? AND timeframe = ? ORDER BY open_time_ms DESC LIMIT ?`,
    );
    this.lastTimeStmt = db.prepare('SELECT MAX(open_time_ms) AS t FROM candles WHERE exchange = ? AND symbol = ? AND timeframe = ?');
    this.countStmt = db.prepare('SELECT COUNT(*) AS n FROM candles WHERE exchange = ? AND symbol = ? AND timeframe = ?');
    this.seriesStmt = db.prepare(
      `SELECT exchange, symbol, timeframe, COUNT(*) AS n, MIN(open_time_ms) AS first, MAX(open_time_ms) AS last
       FROM candles GROUP BY exchange, symbol, timeframe ORDER BY exchange, symbol, timeframe`,
    );
    this.ingestSeries = db.transaction((key: SeriesKey, candles: readonly Candle[]) => {
      this.writeChunks(candles.length, (args, at, i) => {
        const c = candles[i]!;
        args[at] = key.exchange;
        args[at + 1] = key.symbol;
        args[at + 2] = key.timeframe;
        writeValues(args, at, c);
      });
    });
    this.ingestRows = db.transaction((rows: readonly CandleRow[]) => {
      this.writeChunks(rows.length, (args, at, i) => {
        const r = rows[i]!;
        args[at] = r.exchange;
        args[at + 1] = r.symbol;
        args[at + 2] = r.timeframe;
        writeValues(args, at, r);
      });
    });
  }

  /**
   * Writes candles of one series in one transaction (nested in the caller's, if any).
   * Returns the number of rows written.
   */
  upsertSeries(key: SeriesKey, candles: readonly Candle[]): number {
    if (candles.length === 0) return 0;
    if (isTimeOrdered(candles)) this.ingestSeries(key, candles);
    else this.ingestSeries(key, [...candles].sort((a, b) => a.openTimeMs - b.openTimeMs));
    return candles.length;
  }

  /**
   * Writes candles of any mix of series in one transaction. Rows are written in key order: a
   * batch in live order (every series at one timestamp, then the next timestamp) would otherwise
   * touch a different B-tree leaf per row. Batch many timestamps per call for throughput.
   */
  upsertRows(rows: readonly CandleRow[]): number {
    if (rows.length === 0) return 0;
    this.ingestRows(isSorted(rows) ? rows : groupBySeries(rows));
    return rows.length;
  }

  /** Candles of one series in ascending time, within an inclusive range. */
  range(key: SeriesKey, query: CandleRangeQuery = {}): Candle[] {
    return this.rangeStmt
      .all(key.exchange, key.symbol, key.timeframe, query.fromMs ?? Number.MIN_SAFE_INTEGER, query.toMs ?? Number.MAX_SAFE_INTEGER, query.limit ?? -1)
      .map(toCandle);
  }

  /** The last `limit` candles of a series, in ascending time. */
  latest(key: SeriesKey, limit: number): Candle[] {
    return this.latestStmt.all(key.exchange, key.symbol, key.timeframe, limit).map(toCandle).reverse();
  }

  /** Open time of the newest stored candle, or null when the series is empty. */
  lastOpenTimeMs(key: SeriesKey): number | null {
    return this.lastTimeStmt.get(key.exchange, key.symbol, key.timeframe)?.t ?? null;
  }

  count(key: SeriesKey): number {
    return this.countStmt.get(key.exchange, key.symbol, key.timeframe)?.n ?? 0;
  }

  /** Every stored series with its row count and time span. Scans the table: not for hot paths. */
  listSeries(): SeriesSummary[] {
    return this.seriesStmt.all().map((r) => ({
      exchange: r.exchange,
      symbol: r.symbol,
      timeframe: r.timeframe,
      count: r.n,
      firstOpenTimeMs: r.first,
      lastOpenTimeMs: r.last,
    }));
  }

  /** Binds `rowCount` rows through multi-row statements; `fill` writes row `i` at `args[at..at+8]`. */
  private writeChunks(rowCount: number, fill: (args: (string | number)[], at: number, i: number) => void): void {
    let i = 0;
    const full = this.insertStatement(ROWS_PER_STATEMENT);
    for (; i + ROWS_PER_STATEMENT <= rowCount; i += ROWS_PER_STATEMENT) {
      for (let j = 0; j < ROWS_PER_STATEMENT; j++) fill(this.fullChunkArgs, j * COLUMNS, i + j);
      full.run(this.fullChunkArgs);
    }
    const rest = rowCount - i;
    if (rest === 0) return;
    const args = new Array<string | number>(rest * COLUMNS);
    for (let j = 0; j < rest; j++) fill(args, j * COLUMNS, i + j);
    this.insertStatement(rest).run(args);
  }

  private insertStatement(rowCount: number): Database.Statement {
    let stmt = this.inserts.get(rowCount);
    if (!stmt) {
      const tuple = `(${new Array<string>(COLUMNS).fill('?').join(',')})`;
      stmt = this.db.prepare(
        `INSERT OR REPLACE INTO candles (exchange, symbol, timeframe, open_time_ms, open, high, low, close, volume) VALUES ${new Array<string>(rowCount).fill(tuple).join(',')}`,
      );
      this.inserts.set(rowCount, stmt);
    }
    return stmt;
  }
}

function writeValues(args: (string | number)[], at: number, c: Candle): void {
  args[at + 3] = c.openTimeMs;
  args[at + 4] = c.open;
  args[at + 5] = c.high;
  args[at + 6] = c.low;
  args[at + 7] = c.close;
  args[at + 8] = c.volume;
}

function isTimeOrdered(candles: readonly Candle[]): boolean {
  for (let i = 1; i < candles.length; i++) if (candles[i - 1]!.openTimeMs > candles[i]!.openTimeMs) return false;
  return true;
}

/**
 * Key order for a batch: series in key order, each in time order (stable, so a later duplicate
 * still wins). Bucketing is linear in the batch, where a comparison sort of a 40,000-row
 * live-order batch spends more time comparing strings than SQLite spends inserting.
 */
function groupBySeries(rows: readonly CandleRow[]): CandleRow[] {
  const buckets = new Map<string, CandleRow[]>();
  for (const r of rows) {
    const id = `${r.exchange}\u0000${r.symbol}\u0000${r.timeframe}`;
    const bucket = buckets.get(id);
    if (bucket) bucket.push(r);
    else buckets.set(id, [r]);
  }
  const out: CandleRow[] = [];
  for (const id of [...buckets.keys()].sort()) {
    const bucket = buckets.get(id)!;
    if (!isTimeOrdered(bucket)) bucket.sort((a, b) => a.openTimeMs - b.openTimeMs);
    for (const r of bucket) out.push(r);
  }
  return out;
}

function isSorted(rows: readonly CandleRow[]): boolean {
  for (let i = 1; i < rows.length; i++) if (compareRows(rows[i - 1]!, rows[i]!) > 0) return false;
  return true;
}
