import { ErrorCode, timeframeMs, type Timeframe } from '@perpscope/shared';
import { InternalError } from '../core/errors.js';
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

function isoOf(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
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
}

/**
 * The SQLite side of the signal engine's learning: one transaction per cycle writes its labeled
 * signals with their pending labels, the labels it matured, the deletion of the pending labels
 * the labeler's cap dropped, the bandit (when it learned) and the
 * last cycle time, and applies retention once an hour of market time. `restore` reads them back,
 * skipping (and logging) any row that does not validate or is dated past the engine's clock.
 * Everything is scoped to `exchange`.
 *
 * @example
 * const store = openStore({ home });
 * const engine = createEngine(config, { signalState: createStoreSignalState({ store, exchange: config.exchange, retentionDays: 30 }) });
 */
export function createStoreSignalState(o: StoreSignalStateOptions): SignalStatePort {
  const logger = o.logger ?? silentLogger;
  const retentionMs = o.retentionDays * DAY_MS;
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
      if (!cfg) throw new InternalError(ErrorCode.Internal, 'signal state saved before it was restored');
      const selected = new Set(cycle.signals.map((s) => s.id));
      const labeled = new Set(cycle.labeled.map((s) => s.id));
      // Resolved from the index before the write; whatever the write does, these ids leave it.
      const matures: [number, StoredLabelOutcome][] = [];
      for (const m of cycle.matured) {
        const id = pendingRowIds.get(m.signalId);
        if (id === undefined) continue;
        matures.push([id, {
          maturedAtMs: cycle.closeTimeMs,
          returnBps: m.returnPct * 10_000,
          value: m.reward,
          payload: { outcome: m.outcome, barsHeld: m.barsHeld, resolvedOpenTimeMs: m.resolvedOpenTimeMs, components: m.components },
        }]);
      }
      // A label the labeler's cap dropped will never mature: its row goes, so a restore (which
      // reads the pending rows due last, up to the cap) brings back the labels the engine kept
      // and not the ones it gave up. The cap can drop a label labeled in this same cycle.
      const discards: number[] = [];
      for (const signalId of cycle.dropped) {
        const id = pendingRowIds.get(signalId);
        if (id !== undefined) discards.push(id);
      }
      // The index gains rows only once the transaction committed (less those dropped at once).
      const added = new Map<string, number>();
      let pruned = false;
      try {
        o.store.transaction(() => {
          for (const [id, outcome] of owedMatures) o.store.labels.mature(id, outcome);
          for (const id of owedDiscards) o.store.labels.discard(id);
          for (const s of cycle.labeled) added.set(s.id, insertLabeled(s, selected.has(s.id), cfg.labeler.horizonBars));
          for (const s of cycle.signals) if (!labeled.has(s.id)) insertSignal(s, true);
          for (const [id, outcome] of matures) o.store.labels.mature(id, outcome);
          for (const id of discards) o.store.labels.discard(id);
          for (const signalId of cycle.dropped) {
            const id = added.get(signalId);
            if (id === undefined) continue;
            o.store.labels.discard(id);
            added.delete(signalId);
          }
          if (learned.bandit.updates !== savedBanditUpdates) o.store.bandit.save(banditRow, learned.bandit, cycle.closeTimeMs);
          o.store.bandit.save(engineRow, { lastCloseTimeMs: learned.lastCloseTimeMs, regime: learned.regime }, cycle.closeTimeMs);
          if (learned.reliability) o.store.bandit.save(reliabilityRow, learned.reliability, cycle.closeTimeMs);
          if (cycle.closeTimeMs - lastPruneMs >= PRUNE_EVERY_MS) {
            o.store.signals.deleteBefore(o.exchange, cycle.closeTimeMs - retentionMs);
            pruned = true;
          }
        });
      } catch (err) {
        owedMatures = [...owedMatures, ...matures];
        owedDiscards = [...owedDiscards, ...discards];
        throw err;
      } finally {
        // The labeler has let go of the matured and dropped labels whether or not the write
        // committed; it will not name them again, so the index lets go too.
        for (const m of cycle.matured) pendingRowIds.delete(m.signalId);
        for (const id of cycle.dropped) pendingRowIds.delete(id);
      }
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
