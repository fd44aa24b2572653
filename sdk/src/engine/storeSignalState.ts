import { ErrorCode, timeframeMs, type Timeframe } from '@perpscope/shared';
import { describeError, InternalError, InvalidInputError, StoreError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import {
  cooldownKeyOf,
  parseSignalEngineSnapshot,
  ReliabilitySnapshotSchema,
  SignalLifecycle,
  type LifecycleSnapshot,
  type PendingLabel,
  type Signal,
  type SignalCycle,
  type SignalEngineConfig,
  type SignalEngineSnapshot,
} from '../signals/index.js';
import type { LabelOutcome as StoredLabelOutcome, NewSignal, Store } from '../store/index.js';
import type { LearnedSignalState, RestoredSignalState, SignalStatePort, SkippedStateRow } from './signalState.js';
import { pendingLabelFromRow, readJsonColumn, signalFromRow, StoredBanditSchema, StoredEngineMemorySchema, type RowResult } from './signalStateRows.js';

/**
 * `bandit_state` row holding an exchange's EXP3 log-weights and update count. Every row is per
 * exchange: runs on the sim and on a real exchange share the home database, and what one learned
 * (or the market time it reached) says nothing about the other.
 */
export function banditStateRow(exchange: string): string {
  return `signals.exp3@${exchange}`;
}

/** `bandit_state` row holding an exchange's last cycle time and regime. */
export function engineStateRow(exchange: string): string {
  return `signals.engine@${exchange}`;
}

/** `bandit_state` row holding an exchange's reliability table of stated probabilities against outcomes. */
export function reliabilityStateRow(exchange: string): string {
  return `signals.reliability@${exchange}`;
}

/** Retention is applied at most this often (market time): a delete per cycle would cost for nothing. */
const PRUNE_EVERY_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** While the store keeps failing, 2^n - 1 cycles pass unattempted after the n-th failed save in a row, at most this many minus one. */
const MAX_SAVE_BACKOFF_CYCLES = 64;
/** SQLite result codes of a store that cannot write now but may later (the rows are fine). */
const STORAGE_FAULT_CODES = ['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_IOERR', 'SQLITE_READONLY', 'SQLITE_CANTOPEN', 'SQLITE_NOMEM', 'SQLITE_FULL', 'SQLITE_PROTOCOL'];

/**
 * Whether a failed save is the store's fault (a full disk, a lock, an I/O error), not the rows':
 * only then are the rows worth writing again. A row the schema refuses would fail every retry.
 */
function isStorageFault(err: unknown): boolean {
  if (err instanceof StoreError) return err.code === ErrorCode.DiskFull || err.code === ErrorCode.DbCorrupt;
  // better-sqlite3 says so, with no code, of a connection closed under the engine (at shutdown).
  if (err instanceof TypeError && err.message.includes('database connection is not open')) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && STORAGE_FAULT_CODES.some((c) => code === c || code.startsWith(`${c}_`));
}

function isoOf(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
}

/** A signal row not yet written: its label's outcome or drop is recorded as the labeler reports it. */
interface OwedRow {
  signal: Signal;
  selected: boolean;
  labeled: boolean;
  matured?: StoredLabelOutcome;
  dropped?: boolean;
}

export interface StoreSignalStateOptions {
  store: Pick<Store, 'signals' | 'labels' | 'bandit' | 'transaction'>;
  /**
   * Exchange id written on signal rows and naming the `bandit_state` rows; restore and retention
   * read and delete only this exchange's rows.
   */
  exchange: string;
  /** Signals older than this (market time), and their labels, are deleted. */
  retentionDays: number;
  /** Receives one warning per stored row skipped on restore. */
  logger?: Logger;
  /**
   * Signal rows of saves that failed on a storage fault, kept for the next save that commits
   * (default: the labeler's `maxPending`); beyond it the oldest are given up, and logged as an error.
   */
  maxOwedRows?: number;
  /**
   * Reads the stored learning and never writes: `restore` leaves the pending labels beyond the cap
   * in place and `saveCycle` stores nothing. For a process that is not the home's writer (another
   * process holds its lock), so that two processes never index and mature one exchange's rows
   * side by side; what it learns lasts as long as the process.
   */
  readOnly?: boolean;
}

/**
 * The SQLite side of the signal engine's learning: one transaction per cycle writes its labeled
 * signals with their pending labels, the labels it matured, the deletion of the pending labels
 * the labeler's cap dropped, the bandit (when it learned) and the
 * last cycle time, and applies retention once an hour of market time. A save the store cannot
 * take (a full disk, a lock) throws and keeps its rows for the next one that commits; a row the
 * store refuses is given up alone. `restore` reads them back, skipping (and logging) any row that
 * does not validate or is dated past the engine's clock, and deletes the pending labels beyond
 * the labeler's cap. Everything is scoped to `exchange`.
 *
 * @example
 * const store = openStore({ home });
 * const engine = createEngine(config, { signalState: createStoreSignalState({ store, exchange: config.exchange, retentionDays: 30 }) });
 */
export function createStoreSignalState(o: StoreSignalStateOptions): SignalStatePort {
  const logger = o.logger ?? silentLogger;
  const retentionMs = o.retentionDays * DAY_MS;
  if (o.maxOwedRows !== undefined && !(Number.isInteger(o.maxOwedRows) && o.maxOwedRows >= 0)) {
    throw new InvalidInputError('signal state options', [{ path: 'maxOwedRows', received: String(o.maxOwedRows), expected: 'an integer >= 0' }]);
  }
  const banditRow = banditStateRow(o.exchange);
  const engineRow = engineStateRow(o.exchange);
  const reliabilityRow = reliabilityStateRow(o.exchange);
  /** Label row id per engine signal id, for the labels still pending (oldest first, like the labeler). */
  const pendingRowIds = new Map<string, number>();
  let config: SignalEngineConfig | undefined;
  let savedBanditUpdates = -1;
  let lastPruneMs = Number.NEGATIVE_INFINITY;
  /**
   * Label writes of cycles whose transaction failed: the labeler let go of those labels and will
   * not name them again, so the next save that commits writes them, alongside the bandit that
   * learned from the matured ones. Bounded by the index: every owed row id left it, and nothing
   * enters it until a save commits (which pays what is owed), so the two together never hold more
   * than the index held at the last commit (at most `maxPending`).
   */
  let owedMatures: [rowId: number, outcome: StoredLabelOutcome][] = [];
  let owedDiscards: number[] = [];
  /**
   * Signal rows of cycles whose transaction failed, oldest first: their signals went out, and
   * their labels live on in the labeler, so the next save that commits inserts them, with the
   * outcome of a label that matured meanwhile and without one the cap dropped. A disk that stays
   * full must not grow the heap without end, so at most `maxOwedRows` are kept.
   */
  let owedRows: OwedRow[] = [];
  /** Failed saves in a row, and cycles to let pass before the next attempt (a full disk should not cost every cycle a doomed write). */
  let failedSaves = 0;
  let skipSaves = 0;

  function insertSignal(s: Signal, selected: boolean): number {
    const componentIds = s.components.map((c) => c.id);
    const row: NewSignal = {
      createdAtMs: s.closeTimeMs,
      exchange: o.exchange,
      symbol: s.symbol,
      timeframe: s.timeframe,
      side: s.side,
      strategy: componentIds.join('+'),
      score: s.score,
      probability: s.probability,
      // Only emitted signals are shown again after a restart; the others keep what evaluates them.
      payload: selected ? { ...s, selected } : { id: s.id, selected, openTimeMs: s.openTimeMs, expectedValue: s.expectedValue, regime: s.regime },
    };
    return o.store.signals.insert(row);
  }

  /** Returns the label's row id. */
  function insertLabeled(s: Signal, selected: boolean, horizonBars: number): number {
    const rowId = insertSignal(s, selected);
    const tfMs = timeframeMs(s.timeframe as Timeframe);
    return o.store.labels.addPendingId(rowId, horizonBars * tfMs, s.openTimeMs + (horizonBars + 1) * tfMs, {
      signalId: s.id,
      components: s.components.map((c) => c.id),
      openTimeMs: s.openTimeMs,
      entryPrice: s.levels.entry,
      takeProfit: s.levels.takeProfit,
      stop: s.levels.stop,
      horizonBars,
      probability: s.probability,
      calibrationId: s.calibrated ? (s.calibrationId ?? null) : null,
    });
  }

  function lifecycleFrom(cfg: SignalEngineConfig, lastCloseTimeMs: number, skipped: SkippedStateRow[]): LifecycleSnapshot {
    const sel = cfg.selection;
    const lastEmit = new Map<string, number>();
    const recent = new Map<string, number>();
    for (const k of o.store.signals.selectedKeysSince(o.exchange, lastCloseTimeMs - Math.max(sel.cooldownMs, sel.dedupeWindowMs))) {
      if (k.signalKey === null) {
        skipped.push({ table: 'signals', rowId: k.id, field: 'payload_json.id', reason: 'a selected signal without its engine id' });
        continue;
      }
      const key = cooldownKeyOf(sel.cooldownScope, k.symbol, k.side);
      lastEmit.delete(key);
      lastEmit.set(key, k.createdAtMs);
      recent.delete(k.signalKey);
      recent.set(k.signalKey, k.createdAtMs);
    }
    const lifecycle = new SignalLifecycle(sel, { lastEmitMs: [...lastEmit], recentIds: [...recent] });
    lifecycle.prune(lastCloseTimeMs);
    return lifecycle.snapshot();
  }

  function take<T>(r: RowResult<T>, skipped: SkippedStateRow[]): T | undefined {
    if (r.ok) return r.value;
    skipped.push(r.skipped);
    return undefined;
  }

  function loadJsonRow<T>(name: string, read: (text: string) => RowResult<T>, skipped: SkippedStateRow[]): T | undefined {
    const row = o.store.bandit.loadRaw(name);
    return row && take(read(row.stateJson), skipped);
  }

  return {
    restore(cfg, recentLimit, at): RestoredSignalState {
      config = cfg;
      const skipped: SkippedStateRow[] = [];
      // A time past the engine's next bar close was written on another clock (an accelerated sim
      // runs hours ahead): resuming from it would drop every bar before it, so that part starts fresh.
      const latestMs = at.nowMs + at.barMs;
      const future = (table: string, rowId: number | string, field: string, timeMs: number): boolean => {
        if (timeMs <= latestMs) return false;
        skipped.push({ table, rowId, field, reason: `${isoOf(timeMs)} is later than the engine's now ${isoOf(at.nowMs)} plus one bar (${at.barMs} ms)` });
        return true;
      };
      const bandit = loadJsonRow(banditRow, (t) => readJsonColumn(StoredBanditSchema, t, 'bandit_state', banditRow, 'state_json'), skipped);
      const reliability = loadJsonRow(reliabilityRow, (t) => readJsonColumn(ReliabilitySnapshotSchema, t, 'bandit_state', reliabilityRow, 'state_json'), skipped);
      let memory = loadJsonRow(engineRow, (t) => readJsonColumn(StoredEngineMemorySchema, t, 'bandit_state', engineRow, 'state_json'), skipped);
      if (typeof memory?.lastCloseTimeMs === 'number' && future('bandit_state', engineRow, 'state_json.lastCloseTimeMs', memory.lastCloseTimeMs)) memory = undefined;
      const lastCloseTimeMs = memory?.lastCloseTimeMs ?? null;
      // Pending rows past the cap are labels no labeler of this config holds (a home written before
      // dropped labels were deleted, or a cap lowered since): they would never mature, so they go
      // as a dropped label does. Their signal rows stay. Deleted before the read, so the read
      // returns what the delete left even if another process writes in between. A store that
      // cannot write now keeps them.
      if (!o.readOnly) {
        try {
          const deleted = o.store.labels.discardPendingBeyond(o.exchange, cfg.labeler.maxPending);
          if (deleted > 0) logger.info({ labels: deleted, exchange: o.exchange }, `signal state: ${deleted} pending labels beyond the labeler's cap (${cfg.labeler.maxPending}) deleted; their signals stay`);
        } catch (err) {
          if (!isStorageFault(err)) throw err;
          logger.warn({ exchange: o.exchange, err: describeError(err) }, 'signal state: pending labels beyond the cap not deleted');
        }
      }
      const pending: PendingLabel[] = [];
      for (const row of o.store.labels.pendingRows(o.exchange, cfg.labeler.maxPending)) {
        const label = take(pendingLabelFromRow(row, lastCloseTimeMs), skipped);
        if (!label || future('labels', row.id, 'payload_json.openTimeMs', label.openTimeMs)) continue;
        pending.push(label);
        pendingRowIds.set(label.signalId, row.id);
      }
      const lifecycle = lastCloseTimeMs === null ? { lastEmitMs: [], recentIds: [] } : lifecycleFrom(cfg, lastCloseTimeMs, skipped);
      for (const id of o.store.signals.invalidPayloadIds(o.exchange, lastCloseTimeMs === null ? undefined : lastCloseTimeMs - retentionMs)) {
        skipped.push({ table: 'signals', rowId: id, field: 'payload_json', reason: 'not valid JSON' });
      }
      const recentSignals: Signal[] = [];
      for (const row of o.store.signals.selectedRows(o.exchange, recentLimit)) {
        const s = take(signalFromRow(row), skipped);
        if (s) recentSignals.push(s);
      }
      for (const s of skipped) logger.warn({ table: s.table, rowId: s.rowId, field: s.field, reason: s.reason }, `stored ${s.table} row ${s.rowId} skipped: ${s.field} ${s.reason}`);
      savedBanditUpdates = bandit?.updates ?? -1;
      const stored = bandit !== undefined || memory !== undefined || pending.length > 0;
      const snapshot: SignalEngineSnapshot | undefined = stored
        ? parseSignalEngineSnapshot({
            version: 1,
            lastCloseTimeMs,
            regime: memory?.regime ?? null,
            bandit: bandit ?? { logWeights: {}, updates: 0 },
            pending,
            lifecycle,
          })
        : undefined;
      return { ...(snapshot ? { snapshot } : {}), recentSignals, skipped, ...(reliability ? { reliability } : {}) };
    },

    saveCycle(cycle: SignalCycle, learned: LearnedSignalState): void {
      const cfg = config;
      if (o.readOnly) return;
      if (!cfg) throw new InternalError(ErrorCode.Internal, 'signal state saved before it was restored');
      const selected = new Set(cycle.signals.map((s) => s.id));
      const labeled = new Set(cycle.labeled.map((s) => s.id));
      // This cycle's rows join those owed by failed cycles: one list, written in order.
      const rows: OwedRow[] = [...owedRows];
      for (const s of cycle.labeled) rows.push({ signal: s, selected: selected.has(s.id), labeled: true });
      for (const s of cycle.signals) if (!labeled.has(s.id)) rows.push({ signal: s, selected: true, labeled: false });
      // Only a label missing from the index needs this (its row is owed, or labeled this cycle).
      let unwrittenById: Map<string, OwedRow> | undefined;
      const unwritten = (signalId: string): OwedRow | undefined => {
        if (!unwrittenById) {
          unwrittenById = new Map();
          for (const r of rows) if (r.labeled) unwrittenById.set(r.signal.id, r);
        }
        return unwrittenById.get(signalId);
      };
      // Resolved from the index before the write; whatever the write does, these ids leave it. A
      // label whose row is not written yet takes its outcome along to the insert.
      const matures: [number, StoredLabelOutcome][] = [];
      for (const m of cycle.matured) {
        const outcome: StoredLabelOutcome = {
          maturedAtMs: cycle.closeTimeMs,
          returnBps: m.returnPct * 10_000,
          value: m.reward,
          payload: { outcome: m.outcome, barsHeld: m.barsHeld, resolvedOpenTimeMs: m.resolvedOpenTimeMs, components: m.components },
        };
        const id = pendingRowIds.get(m.signalId);
        if (id !== undefined) matures.push([id, outcome]);
        else {
          const owed = unwritten(m.signalId);
          if (owed) owed.matured = outcome;
        }
      }
      // A label the labeler's cap dropped will never mature: its row goes, so a restore (which
      // reads the pending rows due last, up to the cap) brings back the labels the engine kept
      // and not the ones it gave up. The cap can drop a label labeled in this same cycle, or one
      // whose row is still owed: that signal's row is written without a pending label left behind.
      const discards: number[] = [];
      for (const signalId of cycle.dropped) {
        const id = pendingRowIds.get(signalId);
        if (id !== undefined) discards.push(id);
        else {
          const owed = unwritten(signalId);
          if (owed) owed.dropped = true;
        }
      }
      // The index gains rows only once the transaction committed.
      const added = new Map<string, number>();
      let pruned = false;
      const maxOwedRows = o.maxOwedRows ?? cfg.labeler.maxPending;
      // The labeler has let go of the matured and dropped labels whether or not the write
      // commits; it will not name them again, so the index lets go too.
      const releaseFromIndex = (): void => {
        for (const m of cycle.matured) pendingRowIds.delete(m.signalId);
        for (const id of cycle.dropped) pendingRowIds.delete(id);
      };
      const oweLabelWrites = (): void => {
        owedMatures = [...owedMatures, ...matures];
        owedDiscards = [...owedDiscards, ...discards];
      };
      const owe = (): void => {
        oweLabelWrites();
        const given = rows.length - maxOwedRows;
        owedRows = given > 0 ? rows.slice(given) : rows;
        if (given > 0) logger.error({ rows: given, exchange: o.exchange }, `signal state: the oldest ${given} signal rows of failed saves given up (more than ${maxOwedRows} owed)`);
      };
      if (skipSaves > 0) {
        // Backing off after storage faults: this cycle's writes join the owed ones, unattempted.
        skipSaves--;
        releaseFromIndex();
        owe();
        throw new StoreError(ErrorCode.StoreError, `signal state not saved: backing off after ${failedSaves} failed saves in a row (${owedRows.length} signal rows owed; the next attempt in ${skipSaves + 1} cycles)`, { details: { exchange: o.exchange, failedSaves, owedRows: owedRows.length } });
      }
      /** Rows the store refused in a guarded attempt; each is given up alone. */
      let refused: { row: OwedRow; err: unknown }[] = [];
      const writeRow = (r: OwedRow): void => {
        if (!r.labeled) {
          insertSignal(r.signal, r.selected);
          return;
        }
        const rowId = insertLabeled(r.signal, r.selected, cfg.labeler.horizonBars);
        if (r.matured) o.store.labels.mature(rowId, r.matured);
        else if (r.dropped) o.store.labels.discard(rowId);
        else added.set(r.signal.id, rowId);
      };
      /**
       * One transaction for the whole cycle. `guarded` writes each row on a savepoint of its own
       * and gives up only a row the store refuses; the fast path has no savepoint per row.
       */
      const attempt = (guarded: boolean): void => {
        added.clear();
        refused = [];
        pruned = false;
        o.store.transaction(() => {
          for (const [id, outcome] of owedMatures) o.store.labels.mature(id, outcome);
          for (const id of owedDiscards) o.store.labels.discard(id);
          for (const r of rows) {
            if (!guarded) {
              writeRow(r);
              continue;
            }
            try {
              o.store.transaction(() => writeRow(r));
            } catch (err) {
              if (isStorageFault(err)) throw err;
              refused.push({ row: r, err });
            }
          }
          for (const [id, outcome] of matures) o.store.labels.mature(id, outcome);
          for (const id of discards) o.store.labels.discard(id);
          if (learned.bandit.updates !== savedBanditUpdates) o.store.bandit.save(banditRow, learned.bandit, cycle.closeTimeMs);
          o.store.bandit.save(engineRow, { lastCloseTimeMs: learned.lastCloseTimeMs, regime: learned.regime }, cycle.closeTimeMs);
          if (learned.reliability) o.store.bandit.save(reliabilityRow, learned.reliability, cycle.closeTimeMs);
          if (cycle.closeTimeMs - lastPruneMs >= PRUNE_EVERY_MS) {
            o.store.signals.deleteBefore(o.exchange, cycle.closeTimeMs - retentionMs);
            pruned = true;
          }
        });
      };
      try {
        try {
          attempt(false);
        } catch (err) {
          if (isStorageFault(err)) throw err;
          // A row the store refuses would fail every retry, and must not take the others with it:
          // the same writes again, row by row.
          attempt(true);
        }
      } catch (err) {
        if (isStorageFault(err)) {
          owe();
          failedSaves++;
          skipSaves = Math.min(MAX_SAVE_BACKOFF_CYCLES, 2 ** failedSaves) - 1;
        } else {
          // Not a row's fault (the guarded attempt gives those up one by one) nor the store's: the
          // rows of this attempt are given up; the outcomes and deletions of written rows stay owed.
          oweLabelWrites();
          owedRows = [];
          failedSaves = 0;
          logger.error({ rows: rows.length, exchange: o.exchange }, `signal state: ${rows.length} signal rows given up: the save failed (${describeError(err)})`);
        }
        throw err;
      } finally {
        releaseFromIndex();
      }
      for (const { row, err } of refused) {
        logger.error({ signalId: row.signal.id, symbol: row.signal.symbol, exchange: o.exchange }, `signal state: signal ${row.signal.id} not stored: the store refused its row (${describeError(err)})`);
      }
      owedRows = [];
      failedSaves = 0;
      owedMatures = [];
      owedDiscards = [];
      if (pruned) lastPruneMs = cycle.closeTimeMs;
      savedBanditUpdates = learned.bandit.updates;
      for (const [signalId, rowId] of added) {
        pendingRowIds.delete(signalId);
        pendingRowIds.set(signalId, rowId);
      }
      // A bound all the same (a restore the labeler trimmed is not in any cycle's list).
      for (const id of pendingRowIds.keys()) {
        if (pendingRowIds.size <= cfg.labeler.maxPending) break;
        pendingRowIds.delete(id);
      }
    },
  };
}
