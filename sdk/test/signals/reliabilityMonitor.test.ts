import { describe, expect, it } from 'vitest';
import {
  parseReliabilitySnapshot,
  parseSignalEngineSnapshot,
  ReliabilityMonitor,
  resolveSignalEngineConfig,
  SignalLabeler,
  UNCALIBRATED_KEY,
  type LabelOutcome,
  type ReliabilityFinding,
  type ReliabilityParams,
} from '../../src/signals/index.js';

const DEFAULTS = resolveSignalEngineConfig({}).reliability;

function outcome(probability: number | undefined, hit: boolean, calibrationId: string | null = 'cal-a'): LabelOutcome {
  const o: LabelOutcome = {
    signalId: 's',
    symbol: 'X',
    timeframe: '1h',
    side: 'long',
    components: ['breakout'],
    outcome: hit ? 'tp' : 'sl',
    returnPct: hit ? 0.02 : -0.015,
    reward: hit ? 1 : 0.125,
    barsHeld: 3,
    resolvedOpenTimeMs: 0,
    calibrationId,
  };
  if (probability !== undefined) o.probability = probability;
  return o;
}

/**
 * `count` outcomes whose hit rate is exactly `rate` over every run of 10 (hits spread evenly), so
 * the realized rate is known without sampling noise.
 */
function stream(count: number, stated: number, rate: number, calibrationId: string | null = 'cal-a'): LabelOutcome[] {
  const hitsPer10 = Math.round(rate * 10);
  return Array.from({ length: count }, (_, i) => outcome(stated, (i * hitsPer10) % 10 < hitsPer10, calibrationId));
}

/** Feeds `outcomes` one at a time, checking after each (as the engine checks after each cycle). */
function feed(m: ReliabilityMonitor, outcomes: readonly LabelOutcome[]): ReliabilityFinding[] {
  const findings: ReliabilityFinding[] = [];
  for (const o of outcomes) {
    m.observe(o);
    findings.push(...m.check());
  }
  return findings;
}

const params = (over: Partial<ReliabilityParams> = {}): ReliabilityParams => ({ ...DEFAULTS, ...over });

describe('ReliabilityMonitor', () => {
  it('defaults: a window of 2000 outcomes, 200 to judge, 5 pp tolerance', () => {
    expect(DEFAULTS).toEqual({ windowOutcomes: 2000, minCount: 200, tolerancePp: 5 });
  });

  it('a calibration whose signals realize what they state never drifts, and its table shows it', () => {
    const m = new ReliabilityMonitor(params());
    const findings = feed(m, [...stream(1000, 0.3, 0.3), ...stream(1000, 0.7, 0.7)]);
    expect(findings).toEqual([]);
    const [cal] = m.table();
    expect(cal!.key).toBe('cal-a');
    expect(cal!.drifting).toBe(false);
    expect(cal!.bins[3]!.meanStated).toBeCloseTo(0.3, 12);
    expect(cal!.bins[3]!.realized).toBeCloseTo(0.3, 1);
    expect(cal!.bins[7]!.realized).toBeCloseTo(0.7, 1);
    expect(Math.abs(cal!.overall.errorPp!), 'overall stated and realized agree').toBeLessThan(2);
    expect(cal!.bins[0]).toEqual({ from: 0, to: 0.1, count: 0, meanStated: null, realized: null, errorPp: null });
  });

  it('stated 0.6 but realized 0.4 over 500 outcomes: exactly one drift, then one recovery once outcomes match again', () => {
    const m = new ReliabilityMonitor(params());
    const drift = feed(m, stream(500, 0.6, 0.4));
    expect(drift).toHaveLength(1);
    const d = drift[0]!;
    expect(d).toMatchObject({ kind: 'drift', key: 'cal-a' });
    expect(d.count, 'judged once minCount effective outcomes were in').toBeGreaterThanOrEqual(200);
    expect(d.count).toBeLessThan(210);
    expect(d.meanStated).toBeCloseTo(0.6, 12);
    expect(d.realized).toBeCloseTo(0.4, 1);
    expect(d.bound).toBeCloseTo(Math.max(0.05, 3 * Math.sqrt((0.6 * 0.4) / d.count)), 12);
    expect(m.table()[0]!.drifting).toBe(true);

    const back = feed(m, stream(4000, 0.6, 0.6));
    expect(back).toHaveLength(1);
    expect(back[0]).toMatchObject({ kind: 'recovered', key: 'cal-a', scope: 'overall' });
    expect(Math.abs(back[0]!.meanStated - back[0]!.realized), 'recovered within half the bound, so it does not flip back on the next outcome').toBeLessThanOrEqual(back[0]!.bound / 2);
    expect(m.table()[0]!.drifting).toBe(false);
  });

  it('a drift in one bin is found even when the overall rate looks right', () => {
    // Overconfident at 0.8 and underconfident at 0.2 by the same amount: overall stated 0.5, realized 0.5.
    const mixed = stream(600, 0.8, 0.5).flatMap((o, i) => [o, stream(600, 0.2, 0.5)[i]!]);
    const m = new ReliabilityMonitor(params());
    const findings = feed(m, mixed);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.kind).toBe('drift');
    expect(findings[0]!.scope).toMatchObject({ bin: expect.any(Number) });
    expect(Math.abs(m.table()[0]!.overall.errorPp!), 'overall is within tolerance').toBeLessThan(5);
  });

  it('uncalibrated signals are tabulated but never alert, however wrong their heuristic', () => {
    const m = new ReliabilityMonitor(params());
    expect(feed(m, stream(1000, 0.9, 0.1, null))).toEqual([]);
    const [row] = m.table();
    expect(row).toMatchObject({ key: UNCALIBRATED_KEY, calibrated: false, drifting: false });
    expect(row!.overall.errorPp!).toBeLessThan(-70);
  });

  it('outcomes without a stated probability (labels from before it was carried) are ignored', () => {
    const m = new ReliabilityMonitor(params());
    expect(m.observe(outcome(undefined, true))).toBe(false);
    expect(m.table()).toEqual([]);
    expect(m.observed).toBe(0);
  });

  it('decay forgets old outcomes: the table follows about the last windowOutcomes', () => {
    const m = new ReliabilityMonitor(params({ windowOutcomes: 100 }));
    feed(m, stream(1000, 0.5, 0));
    feed(m, stream(1000, 0.5, 1));
    const overall = m.table()[0]!.overall;
    expect(overall.count, 'the effective count saturates near the window').toBeGreaterThan(99);
    expect(overall.count).toBeLessThan(100);
    // 1000 outcomes = 10 windows since the misses: their weight is under e^-10 of the whole.
    expect(overall.realized).toBeGreaterThan(0.9999);
  });

  it('snapshot and restore: the restored monitor holds the same table and drift state', () => {
    const m = new ReliabilityMonitor(params());
    feed(m, [...stream(300, 0.6, 0.4), ...stream(50, 0.3, 0.3, null)]);
    const snap = m.snapshot();
    const json = JSON.stringify(snap);
    expect(json.length, 'the snapshot stays small').toBeLessThan(2_000);
    const restored = new ReliabilityMonitor(params(), parseReliabilitySnapshot(JSON.parse(json)));
    expect(restored.table()).toEqual(m.table());
    expect(restored.snapshot()).toEqual(snap);
    expect(restored.observed).toBe(350);
    expect(feed(restored, stream(10, 0.6, 0.4)), 'the drift is not reported again after a restore').toEqual([]);
  });

  it('a snapshot that does not validate names the field', () => {
    expect(() => parseReliabilitySnapshot({ version: 1, updates: 1, keys: { a: { drifting: false, bins: [[1, 0.5, 2]] } } })).toThrow(/keys\.a\.bins/);
  });
});

describe('SignalLabeler carries the stated probability to the outcome', () => {
  it('probability and calibrationId come out as they went in', () => {
    const l = new SignalLabeler(10, [
      { signalId: 'a', symbol: 'X', timeframe: '1h', side: 'long', components: ['c'], openTimeMs: 0, entryPrice: 100, takeProfit: 104, stop: 97, horizonBars: 3, barsSeen: 0, probability: 0.62, calibrationId: 'cal-a' },
      { signalId: 'b', symbol: 'X', timeframe: '1h', side: 'long', components: ['c'], openTimeMs: 0, entryPrice: 100, takeProfit: 104, stop: 97, horizonBars: 3, barsSeen: 0, probability: 0.4, calibrationId: null },
    ]);
    const done = l.onBar('X', '1h', { openTimeMs: 3_600_000, high: 105, low: 99, close: 104 });
    expect(done.map((o) => [o.signalId, o.outcome, o.probability, o.calibrationId])).toEqual([
      ['a', 'tp', 0.62, 'cal-a'],
      ['b', 'tp', 0.4, null],
    ]);
  });
});

describe('engine snapshots with and without the stated probability on pending labels', () => {
  const label = { signalId: 'a', symbol: 'X', timeframe: '1h', side: 'long', components: ['c'], openTimeMs: 0, entryPrice: 100, takeProfit: 104, stop: 97, horizonBars: 3, barsSeen: 0 };
  const snapshot = (pending: unknown[]) => ({ version: 1, lastCloseTimeMs: null, regime: null, bandit: { logWeights: {}, updates: 0 }, pending, lifecycle: { lastEmitMs: [], recentIds: [] } });

  it('an old snapshot without them still parses; a new one keeps them', () => {
    expect(parseSignalEngineSnapshot(snapshot([label])).pending[0]).toEqual(label);
    const withP = { ...label, probability: 0.62, calibrationId: 'cal-a' };
    expect(parseSignalEngineSnapshot(snapshot([withP, { ...label, probability: 0.4, calibrationId: null }])).pending.map((p) => [p.probability, p.calibrationId])).toEqual([
      [0.62, 'cal-a'],
      [0.4, null],
    ]);
  });

  it('a stated probability outside [0, 1] is refused, naming the field', () => {
    expect(() => parseSignalEngineSnapshot(snapshot([{ ...label, probability: 1.5 }]))).toThrow(/pending\.0\.probability/);
  });
});
