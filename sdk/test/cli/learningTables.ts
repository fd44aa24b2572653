import Database from 'better-sqlite3';
import { banditStateRow, engineStateRow } from '../../src/engine/index.js';

export interface BanditRow {
  logWeights: Record<string, number>;
  updates: number;
}

export interface SignalRowView {
  id: number;
  createdAtMs: number;
  symbol: string;
  side: string;
  payload: { id: string; selected: boolean };
}

export interface LabelRowView {
  id: number;
  signalId: number;
  status: 'pending' | 'matured';
  dueAtMs: number;
  maturedAtMs: number | null;
  returnBps: number | null;
  value: number | null;
}

export interface LearningTables {
  bandit: BanditRow | null;
  engine: { lastCloseTimeMs: number | null } | null;
  signals: SignalRowView[];
  labels: LabelRowView[];
}

/**
 * Reads the learning tables through a read-only connection of its own, as another process would:
 * the writer may be running (WAL readers never block it) or killed. The bandit and engine rows are
 * `exchange`'s (the sim's unless named).
 */
export function readLearningTables(file: string, exchange = 'sim'): LearningTables {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const state = (name: string) => {
      const r = db.prepare<[string], { state_json: string }>('SELECT state_json FROM bandit_state WHERE name = ?').get(name);
      return r ? (JSON.parse(r.state_json) as unknown) : null;
    };
    const signals = db
      .prepare<[], { id: number; created_at_ms: number; symbol: string; side: string; payload_json: string }>('SELECT id, created_at_ms, symbol, side, payload_json FROM signals ORDER BY id')
      .all()
      .map((r) => ({ id: r.id, createdAtMs: r.created_at_ms, symbol: r.symbol, side: r.side, payload: JSON.parse(r.payload_json) as SignalRowView['payload'] }));
    const labels = db
      .prepare<[], { id: number; signal_id: number; status: 'pending' | 'matured'; due_at_ms: number; matured_at_ms: number | null; return_bps: number | null; value: number | null }>(
        'SELECT id, signal_id, status, due_at_ms, matured_at_ms, return_bps, value FROM labels ORDER BY id',
      )
      .all()
      .map((r) => ({ id: r.id, signalId: r.signal_id, status: r.status, dueAtMs: r.due_at_ms, maturedAtMs: r.matured_at_ms, returnBps: r.return_bps, value: r.value }));
    return { bandit: state(banditStateRow(exchange)) as BanditRow | null, engine: state(engineStateRow(exchange)) as LearningTables['engine'], signals, labels };
  } finally {
    db.close();
  }
}
