import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, timeframeMs } from '@perpscope/shared';
import { StoreError } from '../../src/core/errors.js';
import type { Store } from '../../src/store/index.js';
import { openDatabase } from '../../src/store/database.js';
import { migrate } from '../../src/store/migrate.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { BanditStateRepository } from '../../src/store/repositories/bandit.js';
import { LabelRepository } from '../../src/store/repositories/labels.js';
import { SignalRepository } from '../../src/store/repositories/signals.js';
import { thrownError } from '../thrownError.js';
import type { Logger } from '../../src/core/logger.js';
import { banditStateRow, createStoreSignalState, engineStateRow, type RestoreTime, type SignalStatePort } from '../../src/engine/index.js';
import {
  IncrementalSignalEvaluator,
  parseSignalEngineSnapshot,
  resolveSignalEngineConfig,
  SignalEngine,
  SignalLabeler,
  type ClosedBar,
  type PendingLabel,
  type Signal,
  type SignalCycle,
  type SignalEngineSnapshot,
} from '../../src/signals/index.js';
import { BASELINE_ANCHOR, baselineDataset } from '../signals/baseline/dataset.js';
import { storeFiles } from './storeFiles.js';
import { barBatches } from '../signals/barBatches.js';

const config = resolveSignalEngineConfig({ regime: { anchorSymbol: BASELINE_ANCHOR, anchorTimeframe: '1h' } });
const data = baselineDataset(6, 300);
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** The engine clock at the end of the dataset: every stored time is in its past. */
const AT_END: RestoreTime = { nowMs: Math.max(...data.map((s) => s.candles.openTimeMs[s.candles.openTimeMs.length - 1]! + timeframeMs(s.timeframe))), barMs: HOUR_MS };
const BANDIT_ROW = banditStateRow('test');
const ENGINE_ROW = engineStateRow('test');


function learned(engine: SignalEngine) {
  return { bandit: engine.banditSnapshot(), lastCloseTimeMs: engine.lastCycleCloseTimeMs, regime: engine.regime };
}

/** Runs `batches` through `live`, saving every cycle through `port`; returns each cycle's selected signals. */
function runAndSave(live: IncrementalSignalEvaluator, port: SignalStatePort, batches: readonly ClosedBar[][]): Signal[][] {
  const out: Signal[][] = [];
  for (const bars of batches) {
    for (const cycle of live.onBarsClosed(bars).cycles) {
      port.saveCycle(cycle, learned(live.engine));
      out.push(cycle.signals);
    }
  }
  return out;
}

function capturingLogger(): Logger & { warnings: { fields: Record<string, unknown>; msg: string }[]; infos: string[]; errors: string[] } {
  const warnings: { fields: Record<string, unknown>; msg: string }[] = [];
  const infos: string[] = [];
  const errors: string[] = [];
  const logger = {
    warnings,
    infos,
    errors,
    debug() {},
    info: (_fields: Record<string, unknown>, msg: string) => void infos.push(msg),
    warn: (fields: Record<string, unknown>, msg: string) => void warnings.push({ fields, msg }),
    error: (_fields: Record<string, unknown>, msg: string) => void errors.push(msg),
    child: () => logger,
  };
  return logger;
}

const summary = (s: Signal) => `${s.id} ${s.symbol} ${s.timeframe} ${s.side}`;

/** A snapshot with its pending labels by signal id: the store lists them by due time, the engine as it made them. */
function pendingById(snapshot: SignalEngineSnapshot | undefined) {
  return snapshot && { ...snapshot, pending: [...snapshot.pending].sort((a, b) => a.signalId.localeCompare(b.signalId)) };
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const { tempStoreFile, open } = storeFiles(cleanups, 'perpscope-signal-state-');

describe('createStoreSignalState', () => {
  it('restores what the engine held at the last saved cycle, and the resumed engine goes on like an uninterrupted one', () => {
    const file = tempStoreFile();
    const batches = barBatches(data).map((b) => b.bars);
    const cut = Math.floor(batches.length * 0.6);

    const whole = new IncrementalSignalEvaluator(new SignalEngine(config));
    const all = batches.map((b) => whole.onBarsClosed(b).cycles.flatMap((c) => c.signals));

    const store = open(file);
    const first = createStoreSignalState({ store, exchange: 'test', retentionDays: 365 });
    expect(first.restore(config, 500, AT_END), 'an empty store restores nothing').toEqual({ recentSignals: [], skipped: [] });
    const live = new IncrementalSignalEvaluator(new SignalEngine(config));
    const before = runAndSave(live, first, batches.slice(0, cut));
    expect(live.engine.banditSnapshot().updates, 'the bandit learned before the cut').toBeGreaterThan(0);
    expect(live.engine.pendingLabels, 'labels are pending at the cut').toBeGreaterThan(0);
    store.close();

    const reopened = open(file);
    const second = createStoreSignalState({ store: reopened, exchange: 'test', retentionDays: 365 });
    const restored = second.restore(config, 500, AT_END);
    expect(restored.skipped).toEqual([]);
    const resumed = new IncrementalSignalEvaluator(new SignalEngine(config, { snapshot: restored.snapshot! }));
    expect(resumed.engine.snapshot(), 'bandit, pending labels (with the bars they saw), cooldowns, regime and time come back').toEqual(live.engine.snapshot());
    const newestFirst = [...before].reverse().flat().slice(0, 500);
    expect(newestFirst.length, 'signals were selected before the cut').toBeGreaterThan(10);
    expect(restored.recentSignals, 'the selected signals come back as the analyzer lists them: newest cycle first, each in selection order').toEqual(
      JSON.parse(JSON.stringify(newestFirst)),
    );

    for (const b of batches.slice(0, cut)) for (const bar of b) resumed.seed(bar.symbol, bar.timeframe, [bar.candle]);
    const after = runAndSave(resumed, second, batches.slice(cut));
    expect(after.flat().map(summary)).toEqual(all.slice(cut).flat().map(summary));
    expect(resumed.engine.snapshot()).toEqual(whole.engine.snapshot());

    const db = new Database(file, { readonly: true });
    cleanups.unshift(() => db.close());
    const matured = db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM labels WHERE status = 'matured'`).get()!.n;
    const pending = db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM labels WHERE status = 'pending'`).get()!.n;
    const bandit = JSON.parse(db.prepare<[string], { state_json: string }>('SELECT state_json FROM bandit_state WHERE name = ?').get(BANDIT_ROW)!.state_json) as unknown;
    expect(bandit, 'the stored bandit is the engine’s').toEqual(whole.engine.banditSnapshot());
    expect(matured, 'every outcome the bandit learned from is a matured label').toBe(whole.engine.banditSnapshot().updates);
    expect(pending, 'the labels still pending are the engine’s').toBe(whole.engine.pendingLabels);
  });

  it('after a restore, the bars the saved run already processed are not labeled or learned from again', () => {
    const batches = barBatches(data).map((b) => b.bars);
    const cut = Math.floor(batches.length * 0.6);
    const live = new IncrementalSignalEvaluator(new SignalEngine(config));
    for (const b of batches.slice(0, cut)) live.onBarsClosed(b);
    const seed = (e: IncrementalSignalEvaluator) => {
      for (const b of batches.slice(0, cut)) for (const bar of b) e.seed(bar.symbol, bar.timeframe, [bar.candle]);
    };
    const fresh = new IncrementalSignalEvaluator(new SignalEngine(config));
    seed(fresh);
    expect(fresh.evaluateLatest().labeled.length, 'a cold start without a snapshot labels the last bars').toBeGreaterThan(0);

    const resumed = new IncrementalSignalEvaluator(new SignalEngine(config, { snapshot: parseSignalEngineSnapshot(JSON.parse(JSON.stringify(live.engine.snapshot()))) }));
    seed(resumed);
    const cold = resumed.evaluateLatest();
    expect({ labeled: cold.labeled, signals: cold.signals, matured: cold.matured }, 'the saved run labeled and selected these bars already').toEqual({ labeled: [], signals: [], matured: [] });
    expect(resumed.engine.snapshot(), 'nothing was learned twice').toEqual(live.engine.snapshot());
  });

  it('skips a corrupt or foreign row with a warning naming its table, row and field, and restores the rest', () => {
    const file = tempStoreFile();
    const store = open(file);
    const port = createStoreSignalState({ store, exchange: 'test', retentionDays: 365 });
    port.restore(config, 500, AT_END);
    const live = new IncrementalSignalEvaluator(new SignalEngine(config));
    runAndSave(live, port, barBatches(data).map((b) => b.bars).slice(0, 120));
    const pendingAtSave = live.engine.pendingLabels;
    expect(pendingAtSave, 'enough pending labels to corrupt some').toBeGreaterThan(3);
    store.close();

    const raw = new Database(file);
    const labelIds = raw.prepare<[], { id: number; signal_id: number }>(`SELECT id, signal_id FROM labels WHERE status = 'pending' ORDER BY id`).all();
    const [notJson, badPrice, foreign] = labelIds;
    raw.prepare('UPDATE labels SET payload_json = ? WHERE id = ?').run('{"signalId": "x", "entryPr', notJson!.id);
    raw.prepare(`UPDATE labels SET payload_json = json_set(payload_json, '$.entryPrice', -5) WHERE id = ?`).run(badPrice!.id);
    raw.prepare(`UPDATE signals SET timeframe = '7m' WHERE id = ?`).run(foreign!.signal_id);
    const selected = raw.prepare<[], { id: number }>(`SELECT id FROM signals WHERE json_extract(payload_json, '$.selected') = 1 ORDER BY id DESC LIMIT 1`).get()!;
    raw.prepare(`UPDATE signals SET payload_json = json_set(payload_json, '$.levels.entry', 'NaN') WHERE id = ?`).run(selected.id);
    raw.prepare(`UPDATE bandit_state SET state_json = json_set(state_json, '$.logWeights.breakout', 'heavy') WHERE name = ?`).run(BANDIT_ROW);
    raw.close();

    const logger = capturingLogger();
    const restored = createStoreSignalState({ store: open(file), exchange: 'test', retentionDays: 365, logger }).restore(config, 500, AT_END);
    expect(restored.skipped.map(({ table, rowId, field }) => ({ table, rowId, field }))).toEqual(
      expect.arrayContaining([
        { table: 'labels', rowId: notJson!.id, field: 'payload_json' },
        { table: 'labels', rowId: badPrice!.id, field: 'payload_json.entryPrice' },
        { table: 'labels', rowId: foreign!.id, field: 'signal.timeframe' },
        { table: 'signals', rowId: selected.id, field: 'payload_json.levels.entry' },
        { table: 'bandit_state', rowId: BANDIT_ROW, field: 'state_json.logWeights.breakout' },
      ]),
    );
    expect(restored.skipped, 'nothing else was skipped').toHaveLength(5);
    for (const s of restored.skipped) {
      expect(
        logger.warnings.some((w) => w.fields.table === s.table && w.fields.rowId === s.rowId && w.fields.field === s.field && w.msg.includes(`${s.table} row ${s.rowId}`)),
        `a warning names ${s.table} row ${s.rowId} field ${s.field}`,
      ).toBe(true);
    }
    expect(restored.snapshot!.pending, 'the valid pending labels are restored').toHaveLength(pendingAtSave - 3);
    expect(restored.snapshot!.bandit, 'a corrupt bandit row restarts the weights, not the engine').toEqual({ logWeights: {}, updates: 0 });
    expect(restored.snapshot!.lastCloseTimeMs).toBe(live.engine.lastCycleCloseTimeMs);
    expect(() => new SignalEngine(config, { snapshot: restored.snapshot! }), 'what was restored builds an engine').not.toThrow();
  });

  it('deletes signals and their labels older than the retention, in market time', () => {
    const store = open(tempStoreFile());
    const port = createStoreSignalState({ store, exchange: 'test', retentionDays: 2 });
    port.restore(config, 500, AT_END);
    const engine = new SignalEngine(config);
    const t0 = Date.UTC(2025, 0, 1);
    const cycleAt = (closeTimeMs: number, symbol: string): SignalCycle => {
      const s = sampleSignal(symbol, closeTimeMs);
      return { closeTimeMs, regime: null, candidates: [s], signals: [s], labeled: [s], matured: [], dropped: [] };
    };
    port.saveCycle(cycleAt(t0, 'OLD/USDT:USDT'), learned(engine));
    port.saveCycle(cycleAt(t0 + DAY_MS, 'MID/USDT:USDT'), learned(engine));
    expect(store.signals.recent().map((s) => s.symbol), 'nothing is past two days yet').toEqual(['MID/USDT:USDT', 'OLD/USDT:USDT']);
    port.saveCycle(cycleAt(t0 + 2 * DAY_MS + 60_000, 'NEW/USDT:USDT'), learned(engine));
    expect(store.signals.recent().map((s) => s.symbol), 'the signal older than two days is gone').toEqual(['NEW/USDT:USDT', 'MID/USDT:USDT']);
    expect(store.labels.pendingRows('test').map((l) => l.symbol), 'its label went with it').toEqual(['MID/USDT:USDT', 'NEW/USDT:USDT']);
    expect(store.bandit.load(ENGINE_ROW)?.state, 'the engine row is kept whatever its age').toEqual({ lastCloseTimeMs: null, regime: null });
  });

  it('at a full labeler cap, the index drops the labels the labeler dropped, so a kept label still matures in the store', () => {
    const store = open(tempStoreFile());
    const { port, engine, labeler, cycle } = cappedAtTwo(store);
    const t0 = Date.UTC(2025, 0, 1, 12);
    const a = sampleSignal('AAA/USDT:USDT', t0);
    const b = sampleSignal('BBB/USDT:USDT', t0);
    port.saveCycle(cycle(t0, [a, b]), learned(engine));
    // A later cycle labels a signal whose bar opened earlier (a coarser timeframe closing now): the
    // labeler drops that one, the oldest, and not the first row the store wrote (a).
    const c = { ...sampleSignal('CCC/USDT:USDT', t0 + 60_000), openTimeMs: t0 - 4 * HOUR_MS, timeframe: '4h' };
    const second = cycle(t0 + 60_000, [c]);
    expect(second.dropped, 'the cap dropped the label with the oldest signal bar').toEqual([c.id]);
    port.saveCycle(second, learned(engine));
    const outcome = labeler.onBar(a.symbol, a.timeframe, { openTimeMs: t0, high: 104, low: 99.5, close: 103.5 });
    expect(outcome.map((o) => o.signalId), 'a reaches its take-profit').toEqual([a.id]);
    port.saveCycle(cycle(t0 + HOUR_MS, [], outcome), learned(engine));
    expect(store.labels.pendingRows('test').map((r) => r.symbol), "a's row matured, the dropped c's label is gone; b's stays pending").toEqual(['BBB/USDT:USDT']);
    expect(store.signals.recent().map((s) => s.symbol).sort(), 'every signal row stays, c included').toEqual(['AAA/USDT:USDT', 'BBB/USDT:USDT', 'CCC/USDT:USDT']);
  });

  it('at a full cap, a restart restores the labels the labeler kept, not the ones it dropped, including one dropped in the cycle that labeled it', () => {
    const file = tempStoreFile();
    const store = open(file);
    const { port, engine, labeler, cycle } = cappedAtTwo(store);
    const t0 = Date.UTC(2025, 0, 1, 12);
    const a = sampleSignal('AAA/USDT:USDT', t0);
    const b = sampleSignal('BBB/USDT:USDT', t0);
    port.saveCycle(cycle(t0, [a, b]), learned(engine));
    // Two later 1h signals and one 4h signal whose bar opened first: the cap keeps the two newest.
    const c = sampleSignal('CCC/USDT:USDT', t0 + HOUR_MS);
    const d = sampleSignal('DDD/USDT:USDT', t0 + HOUR_MS);
    const e = { ...sampleSignal('EEE/USDT:USDT', t0 + HOUR_MS), openTimeMs: t0 - 8 * HOUR_MS, timeframe: '4h' };
    const second = cycle(t0 + HOUR_MS, [c, d, e]);
    expect([...second.dropped].sort(), 'the cap dropped a, b and e, the last in the same cycle that labeled it').toEqual([a.id, b.id, e.id].sort());
    port.saveCycle(second, learned(engine));
    store.close();

    const reopened = open(file);
    const restored = createStoreSignalState({ store: reopened, exchange: 'test', retentionDays: 365 }).restore(CAPPED_AT_TWO, 500, AT_END);
    expect(restored.snapshot?.pending.map((p) => p.signalId).sort(), 'exactly the labels the labeler holds').toEqual(labeler.snapshot().map((p) => p.signalId).sort());
    expect(restored.snapshot?.pending.map((p) => p.signalId).sort()).toEqual([c.id, d.id].sort());
  });

  it('when a cycle fails to save on a full disk, nothing of it is written, and the next save that commits writes all of it: its signals, labels, outcomes and deletions', () => {
    const file = tempStoreFile();
    const store = open(file);
    const flaky = flakyStore(store);
    // The owed rows' bound defaults to the labeler's cap, two here: raised out of this test's way.
    const { port, engine, labeler, cycle } = cappedAtTwo(flaky, { maxOwedRows: 100 });
    const t0 = Date.UTC(2025, 0, 1, 12);
    const a = sampleSignal('AAA/USDT:USDT', t0);
    const b = { ...sampleSignal('BBB/USDT:USDT', t0), openTimeMs: t0 - 2 * HOUR_MS };
    port.saveCycle(cycle(t0, [a, b]), learned(engine));
    // The failing cycle matures a, labels c and d, and the cap drops b (the oldest signal bar).
    const outcome = labeler.onBar(a.symbol, a.timeframe, { openTimeMs: t0, high: 104, low: 99.5, close: 103.5 });
    expect(outcome.map((o) => o.signalId)).toEqual([a.id]);
    const c = sampleSignal('CCC/USDT:USDT', t0 + HOUR_MS);
    const d = { ...sampleSignal('DDD/USDT:USDT', t0 + HOUR_MS), openTimeMs: t0 - HOUR_MS / 2 };
    const first = cycle(t0 + HOUR_MS, [c, d], outcome);
    expect(first.dropped, 'the cap dropped b').toEqual([b.id]);
    flaky.failures = 1;
    expect(() => port.saveCycle(first, learned(engine))).toThrow('disk full');
    expect(store.signals.recent().map((s) => s.symbol).sort(), 'the failed cycle wrote nothing').toEqual(['AAA/USDT:USDT', 'BBB/USDT:USDT']);
    expect(store.labels.pendingRows('test').map((r) => r.symbol).sort(), 'a and b still pending in the store').toEqual(['AAA/USDT:USDT', 'BBB/USDT:USDT']);

    // The next cycle is not attempted (backing off), while c and d are still unwritten: c matures,
    // and the labels of e and f make the cap drop d (the oldest signal bar).
    const cDone = labeler.onBar(c.symbol, c.timeframe, { openTimeMs: t0 + HOUR_MS, high: 99, low: 97, close: 97.5 });
    expect(cDone.map((o) => o.signalId), 'c reaches its stop').toEqual([c.id]);
    const e = sampleSignal('EEE/USDT:USDT', t0 + 2 * HOUR_MS);
    const f = sampleSignal('FFF/USDT:USDT', t0 + 2 * HOUR_MS);
    const second = cycle(t0 + 2 * HOUR_MS, [e, f], cDone);
    expect(second.dropped, 'the cap dropped d').toEqual([d.id]);
    expect(() => port.saveCycle(second, learned(engine))).toThrow(/backing off after 1 failed saves in a row \(4 signal rows owed; the next attempt in 1 cycles\)/);
    expect(flaky.attempts, 'the backed-off cycle did not try to write').toBe(2);
    expect(store.signals.recent().map((s) => s.symbol).sort(), 'still nothing written').toEqual(['AAA/USDT:USDT', 'BBB/USDT:USDT']);

    port.saveCycle(cycle(t0 + 3 * HOUR_MS, []), learned(engine));
    expect(store.signals.recent().map((s) => s.symbol).sort(), 'every signal of the failed cycles is written').toEqual(['AAA/USDT:USDT', 'BBB/USDT:USDT', 'CCC/USDT:USDT', 'DDD/USDT:USDT', 'EEE/USDT:USDT', 'FFF/USDT:USDT']);
    expect(store.labels.pendingRows('test').map((r) => r.symbol).sort(), "a matured and b's and d's labels deleted; e and f are pending").toEqual(['EEE/USDT:USDT', 'FFF/USDT:USDT']);
    const rowOf = (sym: string) => store.signals.recent().find((s) => s.symbol === sym)!;
    expect(store.labels.forSignal(rowOf(a.symbol).id).map((l) => [l.status, l.maturedAtMs]), 'a matured as of the cycle that matured it').toEqual([['matured', t0 + HOUR_MS]]);
    expect(store.labels.forSignal(rowOf(c.symbol).id).map((l) => [l.status, l.maturedAtMs, Math.sign(l.returnBps ?? 0)]), 'c written with the loss it matured at while unwritten').toEqual([['matured', t0 + 2 * HOUR_MS, -1]]);
    expect(store.labels.forSignal(rowOf(d.symbol).id), "d's signal row stays, its dropped label does not").toEqual([]);

    // The rows written from the owed list are indexed: e matures and f is dropped against them.
    const eDone = labeler.onBar(e.symbol, e.timeframe, { openTimeMs: t0 + 2 * HOUR_MS, high: 104, low: 99.5, close: 103.5 });
    expect(eDone.map((o) => o.signalId)).toEqual([e.id]);
    const g = sampleSignal('GGG/USDT:USDT', t0 + 4 * HOUR_MS);
    const h = sampleSignal('HHH/USDT:USDT', t0 + 4 * HOUR_MS);
    const fourth = cycle(t0 + 4 * HOUR_MS, [g, h], eDone);
    expect(fourth.dropped, 'the cap dropped f').toEqual([f.id]);
    port.saveCycle(fourth, learned(engine));
    expect(store.labels.forSignal(rowOf(e.symbol).id).map((l) => [l.status, l.maturedAtMs])).toEqual([['matured', t0 + 4 * HOUR_MS]]);
    expect(store.labels.forSignal(rowOf(f.symbol).id), "f's label deleted").toEqual([]);
    expect(store.labels.pendingRows('test').map((r) => r.symbol).sort()).toEqual(['GGG/USDT:USDT', 'HHH/USDT:USDT']);
    store.close();

    // A restart restores exactly what the labeler holds.
    const restored = createStoreSignalState({ store: open(file), exchange: 'test', retentionDays: 365 }).restore(CAPPED_AT_TWO, 500, AT_END);
    expect(restored.snapshot?.pending.map((p) => p.signalId).sort()).toEqual(labeler.snapshot().map((p) => p.signalId).sort());
    expect(restored.snapshot?.pending.map((p) => p.signalId).sort()).toEqual([g.id, h.id].sort());
  });

  it('on a real full disk (SQLite at its page limit), a save fails as DISK_FULL writing nothing, and once there is room the next save writes every owed row', () => {
    const file = tempStoreFile();
    const db = openDatabase(file);
    cleanups.unshift(() => db.close());
    migrate(db, MIGRATIONS, file);
    const store = { signals: new SignalRepository(db), labels: new LabelRepository(db), bandit: new BanditStateRepository(db), transaction: <T>(fn: () => T): T => db.transaction(fn)() };
    const { port, engine, cycle } = cappedAtTwo(store, { maxOwedRows: 1_000 });
    const t0 = Date.UTC(2025, 0, 1, 12);
    port.saveCycle(cycle(t0, [sampleSignal('AAA/USDT:USDT', t0)]), learned(engine));
    // Room for nothing more; a cycle of 300 selected signals needs new pages.
    db.pragma(`max_page_count = ${Number(db.pragma('page_count', { simple: true }))}`);
    const many = (at: number) => Array.from({ length: 300 }, (_, k) => sampleSignal(`S${String(k).padStart(3, '0')}/USDT:USDT`, at));
    const full = many(t0 + HOUR_MS);
    const err = thrownError(StoreError, () => port.saveCycle({ ...cycle(t0 + HOUR_MS, []), signals: full, candidates: full }, learned(engine)));
    expect(err.code, err.message).toBe(ErrorCode.DiskFull);
    expect(store.signals.recent().map((s) => s.symbol), 'nothing of the failed cycle').toEqual(['AAA/USDT:USDT']);
    expect(() => port.saveCycle(cycle(t0 + 2 * HOUR_MS, []), learned(engine))).toThrow(/backing off after 1 failed saves in a row \(300 signal rows owed/);
    db.pragma('max_page_count = 1073741823');
    port.saveCycle(cycle(t0 + 3 * HOUR_MS, []), learned(engine));
    expect(store.signals.recent({ sinceMs: t0 + HOUR_MS }).map((s) => s.symbol).sort(), 'the full-disk cycle written by the next save').toEqual(full.map((s) => s.symbol).sort());
  });

  it('while the store stays locked, saves are attempted after 1, 3, 7... skipped cycles, and the first that commits writes every owed row', () => {
    const store = open(tempStoreFile());
    // SQLite's own busy error, as better-sqlite3 throws it (the store maps only a full disk and corruption).
    const flaky = flakyStore(store, () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }));
    const { port, engine, cycle } = cappedAtTwo(flaky, { maxOwedRows: 100 });
    const t0 = Date.UTC(2025, 0, 1, 12);
    flaky.failures = Number.POSITIVE_INFINITY;
    const attemptedAt: number[] = [];
    for (let k = 1; k <= 14; k++) {
      const before = flaky.attempts;
      // Every cycle's one signal is selected but not labeled (the labeler keeps its cap out of this).
      const s = sampleSignal(`S${String(k).padStart(2, '0')}/USDT:USDT`, t0 + k * HOUR_MS);
      expect(() => port.saveCycle({ ...cycle(t0 + k * HOUR_MS, []), signals: [s], candidates: [s] }, learned(engine))).toThrow(/database is locked|backing off/);
      if (flaky.attempts > before) attemptedAt.push(k);
    }
    expect(attemptedAt, 'attempts back off: 1, 3, 7, then 15').toEqual([1, 3, 7]);
    flaky.failures = 0;
    port.saveCycle(cycle(t0 + 15 * HOUR_MS, []), learned(engine));
    expect(flaky.attempts).toBe(4);
    expect(store.signals.recent().map((s) => s.symbol).sort(), 'all 14 owed signals written by the first save that committed').toEqual(Array.from({ length: 14 }, (_, i) => `S${String(i + 1).padStart(2, '0')}/USDT:USDT`));
  });

  it('a row the store refuses is given up alone, with an error naming its signal: the rest of its cycle, and rows owed from a full disk, are written', () => {
    const store = open(tempStoreFile());
    const flaky = flakyStore(store);
    const logger = capturingLogger();
    const errors = logger.errors;
    const { port, engine, cycle } = cappedAtTwo(flaky, { logger, maxOwedRows: 100 });
    const t0 = Date.UTC(2025, 0, 1, 12);
    const bad = { ...sampleSignal('BAD/USDT:USDT', t0), score: Number.NaN };
    const ok = sampleSignal('OK/USDT:USDT', t0);
    port.saveCycle(cycle(t0, [bad, ok]), learned(engine));
    expect(errors).toEqual([expect.stringMatching(/^signal state: signal BAD\/USDT:USDT-\d+ not stored: the store refused its row \(.*NOT NULL/)]);
    expect(store.signals.recent().map((s) => s.symbol), 'the rest of the cycle is written').toEqual(['OK/USDT:USDT']);
    expect(store.labels.pendingRows('test').map((r) => r.symbol), 'with its label').toEqual(['OK/USDT:USDT']);

    // A full disk owes a good row; the cycle that finally commits also carries a refused one.
    errors.length = 0;
    const a = sampleSignal('AAA/USDT:USDT', t0 + HOUR_MS);
    flaky.failures = 1;
    expect(() => port.saveCycle(cycle(t0 + HOUR_MS, [a]), learned(engine))).toThrow('disk full');
    const worse = { ...sampleSignal('WORSE/USDT:USDT', t0 + 2 * HOUR_MS), score: Number.NaN };
    expect(() => port.saveCycle(cycle(t0 + 2 * HOUR_MS, [worse]), learned(engine))).toThrow(/backing off/);
    port.saveCycle(cycle(t0 + 3 * HOUR_MS, []), learned(engine));
    expect(store.signals.recent().map((s) => s.symbol).sort(), 'the owed row is written, the refused one alone given up').toEqual(['AAA/USDT:USDT', 'OK/USDT:USDT']);
    expect(errors).toEqual([expect.stringMatching(/^signal state: signal WORSE\/USDT:USDT-\d+ not stored/)]);
  });

  it('a full disk during the row-by-row retry keeps every row of the attempt owed, the refused one included, and none is written outside the transaction', () => {
    const store = open(tempStoreFile());
    const flaky = flakyStore(store);
    const logger = capturingLogger();
    const { port, engine, cycle } = cappedAtTwo(flaky, { logger, maxOwedRows: 100 });
    const t0 = Date.UTC(2025, 0, 1, 12);
    const bad = { ...sampleSignal('BAD/USDT:USDT', t0), score: Number.NaN };
    const ok = sampleSignal('OK/USDT:USDT', t0);
    // Call 1: the whole cycle, refused for the bad row; 2: the retry; 3: the bad row's savepoint; 4: the good row's, on a full disk.
    flaky.failAt = 4;
    expect(() => port.saveCycle(cycle(t0, [bad, ok]), learned(engine))).toThrow('disk full');
    expect(flaky.attempts).toBe(4);
    expect(store.signals.recent(), 'nothing written').toEqual([]);
    expect(logger.errors, 'nothing given up yet').toEqual([]);
    expect(() => port.saveCycle(cycle(t0 + HOUR_MS, []), learned(engine))).toThrow(/backing off after 1 failed saves in a row \(2 signal rows owed/);
    port.saveCycle(cycle(t0 + 2 * HOUR_MS, []), learned(engine));
    expect(store.signals.recent().map((s) => s.symbol), 'the good row, once the disk has room').toEqual(['OK/USDT:USDT']);
    expect(logger.errors).toEqual([expect.stringMatching(/^signal state: signal BAD\/USDT:USDT-\d+ not stored/)]);
  });

  it('keeps at most maxOwedRows rows of failed saves: the oldest are given up, with an error naming how many', () => {
    const store = open(tempStoreFile());
    const flaky = flakyStore(store);
    const logger = capturingLogger();
    const errors = logger.errors;
    const { port, engine, cycle } = cappedAtTwo(flaky, { logger, maxOwedRows: 1 });
    const t0 = Date.UTC(2025, 0, 1, 12);
    const a = sampleSignal('AAA/USDT:USDT', t0);
    const b = sampleSignal('BBB/USDT:USDT', t0 + HOUR_MS);
    flaky.failures = 1;
    expect(() => port.saveCycle(cycle(t0, [a]), learned(engine))).toThrow('disk full');
    expect(errors, 'one owed row is within the bound').toEqual([]);
    expect(() => port.saveCycle(cycle(t0 + HOUR_MS, [b]), learned(engine))).toThrow(/backing off/);
    expect(errors).toEqual(['signal state: the oldest 1 signal rows of failed saves given up (more than 1 owed)']);
    port.saveCycle(cycle(t0 + 2 * HOUR_MS, []), learned(engine));
    expect(store.signals.recent().map((s) => s.symbol), 'the newest owed row is written').toEqual(['BBB/USDT:USDT']);
    expect(() => createStoreSignalState({ store, exchange: 'test', retentionDays: 365, maxOwedRows: -1 }), 'a bad bound is refused, naming the field').toThrow(/maxOwedRows/);
  });

  it('a restore deletes the pending labels beyond the labeler cap (written under a larger cap), keeping their signals, and restores the ones due last', () => {
    const file = tempStoreFile();
    const store = open(file);
    const { t0 } = saveFourUnderWideCap(store);
    expect(store.labels.pendingRows('test')).toHaveLength(4);
    // Another exchange's labels, due first of all: not this restore's to delete.
    const other = createStoreSignalState({ store, exchange: 'other', retentionDays: 365 });
    other.restore(WIDE, 500, AT_END);
    const others = ['XXX', 'YYY', 'ZZZ'].map((sym, k) => sampleSignal(`${sym}/USDT:USDT`, t0 - (k + 1) * HOUR_MS));
    other.saveCycle({ closeTimeMs: t0 - HOUR_MS, regime: null, candidates: others, signals: others, labeled: others, matured: [], dropped: [] }, learned(new SignalEngine(WIDE)));
    store.close();

    const reopened = open(file);
    const logger = capturingLogger();
    const restored = createStoreSignalState({ store: reopened, exchange: 'test', retentionDays: 365, logger }).restore(CAPPED_AT_TWO, 500, AT_END);
    expect(restored.snapshot?.pending.map((p) => p.symbol), 'the two due last').toEqual(['CCC/USDT:USDT', 'DDD/USDT:USDT']);
    expect(reopened.labels.pendingRows('test').map((r) => r.symbol), 'the two due first are deleted').toEqual(['CCC/USDT:USDT', 'DDD/USDT:USDT']);
    expect(reopened.signals.recent().filter((s) => s.exchange === 'test').map((s) => s.symbol).sort(), 'every signal row stays').toEqual(['AAA/USDT:USDT', 'BBB/USDT:USDT', 'CCC/USDT:USDT', 'DDD/USDT:USDT']);
    expect(logger.infos).toEqual(["signal state: 2 pending labels beyond the labeler's cap (2) deleted; their signals stay"]);
    expect(reopened.labels.pendingRows('other'), "the other exchange's labels stay").toHaveLength(3);
  });

  it('readOnly: a restore reads the stored learning and deletes nothing, and a save writes nothing', () => {
    const file = tempStoreFile();
    const store = open(file);
    const { t0, signals } = saveFourUnderWideCap(store);
    store.close();

    const reopened = open(file);
    const reader = createStoreSignalState({ store: reopened, exchange: 'test', retentionDays: 365, readOnly: true });
    const restored = reader.restore(CAPPED_AT_TWO, 500, AT_END);
    expect(restored.snapshot?.pending.map((p) => p.symbol), 'the two due last, as a writer restores them').toEqual(['CCC/USDT:USDT', 'DDD/USDT:USDT']);
    expect(restored.recentSignals.map((s) => s.symbol).sort(), 'the stored selected signals').toEqual(['AAA/USDT:USDT', 'BBB/USDT:USDT', 'CCC/USDT:USDT', 'DDD/USDT:USDT']);
    const pendingIds = reopened.labels.pendingRows('test').map((r) => r.id);
    expect(pendingIds, 'the labels beyond the cap stay for the writer').toHaveLength(4);
    const later = [sampleSignal('EEE/USDT:USDT', t0 + 5 * HOUR_MS)];
    // A cycle that labels, matures and drops: none of it reaches the store.
    reader.saveCycle({ closeTimeMs: t0 + 5 * HOUR_MS, regime: null, candidates: later, signals: later, labeled: later, matured: [], dropped: [signals[0]!.id] }, learned(new SignalEngine(CAPPED_AT_TWO)));
    expect(reopened.signals.recent().map((s) => s.symbol).sort(), 'no signal row written').toEqual(['AAA/USDT:USDT', 'BBB/USDT:USDT', 'CCC/USDT:USDT', 'DDD/USDT:USDT']);
    expect(reopened.labels.pendingRows('test').map((r) => r.id), 'no label written or deleted').toEqual(pendingIds);
  });

  it('a restore on a store that cannot delete now (read-only, busy) keeps the labels beyond the cap, warns, and restores the rest', () => {
    const store = open(tempStoreFile());
    const logger = capturingLogger();
    const readOnly = { ...store, labels: Object.assign(Object.create(store.labels) as typeof store.labels, { discardPendingBeyond: () => { throw Object.assign(new Error('attempt to write a readonly database'), { code: 'SQLITE_READONLY' }); } }) };
    const { port, engine, cycle } = cappedAtTwo(store);
    const t0 = Date.UTC(2025, 0, 1, 12);
    port.saveCycle(cycle(t0, [sampleSignal('AAA/USDT:USDT', t0)]), learned(engine));
    const restored = createStoreSignalState({ store: readOnly, exchange: 'test', retentionDays: 365, logger }).restore(CAPPED_AT_TWO, 500, AT_END);
    expect(restored.snapshot?.pending.map((p) => p.symbol)).toEqual(['AAA/USDT:USDT']);
    expect(logger.warnings.map((w) => w.msg)).toEqual(['signal state: pending labels beyond the cap not deleted']);
  });

  it('keeps each exchange to itself: another exchange restores nothing of it, and its retention deletes none of it', () => {
    const file = tempStoreFile();
    const store = open(file);
    const sim = createStoreSignalState({ store, exchange: 'sim', retentionDays: 365 });
    sim.restore(config, 500, AT_END);
    const live = new IncrementalSignalEvaluator(new SignalEngine(config));
    const emitted = runAndSave(live, sim, barBatches(data).map((b) => b.bars).slice(0, 120)).flat();
    expect(live.engine.banditSnapshot().updates, 'the sim run learned').toBeGreaterThan(0);
    expect(live.engine.pendingLabels, 'and left labels pending').toBeGreaterThan(0);
    expect(emitted.length, 'and selected signals').toBeGreaterThan(0);

    const logger = capturingLogger();
    const other = createStoreSignalState({ store, exchange: 'binance', retentionDays: 2, logger });
    expect(other.restore(config, 500, AT_END), 'no bandit, engine time, pending label or signal of the sim').toEqual({ recentSignals: [], skipped: [] });
    expect(logger.warnings).toEqual([]);
    // A cycle far past the sim's data and its retention, on the other exchange.
    const farMs = AT_END.nowMs + 30 * DAY_MS;
    const s = sampleSignal('BTC/USDT:USDT', farMs);
    other.saveCycle({ closeTimeMs: farMs, regime: null, candidates: [s], signals: [s], labeled: [s], matured: [], dropped: [] }, learned(new SignalEngine(config)));

    expect(store.bandit.load(engineStateRow('binance'))?.state, 'the other exchange has an engine row of its own').toEqual({ lastCloseTimeMs: null, regime: null });
    const again = createStoreSignalState({ store, exchange: 'sim', retentionDays: 365 }).restore(config, 500, AT_END);
    expect(again.skipped).toEqual([]);
    expect(pendingById(again.snapshot), 'the sim state is whole: not overwritten, not expired').toEqual(pendingById(live.engine.snapshot()));
    expect(again.recentSignals.map(summary).sort(), 'only the sim signals come back to the sim').toEqual(emitted.map(summary).sort());
    const theirs = createStoreSignalState({ store, exchange: 'binance', retentionDays: 2 }).restore(config, 500, { nowMs: farMs, barMs: HOUR_MS });
    expect(theirs.recentSignals.map(summary), 'and only its own to the other').toEqual([summary(s)]);
    expect(theirs.snapshot?.pending.map((p) => p.signalId)).toEqual([s.id]);
  });

  it('refuses a stored time later than the engine clock plus one bar, naming the row, and starts that part fresh', () => {
    const file = tempStoreFile();
    const store = open(file);
    const port = createStoreSignalState({ store, exchange: 'test', retentionDays: 365 });
    port.restore(config, 500, AT_END);
    const live = new IncrementalSignalEvaluator(new SignalEngine(config));
    runAndSave(live, port, barBatches(data).map((b) => b.bars).slice(0, 120));
    const saved = live.engine.snapshot();
    const lastCloseMs = saved.lastCloseTimeMs!;
    expect(saved.bandit.updates, 'the bandit learned').toBeGreaterThan(0);

    const atBound = createStoreSignalState({ store, exchange: 'test', retentionDays: 365 }).restore(config, 500, { nowMs: lastCloseMs - HOUR_MS, barMs: HOUR_MS });
    expect(atBound.skipped, 'one bar ahead of the clock is a bar closing now').toEqual([]);
    expect(pendingById(atBound.snapshot)).toEqual(pendingById(saved));

    // The clock of a later run stands before what an accelerated run stored.
    const at: RestoreTime = { nowMs: lastCloseMs - 6 * HOUR_MS, barMs: HOUR_MS };
    const latestMs = at.nowMs + at.barMs;
    const keptLabels = saved.pending.filter((p) => p.openTimeMs <= latestMs);
    const futureLabels = saved.pending.filter((p) => p.openTimeMs > latestMs);
    expect(futureLabels.length, 'some pending labels are dated after the clock').toBeGreaterThan(0);
    expect(keptLabels.length, 'and some before it').toBeGreaterThan(0);

    const logger = capturingLogger();
    const restored = createStoreSignalState({ store, exchange: 'test', retentionDays: 365, logger }).restore(config, 500, at);
    const labelRows = new Map(store.labels.pendingRows('test').map((r) => [(JSON.parse(r.payloadJson) as { signalId: string }).signalId, r.id]));
    expect(restored.skipped.map(({ table, rowId, field }) => ({ table, rowId, field }))).toEqual([
      { table: 'bandit_state', rowId: ENGINE_ROW, field: 'state_json.lastCloseTimeMs' },
      ...futureLabels.map((p) => ({ table: 'labels', rowId: labelRows.get(p.signalId), field: 'payload_json.openTimeMs' })),
    ]);
    expect(restored.skipped[0]!.reason, 'the reason gives both times').toContain(new Date(lastCloseMs).toISOString());
    expect(restored.skipped[0]!.reason).toContain(new Date(at.nowMs).toISOString());
    for (const s of restored.skipped) {
      expect(
        logger.warnings.some((w) => w.fields.table === s.table && w.fields.rowId === s.rowId && w.fields.field === s.field && w.msg.includes(`${s.table} row ${s.rowId} skipped: ${s.field}`)),
        `a warning names ${s.table} row ${s.rowId} field ${s.field}`,
      ).toBe(true);
    }
    const snap = restored.snapshot!;
    expect(snap.lastCloseTimeMs, 'no resume time: no bar before it is dropped').toBeNull();
    expect(snap.regime).toBeNull();
    expect(snap.lifecycle, 'no cooldowns measured from the refused time').toEqual({ lastEmitMs: [], recentIds: [] });
    expect(snap.pending.map((p) => p.signalId).sort(), 'the labels dated before the clock stay').toEqual(keptLabels.map((p) => p.signalId).sort());
    expect(snap.bandit, 'the weights are this exchange’s and undated: kept').toEqual(saved.bandit);
    expect(new SignalEngine(config, { snapshot: snap }).lastCycleCloseTimeMs, 'the engine built from it resumes at no time').toBeNull();
  });
});

/** A labeler cap of two pending labels. */
const WIDE = resolveSignalEngineConfig({ regime: { anchorSymbol: BASELINE_ANCHOR, anchorTimeframe: '1h' }, labeler: { maxPending: 10 } });

/** Four labeled signals (AAA..DDD), an hour apart from `t0`, saved with their pending labels under a cap of 10. */
function saveFourUnderWideCap(store: Parameters<typeof createStoreSignalState>[0]['store']): { t0: number; signals: Signal[] } {
  const wide = createStoreSignalState({ store, exchange: 'test', retentionDays: 365 });
  wide.restore(WIDE, 500, AT_END);
  const t0 = Date.UTC(2025, 0, 1, 12);
  const signals = ['AAA', 'BBB', 'CCC', 'DDD'].map((sym, k) => sampleSignal(`${sym}/USDT:USDT`, t0 + k * HOUR_MS));
  wide.saveCycle({ closeTimeMs: t0 + 3 * HOUR_MS, regime: null, candidates: signals, signals, labeled: signals, matured: [], dropped: [] }, learned(new SignalEngine(WIDE)));
  return { t0, signals };
}

const CAPPED_AT_TWO = resolveSignalEngineConfig({ regime: { anchorSymbol: BASELINE_ANCHOR, anchorTimeframe: '1h' }, labeler: { maxPending: 2 } });

/**
 * The store with a transaction that throws `fault()` (a full disk unless told) for the next
 * `failures` commits, counting attempts.
 */
function flakyStore(store: Store, fault: () => Error = () => new StoreError(ErrorCode.DiskFull, 'disk full')) {
  const flaky = {
    failures: 0,
    attempts: 0,
    /** Also fail the transaction call with this attempt number (nested ones count too). */
    failAt: 0,
    signals: store.signals,
    labels: store.labels,
    bandit: store.bandit,
    transaction: <T>(fn: () => T): T => store.transaction(() => {
      const n = ++flaky.attempts;
      const out = fn();
      if (n === flaky.failAt) throw fault();
      if (flaky.failures > 0) {
        flaky.failures--;
        throw fault();
      }
      return out;
    }),
  };
  return flaky;
}

/**
 * A store port restored under `CAPPED_AT_TWO`, with a labeler of that cap standing in for the
 * engine's: `cycle` labels the given signals through it, so each cycle's `dropped` is the labeler's.
 */
function cappedAtTwo(store: Parameters<typeof createStoreSignalState>[0]['store'], extra: { logger?: Logger; maxOwedRows?: number } = {}) {
  const port = createStoreSignalState({ store, exchange: 'test', retentionDays: 365, ...extra });
  port.restore(CAPPED_AT_TWO, 500, AT_END);
  const labeler = new SignalLabeler(2);
  const pendingOf = (s: Signal): PendingLabel => ({
    signalId: s.id, symbol: s.symbol, timeframe: s.timeframe, side: s.side, components: s.components.map((c) => c.id), openTimeMs: s.openTimeMs,
    entryPrice: s.levels.entry, takeProfit: s.levels.takeProfit, stop: s.levels.stop, horizonBars: 12, barsSeen: 0,
  });
  const cycle = (closeTimeMs: number, labeled: Signal[], matured: SignalCycle['matured'] = []): SignalCycle => ({
    closeTimeMs, regime: null, candidates: labeled, signals: labeled, labeled, matured, dropped: labeler.trackAll(labeled.map(pendingOf)),
  });
  return { port, engine: new SignalEngine(CAPPED_AT_TWO), labeler, cycle };
}

function sampleSignal(symbol: string, closeTimeMs: number): Signal {
  return {
    id: `${symbol}-${closeTimeMs}`,
    symbol,
    timeframe: '1h',
    openTimeMs: closeTimeMs - 3_600_000,
    closeTimeMs,
    side: 'long',
    score: 3,
    calibrated: false,
    probability: 0.5,
    expectedValue: 0.001,
    regime: null,
    riskMultiplier: 1,
    components: [{ id: 'breakout', side: 'long', score: 0.8, weight: 1, level: 101 }],
    evidence: [],
    tags: [],
    levels: { entry: 100, stop: 98, takeProfit: 103, byComponent: { breakout: 101 } },
    entryPlan: null,
  };
}
