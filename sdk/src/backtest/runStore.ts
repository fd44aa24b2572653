import { createHash, randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { openDatabase } from '../store/database.js';
import { openStore } from '../store/index.js';
import type { BacktestMetrics } from './metrics.js';
import type { BacktestResult } from './runBacktest.js';

/** A stored run: what it was, on which data, how it did, where its reports are. */
export interface StoredBacktestRun {
  id: string;
  createdAtMs: number;
  dataDir: string;
  timeframe: string;
  startMs: number;
  endMs: number;
  symbols: string[];
  config: unknown;
  dataFingerprint: string;
  trades: number;
  metrics: BacktestMetrics;
  outputs: Record<string, string>;
}

interface RawRun {
  id: string;
  created_at_ms: number;
  data_dir: string;
  timeframe: string;
  start_ms: number;
  end_ms: number;
  symbols_json: string;
  config_json: string;
  data_fingerprint: string;
  trades: number;
  metrics_json: string;
  outputs_json: string;
}

/** JSON with non-finite numbers as null (JSON has no Infinity). */
export function toJsonText(value: unknown, space?: number): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), space);
}

/**
 * A run id: time of the run, a short hash of its config and data, and a random tail, readable and
 * sortable. The tail keeps two runs of the same inputs in the same millisecond apart.
 */
export function runIdFor(result: Pick<BacktestResult, 'config' | 'fingerprint'>, createdAtMs: number): string {
  const stamp = new Date(createdAtMs).toISOString().replace(/[-:]/g, '').replace(/Z$/, 'Z');
  const hash = createHash('sha256').update(toJsonText(result.config)).update(result.fingerprint).digest('hex').slice(0, 8);
  return `bt-${stamp}-${hash}-${randomBytes(3).toString('hex')}`;
}

/**
 * Backtest runs in the home database (`backtest_runs`, migration 3). Opening runs the store's
 * migrations first, then keeps its own connection to that file.
 */
export class BacktestRunStore {
  private readonly db: Database.Database;

  private constructor(file: string) {
    this.db = openDatabase(file);
  }

  static open(home: string): BacktestRunStore {
    const store = openStore({ home });
    const file = store.file;
    store.close();
    return new BacktestRunStore(file);
  }

  save(run: StoredBacktestRun): void {
    this.db
      .prepare(
        `INSERT INTO backtest_runs (id, created_at_ms, data_dir, timeframe, start_ms, end_ms, symbols_json, config_json, data_fingerprint, trades, metrics_json, outputs_json)
         VALUES (@id, @created_at_ms, @data_dir, @timeframe, @start_ms, @end_ms, @symbols_json, @config_json, @data_fingerprint, @trades, @metrics_json, @outputs_json)`,
      )
      .run({
        id: run.id,
        created_at_ms: run.createdAtMs,
        data_dir: run.dataDir,
        timeframe: run.timeframe,
        start_ms: run.startMs,
        end_ms: run.endMs,
        symbols_json: toJsonText(run.symbols),
        config_json: toJsonText(run.config),
        data_fingerprint: run.dataFingerprint,
        trades: run.trades,
        metrics_json: toJsonText(run.metrics),
        outputs_json: toJsonText(run.outputs),
      });
  }

  get(id: string): StoredBacktestRun | undefined {
    const row = this.db.prepare('SELECT * FROM backtest_runs WHERE id = ?').get(id) as RawRun | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** Newest first. */
  list(limit = 100): StoredBacktestRun[] {
    return (this.db.prepare('SELECT * FROM backtest_runs ORDER BY created_at_ms DESC, id DESC LIMIT ?').all(limit) as RawRun[]).map(fromRow);
  }

  close(): void {
    this.db.close();
  }
}

function fromRow(r: RawRun): StoredBacktestRun {
  return {
    id: r.id,
    createdAtMs: r.created_at_ms,
    dataDir: r.data_dir,
    timeframe: r.timeframe,
    startMs: r.start_ms,
    endMs: r.end_ms,
    symbols: JSON.parse(r.symbols_json) as string[],
    config: JSON.parse(r.config_json) as unknown,
    dataFingerprint: r.data_fingerprint,
    trades: r.trades,
    metrics: JSON.parse(r.metrics_json) as BacktestMetrics,
    outputs: JSON.parse(r.outputs_json) as Record<string, string>,
  };
}
