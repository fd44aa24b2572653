import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/core/clock.js';
import { createEngine, createStoreSignalState, type EngineAlert, type SignalStatePort } from '../../src/engine/index.js';
import { reliabilityStateRow } from '../../src/engine/storeSignalState.js';
import { ReplayMarketData } from '../../src/market/index.js';
import { parseReliabilitySnapshot, type ReliabilityKeyTable } from '../../src/signals/index.js';
import { asHourlySeries, generatedHourlyCandles } from '../generatedCandles.js';
import { storeFiles } from './storeFiles.js';

const H = 3_600_000;
const END_MS = Date.UTC(2026, 0, 10);
const START_MS = END_MS - 400 * H;
const REPLAY_START_MS = START_MS + 320 * H;
/** Closes the replay runs through before the first stop. */
const STEPS = 60;

/** sigmoid(3) = 0.953 for every signal: a calibration that promises far more than TP-before-stop delivers. */
const OVERCONFIDENT = { id: 'test-cal', bias: 3, coef: {} };


const candles = asHourlySeries(generatedHourlyCandles({ seed: 11, symbols: 12, fromMs: START_MS, toMs: END_MS }));
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** An engine over the replayed candles from `startMs`, with its alerts and ranking count collected. */
async function replayEngine(startMs: number, signalState?: SignalStatePort) {
  const clock = new SimulatedClock(startMs);
  const source = new ReplayMarketData({ clock, candles });
  const engine = createEngine(
    {
      exchange: 'replay',
      timeframes: ['1h'],
      backfillBars: 300,
      universe: { minQuoteVolumeUsd: 0, maxSpreadBps: null, topN: 1000 },
      signals: { calibration: OVERCONFIDENT, reliability: { minCount: 50 } },
    },
    { clock, source, ...(signalState ? { signalState } : {}) },
  );
  const alerts: EngineAlert[] = [];
  let rankings = 0;
  engine.on('alert', (a) => alerts.push(a));
  engine.on('ranking', () => rankings++);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await engine.stop();
  };
  cleanups.unshift(stop);
  await engine.start();
  /** Advances one bar and waits until the analysis cycle of that close has run (its ranking is out). */
  const step = async () => {
    const before = rankings;
    await clock.advance(H);
    for (let i = 0; i < 10_000 && rankings === before; i++) {
      await flush();
      await clock.advance(0);
    }
    if (rankings === before) throw new Error(`no analysis cycle after the close at ${new Date(clock.nowMs()).toISOString()}`);
  };
  return { engine, alerts, step, stop, clock };
}

const { tempStoreFile, open } = storeFiles(cleanups, 'perpscope-reliability-');

const tableOf = (tables: readonly ReliabilityKeyTable[], key: string) => tables.find((t) => t.key === key);

describe('engine: calibration drift alerts from the reliability table', () => {
  it('a calibration stating a high probability on signals that mostly fail raises one calibration_drift alert', async () => {
    const run = await replayEngine(REPLAY_START_MS);
    for (let i = 0; i < STEPS; i++) await run.step();

    const cal = tableOf(run.engine.reliability(), 'test-cal');
    expect(cal, 'matured outcomes of the calibrated signals are tabulated under its id').toBeDefined();
    expect(cal!.calibrated).toBe(true);
    expect(cal!.overall.meanStated!).toBeCloseTo(1 / (1 + Math.exp(-3)), 12);
    expect(cal!.overall.realized!, 'outcomes mostly fail').toBeLessThan(0.6);
    expect(cal!.drifting).toBe(true);

    const drifts = run.alerts.filter((a) => a.kind === 'calibration_drift');
    expect(drifts, 'the drift is reported once, when it starts').toHaveLength(1);
    const [d] = drifts;
    expect(d!.level).toBe('warn');
    expect(d!.message).toMatch(/^calibration test-cal drifted: stated 95\.3% vs realized \d+\.\d% over n=\d+ \(.+\), bound \d+\.\d pp$/);
    expect(d!.details).toMatchObject({ calibrationId: 'test-cal', meanStated: expect.closeTo(0.9526, 4) });
    expect(d!.details!['count'] as number).toBeGreaterThanOrEqual(50);
    expect(run.alerts.filter((a) => a.kind === 'calibration_recovered')).toEqual([]);
  });

  it('the reliability table and its drift state survive a store reopen: no second alert for the same drift', async () => {
    const file = tempStoreFile();
    const first = open(file);
    const run = await replayEngine(REPLAY_START_MS, createStoreSignalState({ store: first, exchange: 'replay', retentionDays: 365 }));
    for (let i = 0; i < STEPS; i++) await run.step();
    expect(run.alerts.filter((a) => a.kind === 'calibration_drift')).toHaveLength(1);
    const before = run.engine.reliability();
    const endMs = run.clock.nowMs();
    await run.stop();
    first.close();

    const db = new Database(file, { readonly: true });
    const row = db.prepare<[string], { state_json: string }>('SELECT state_json FROM bandit_state WHERE name = ?').get(reliabilityStateRow('replay'));
    db.close();
    expect(row, 'the table is stored in its own bandit_state row').toBeDefined();
    const stored = parseReliabilitySnapshot(JSON.parse(row!.state_json));
    expect(stored.keys['test-cal']!.drifting).toBe(true);

    const reopened = open(file);
    const again = await replayEngine(endMs, createStoreSignalState({ store: reopened, exchange: 'replay', retentionDays: 365 }));
    const restoredAlert = again.alerts.find((a) => a.kind === 'signal_state_restored');
    expect(restoredAlert?.details?.['skippedRows'], 'every stored row validated').toBe(0);
    expect(again.engine.reliability(), 'the restarted engine holds the table it stopped with').toEqual(before);
    for (let i = 0; i < 10; i++) await again.step();
    expect(tableOf(again.engine.reliability(), 'test-cal')!.drifting).toBe(true);
    expect(again.alerts.filter((a) => a.kind.startsWith('calibration_')), 'the drift was reported before the restart').toEqual([]);
  });

  it('a stored reliability row that does not validate is skipped and reported, and the table starts empty', async () => {
    const file = tempStoreFile();
    const store = open(file);
    store.bandit.save(reliabilityStateRow('replay'), { version: 1, updates: -1, keys: {} }, REPLAY_START_MS - H);
    const run = await replayEngine(REPLAY_START_MS, createStoreSignalState({ store, exchange: 'replay', retentionDays: 365 }));
    const restoredAlert = run.alerts.find((a) => a.kind === 'signal_state_restored');
    expect(restoredAlert?.details?.['skipped']).toEqual([
      { table: 'bandit_state', rowId: reliabilityStateRow('replay'), field: 'state_json.updates', reason: expect.any(String) },
    ]);
    expect(run.engine.reliability()).toEqual([]);
  });
});
