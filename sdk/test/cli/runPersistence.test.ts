import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runRun } from '../../src/cli/commands/run.js';
import { BUILTIN_STRATEGY_IDS } from '../../src/strategies/index.js';
import { databaseFileIn } from '../../src/store/index.js';
import { SIM_START_MS, until } from '../../../test/support/sim.js';
import { captureIo } from './testIo.js';
import { readLearningTables } from './learningTables.js';

/** A small pinned sim on 1m bars; a 3-bar label horizon lets labels mature within seconds. */
const ENV = {
  PERPSCOPE_SIM__SYMBOLS: '12',
  PERPSCOPE_SIM__SEED: '3',
  PERPSCOPE_SIM__START_TIME_MS: String(SIM_START_MS),
  PERPSCOPE_TIMEFRAMES: '1m',
  PERPSCOPE_SIM__ACCELERATION: '60',
  PERPSCOPE_SIM__RATE_LIMIT_SCALE: '20',
  PERPSCOPE_BACKFILL_BARS: '120',
  PERPSCOPE_UNIVERSE__MIN_QUOTE_VOLUME_USD: '0',
  PERPSCOPE_SIGNALS__LABELER__HORIZON_BARS: '3',
};

interface SignalLine {
  type: 'signal';
  beforeTrading?: true;
  signal: { id: string; symbol: string; side: string };
}

describe('perpscope run persists what the signal engine learns', () => {
  it('after a paper run over the sim, bandit_state, labels and signals hold the run', async () => {
    const home = mkdtempSync(join(tmpdir(), 'perpscope-run-learn-'));
    const file = databaseFileIn(home);
    const io = captureIo(false);
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const running = runRun({ paper: true, sim: true, label: 'default', home }, { ...io, env: ENV }, { until: stopped });
    const signalLines = () => io.lines.filter((l) => l.includes('"type":"signal"')).map((l) => JSON.parse(l) as SignalLine);
    try {
      await until('three emitted signals, one after trading started', () => (signalLines().length >= 3 && signalLines().some((l) => l.beforeTrading !== true) ? true : null), 50_000);
      await until(
        'a matured label and a bandit update stored',
        () => {
          if (!existsSync(file)) return null;
          const t = readLearningTables(file);
          return t.labels.some((l) => l.status === 'matured') && (t.bandit?.updates ?? 0) > 0 ? true : null;
        },
        50_000,
      );
    } finally {
      stop();
      await running;
    }

    const restored = io.lines.map((l) => JSON.parse(l) as { kind?: string; details?: { banditUpdates: number; pendingLabels: number } }).find((e) => e.kind === 'signal_state_restored');
    expect(restored?.details, 'a fresh home restores nothing').toMatchObject({ banditUpdates: 0, pendingLabels: 0 });

    const t = readLearningTables(file);
    expect(Object.keys(t.bandit!.logWeights).sort(), 'one log-weight per built-in strategy').toEqual([...BUILTIN_STRATEGY_IDS].sort());
    for (const w of Object.values(t.bandit!.logWeights)) expect(Number.isFinite(w) && w <= 0, 'log-weights are re-centred on the best arm').toBe(true);
    const matured = t.labels.filter((l) => l.status === 'matured');
    expect(t.bandit!.updates, 'every matured outcome fed the bandit once, and every one is stored').toBe(matured.length);
    expect(t.engine?.lastCloseTimeMs, 'the last cycle time is stored').toBeGreaterThan(SIM_START_MS);

    const stored = new Map(t.signals.map((s) => [s.payload.id, s]));
    for (const { signal } of signalLines()) {
      const row = stored.get(signal.id);
      expect(row, `emitted signal ${signal.id} is stored`).toBeDefined();
      expect(row).toMatchObject({ symbol: signal.symbol, side: signal.side, payload: { selected: true } });
    }
    // Every selection the engine stored was printed, the start cycle's included: a slow warm-up
    // can put bars of the next minute into that cycle, so its signals are not told apart by time.
    const printed = new Set(signalLines().map((l) => l.signal.id));
    for (const s of t.signals.filter((r) => r.payload.selected)) {
      expect(printed.has(s.payload.id), `selected signal ${s.payload.id} (closed ${s.createdAtMs}) was printed`).toBe(true);
    }

    // The lines printed before the trading side started are marked, and only those.
    const parsed = io.lines.map((l) => JSON.parse(l) as { type: string; kind?: string; beforeTrading?: boolean });
    const edgeGate = parsed.findIndex((e) => e.kind === 'edge_gate');
    expect(edgeGate, 'the edge_gate alert is printed as trading starts').toBeGreaterThan(0);
    parsed.forEach((e, i) => {
      if (e.type === 'signal') expect(e.beforeTrading === true, `signal line ${i} (edge_gate at ${edgeGate}) marked beforeTrading`).toBe(i < edgeGate);
    });

    const byId = new Map(t.signals.map((s) => [s.id, s]));
    expect(t.labels.length, 'every stored signal that was labeled has one label').toBeGreaterThan(0);
    expect(new Set(t.labels.map((l) => l.signalId)).size, 'one label per signal').toBe(t.labels.length);
    for (const l of matured) {
      expect(l.maturedAtMs!, `label ${l.id} matured after its signal`).toBeGreaterThan(byId.get(l.signalId)!.createdAtMs);
      expect(l.value!, `label ${l.id} reward`).toBeGreaterThanOrEqual(0);
      expect(l.value!, `label ${l.id} reward`).toBeLessThanOrEqual(1);
      expect(Number.isFinite(l.returnBps), `label ${l.id} return`).toBe(true);
    }
  });
});
