import { describe, expect, it } from 'vitest';
import { AlertRuleEngine, AlertRulesConfigSchema, type AlertInput, type AlertRulesConfig } from '../../src/alerts/index.js';

const HOUR_MS = 3_600_000;

function rules(overrides: Record<string, unknown> = {}): AlertRulesConfig {
  return AlertRulesConfigSchema.parse(overrides);
}

const signal = (symbol: string, probability = 0.6): AlertInput => ({ type: 'signal', id: `s-${symbol}`, symbol, timeframe: '15m', side: 'long', score: 1.23456789, probability, calibrated: true });

describe('AlertRuleEngine: ranking', () => {
  it('reports a symbol entering the top N, not the first snapshot, nor symbols already in it or below N', () => {
    const engine = new AlertRuleEngine(rules({ ranking: { topN: 3 } }));
    expect(engine.handle({ type: 'ranking', profile: 'swing', symbols: ['A', 'B', 'C', 'D'] }, 1), 'the first snapshot is the baseline').toEqual([]);
    expect(engine.handle({ type: 'ranking', profile: 'swing', symbols: ['B', 'A', 'C', 'D'] }, 2), 'a reshuffle inside the top is no entry').toEqual([]);
    const entered = engine.handle({ type: 'ranking', profile: 'swing', symbols: ['D', 'A', 'B', 'C', 'E'] }, 3);
    expect(entered.map((m) => [m.rule, m.key])).toEqual([['ranking', 'swing:D']]);
    expect(entered[0]!.fields).toContainEqual({ name: 'rank', value: '1' });
    expect(engine.handle({ type: 'ranking', profile: 'swing', symbols: ['D', 'A', 'B', 'E'] }, 4), 'E moved up to 4th: still outside the top 3').toEqual([]);
  });

  it('keeps a baseline per profile', () => {
    const engine = new AlertRuleEngine(rules({ ranking: { topN: 1 } }));
    engine.handle({ type: 'ranking', profile: 'swing', symbols: ['A'] }, 1);
    expect(engine.handle({ type: 'ranking', profile: 'scalp', symbols: ['B'] }, 2), "another profile's first snapshot is its baseline").toEqual([]);
    expect(engine.handle({ type: 'ranking', profile: 'swing', symbols: ['B'] }, 3).map((m) => m.key)).toEqual(['swing:B']);
  });

  it('says nothing when disabled', () => {
    const engine = new AlertRuleEngine(rules({ ranking: { enabled: false, topN: 1 } }));
    engine.handle({ type: 'ranking', profile: 'swing', symbols: ['A'] }, 1);
    expect(engine.handle({ type: 'ranking', profile: 'swing', symbols: ['B'] }, 2)).toEqual([]);
  });
});

describe('AlertRuleEngine: event rules', () => {
  it('turns each event into its message, with its severity', () => {
    const engine = new AlertRuleEngine(rules());
    const one = (input: AlertInput) => {
      const out = engine.handle(input, 1_000);
      expect(out, input.type).toHaveLength(1);
      return out[0]!;
    };
    expect(one({ type: 'manipulation', symbol: 'PEPE/USDT:USDT', message: 'radar 93' })).toMatchObject({ rule: 'manipulation', key: 'PEPE/USDT:USDT', severity: 'warning', text: 'radar 93', atMs: 1_000 });
    expect(one(signal('BTC/USDT:USDT'))).toMatchObject({ rule: 'signal', key: 'BTC/USDT:USDT:15m:long', severity: 'info' });
    expect(one({ type: 'fill', id: 'f1', symbol: 'ETH/USDT:USDT', side: 'sell', price: 3000.5, amountBase: 0.1, exitReason: 'tp1' })).toMatchObject({ rule: 'fill', key: 'f1', text: 'sell 0.1 ETH/USDT:USDT at 3000.5: exit (tp1).' });
    expect(one({ type: 'kill_switch', on: true, message: 'Kill switch on (manual)' })).toMatchObject({ rule: 'killSwitch', key: 'on', severity: 'critical' });
    expect(one({ type: 'kill_switch', on: false, message: 'off' })).toMatchObject({ rule: 'killSwitch', key: 'off', severity: 'info' });
    expect(one({ type: 'drift', key: 'cal-1', recovered: false, message: 'drifted' })).toMatchObject({ rule: 'drift', key: 'cal-1:drift', severity: 'warning' });
    expect(one({ type: 'drift', key: 'cal-1', recovered: true, message: 'back' })).toMatchObject({ rule: 'drift', key: 'cal-1:recovered', severity: 'info' });
    expect(one({ type: 'trading_halted', message: '5 errors in 60 s' })).toMatchObject({ rule: 'errors', key: 'trading_halted', severity: 'critical' });
    expect(engine.handle({ type: 'order', id: 'o1', symbol: 'X', status: 'open' }, 1_000), 'an order alone says nothing').toEqual([]);
  });

  it('drops signals under minProbability and shows an uncalibrated one as such', () => {
    const engine = new AlertRuleEngine(rules({ signal: { minProbability: 0.55 } }));
    expect(engine.handle(signal('A', 0.54), 1)).toEqual([]);
    expect(engine.handle(signal('B', 0.55), 1)).toHaveLength(1);
    const [m] = engine.handle({ ...(signal('C', 0.9) as Extract<AlertInput, { type: 'signal' }>), calibrated: false }, 1);
    expect(m!.fields).toContainEqual({ name: 'probability', value: 'uncalibrated' });
  });

  it('each disabled rule stays silent', () => {
    const off = { enabled: false };
    const engine = new AlertRuleEngine(rules({ manipulation: off, signal: off, fill: off, killSwitch: off, drift: off, errors: off }));
    const inputs: AlertInput[] = [
      { type: 'manipulation', symbol: 'X', message: 'm' },
      signal('X'),
      { type: 'fill', id: 'f', symbol: 'X', side: 'buy', price: 1, amountBase: 1, exitReason: null },
      { type: 'kill_switch', on: true, message: 'k' },
      { type: 'drift', key: 'c', recovered: false, message: 'd' },
      { type: 'trading_halted', message: 'h' },
    ];
    for (const input of inputs) expect(engine.handle(input, 1), input.type).toEqual([]);
  });
});

describe('AlertRuleEngine: heartbeat', () => {
  it('reports a silence longer than heartbeatMs once, then its end once', () => {
    const engine = new AlertRuleEngine(rules({ heartbeat: { heartbeatMs: 10_000 } }));
    engine.handle({ type: 'heard' }, 0);
    expect(engine.tick(10_000), 'exactly heartbeatMs is not yet silence').toEqual([]);
    const silent = engine.tick(10_001);
    expect(silent.map((m) => [m.rule, m.key, m.severity])).toEqual([['heartbeat', 'silent', 'critical']]);
    expect(engine.tick(50_000), 'one report per silence').toEqual([]);
    const resumed = engine.handle({ type: 'heard' }, 60_000);
    expect(resumed.map((m) => [m.rule, m.key])).toEqual([['heartbeat', 'resumed']]);
    expect(engine.tick(65_000)).toEqual([]);
    expect(engine.tick(70_001).map((m) => m.key), 'a new silence is reported again').toEqual(['silent']);
  });

  it('counts silence from the first tick when nothing was ever heard, and ignores the polled autotrade state', () => {
    const engine = new AlertRuleEngine(rules({ heartbeat: { heartbeatMs: 1_000 } }));
    expect(engine.tick(5_000)).toEqual([]);
    engine.handle({ type: 'autotrade', enabled: true }, 5_500);
    expect(engine.tick(6_001).map((m) => m.key)).toEqual(['silent']);
  });

  it('says nothing when disabled', () => {
    const engine = new AlertRuleEngine(rules({ heartbeat: { enabled: false, heartbeatMs: 1_000 } }));
    engine.handle({ type: 'heard' }, 0);
    expect(engine.tick(100_000)).toEqual([]);
    expect(engine.handle({ type: 'heard' }, 100_001)).toEqual([]);
  });
});

describe('AlertRuleEngine: no-trade anomaly', () => {
  const config = () => rules({ heartbeat: { enabled: false }, signal: { enabled: false }, noTrade: { noTradeHours: 2, minSignals: 3 } });
  const feedSignals = (engine: AlertRuleEngine, atMs: number[]) => atMs.forEach((t, i) => engine.handle(signal(`S${i}`), t));

  it('fires when autotrade is on, signals keep coming and no order was placed for noTradeHours', () => {
    const engine = new AlertRuleEngine(config());
    engine.handle({ type: 'autotrade', enabled: true }, 0);
    feedSignals(engine, [HOUR_MS, 1.5 * HOUR_MS, 1.9 * HOUR_MS]);
    expect(engine.tick(2 * HOUR_MS - 1), 'not yet two hours').toEqual([]);
    const fired = engine.tick(2 * HOUR_MS);
    expect(fired.map((m) => [m.rule, m.key, m.severity])).toEqual([['noTrade', 'no_trade', 'warning']]);
    expect(engine.tick(3 * HOUR_MS), 'once per quiet period').toEqual([]);
    engine.handle({ type: 'order', id: 'o', symbol: 'X', status: 'open' }, 3 * HOUR_MS);
    feedSignals(engine, [4 * HOUR_MS, 4.1 * HOUR_MS, 4.2 * HOUR_MS]);
    expect(engine.tick(4.9 * HOUR_MS), 'the order restarted the quiet period').toEqual([]);
    expect(engine.tick(5 * HOUR_MS)).toHaveLength(1);
  });

  it('does not fire with autotrade off, with too few signals in the window, or after a fill', () => {
    const off = new AlertRuleEngine(config());
    feedSignals(off, [HOUR_MS, HOUR_MS, HOUR_MS]);
    expect(off.tick(10 * HOUR_MS), 'autotrade never turned on').toEqual([]);

    const few = new AlertRuleEngine(config());
    few.handle({ type: 'autotrade', enabled: true }, 0);
    feedSignals(few, [0.1 * HOUR_MS, 0.2 * HOUR_MS, 2.5 * HOUR_MS]);
    expect(few.tick(3 * HOUR_MS), 'two of the three signals are older than the window').toEqual([]);

    const filled = new AlertRuleEngine(config());
    filled.handle({ type: 'autotrade', enabled: true }, 0);
    feedSignals(filled, [HOUR_MS, HOUR_MS, HOUR_MS]);
    filled.handle({ type: 'fill', id: 'f', symbol: 'X', side: 'buy', price: 1, amountBase: 1, exitReason: null }, 1.5 * HOUR_MS);
    expect(filled.tick(2 * HOUR_MS)).toEqual([]);

    const toggled = new AlertRuleEngine(config());
    toggled.handle({ type: 'autotrade', enabled: true }, 0);
    toggled.handle({ type: 'autotrade', enabled: false }, HOUR_MS);
    toggled.handle({ type: 'autotrade', enabled: true }, 1.5 * HOUR_MS);
    feedSignals(toggled, [1.6 * HOUR_MS, 1.7 * HOUR_MS, 1.8 * HOUR_MS]);
    expect(toggled.tick(3 * HOUR_MS), 'autotrade has been on for 1.5 h only').toEqual([]);
    expect(toggled.tick(3.5 * HOUR_MS)).toHaveLength(1);
  });
});
