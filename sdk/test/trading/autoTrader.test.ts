import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OrderBook } from '@perpscope/shared';
import { SimulatedClock } from '../../src/core/clock.js';
import { openStore, type Store } from '../../src/store/index.js';
import { AutoTrader, computeTpSl, KillSwitch, PaperBroker, ProtectionManager, TpSlConfigSchema, watchEmergencyFile, exitReasonOf, type EmergencyAlert, type TradeSignal } from '../../src/trading/index.js';
import { permissiveRisk, tempDir } from './helpers.js';

const SYMBOL = 'ABC/USDT:USDT';
const book = (mid: number): OrderBook => ({ symbol: SYMBOL, timestampMs: 0, bids: [[mid - 0.01, 1000]], asks: [[mid + 0.01, 1000]] }) as OrderBook;

describe('computeTpSl', () => {
  const cfg = TpSlConfigSchema.parse({});
  it('defaults to SL 1.2 ATR, TP1 1.6 ATR, TP2 3.0 ATR', () => {
    expect(computeTpSl(cfg, 'long', 100, 2)).toEqual({ stopPrice: 97.6, tp1Price: 103.2, tp2Price: 106 });
    const short = computeTpSl(cfg, 'short', 100, 2);
    expect([short.stopPrice, short.tp1Price, short.tp2Price]).toEqual([102.4, 96.8, 94]);
    expect(cfg.scaleOut1, '50/50 scale-out').toBe(0.5);
  });
  it('supports bps and level_atr (stop beyond the level by the buffer, ATR fallback on the wrong side)', () => {
    const bps = computeTpSl(TpSlConfigSchema.parse({ mode: 'bps', slBps: 100, tp1Bps: 150, tp2Bps: 300 }), 'long', 100, 2);
    expect(bps.stopPrice).toBeCloseTo(99, 12);
    expect(bps.tp2Price).toBeCloseTo(103, 12);
    const lvl = TpSlConfigSchema.parse({ mode: 'level_atr', levelBufferBps: 12 });
    expect(computeTpSl(lvl, 'long', 100, 2, 98.5).stopPrice).toBeCloseTo(98.5 * (1 - 0.0012), 12);
    expect(computeTpSl(lvl, 'long', 100, 2, 101).stopPrice, 'a level above a long entry cannot be its stop').toBeCloseTo(97.6, 12);
  });
});

describe('AutoTrader (paper)', () => {
  let dir: { dir: string; cleanup: () => void };
  let store: Store;
  let clock: SimulatedClock;

  const rig = (s: Store, config: ConstructorParameters<typeof AutoTrader>[0]['config'] = {}) => {
    const killSwitch = new KillSwitch({ store: s, clock, home: dir.dir });
    const risk = permissiveRisk(clock, { sizing: { fixedNotionalUsd: 1_000, leverage: 1 } }, killSwitch.isOn);
    const broker = new PaperBroker({ store: s, clock, risk, exchange: 'blofin', market: () => ({ makerFee: 0, takerFee: 0.0005 }) });
    const protection = new ProtectionManager({ broker, store: s, clock });
    const trader = new AutoTrader({ broker, risk, protection, store: s, clock, killSwitch, config });
    broker.onOrderBook(SYMBOL, book(100));
    return { broker, protection, trader, killSwitch };
  };
  // Backed by a tradable evidence cell, so the edge gate passes it (the gate has its own tests in edgeGate.test.ts).
  const backed = [{ strategy: 'breakout', regime: 'bull' as const, signals: 400, hitRate: 0.5, meanNetPct: 0.4, correctedLowerBoundPct: 0.1, tradable: true, evidenceId: 'test' }];
  const signal = (atMs: number, side: 'long' | 'short' = 'long'): TradeSignal => ({ symbol: SYMBOL, side, score: 9, probability: 0.8, manipScore: 10, quoteVolume24hUsd: 5e6, price: 100, atr: 2, atMs, strategies: ['breakout'], timeframe: '1h', regime: 'bull', evidence: backed });
  const live = (s: Store, purpose: string) => s.orders.listOpen('paper').filter((o) => o.purpose === purpose);

  beforeEach(() => {
    dir = tempDir();
    store = openStore({ home: dir.dir });
    clock = new SimulatedClock(1_700_000_000_000);
  });
  afterEach(() => {
    store.close();
    dir.cleanup();
  });

  it('turns a signal into a risk-sized entry with an ATR stop and a 50/50 TP ladder', async () => {
    const { trader } = rig(store);
    await trader.start();
    const out = await trader.onSignal(signal(clock.nowMs()));
    expect(out.status).toBe('placed');
    const pos = store.positions.get('paper', 'blofin', SYMBOL);
    const ask = book(100).asks[0]?.[0] ?? Number.NaN;
    const size = 1_000 / ask;
    expect(pos?.sizeBase, '1,000 USD fixed notional at the executable price (the ask), not the bar close').toBeCloseTo(size, 9);
    const [sl] = live(store, 'stop_loss');
    expect(sl?.triggerPrice).toBeCloseTo(ask - 1.2 * 2, 9);
    const tps = live(store, 'take_profit').map((o) => [o.triggerPrice, o.amountBase] as const);
    expect(tps.map(([p]) => p)).toEqual([ask + 1.6 * 2, ask + 3.0 * 2].map((p) => expect.closeTo(p, 9)));
    expect(tps.map(([, a]) => a), 'a 50/50 ladder of the filled size').toEqual([expect.closeTo(size / 2, 9), expect.closeTo(size / 2, 9)]);
  });

  it('an uncalibrated probability reaches RiskPolicy as one: the min-probability refusal says so', async () => {
    const killSwitch = new KillSwitch({ store, clock, home: dir.dir });
    const risk = permissiveRisk(clock, { gates: { minProbability: 0.9 } }, killSwitch.isOn);
    const broker = new PaperBroker({ store, clock, risk, exchange: 'blofin', market: () => ({ makerFee: 0, takerFee: 0.0005 }) });
    const trader = new AutoTrader({ broker, risk, protection: new ProtectionManager({ broker, store, clock }), store, clock, killSwitch });
    broker.onOrderBook(SYMBOL, book(100));
    await trader.start();
    const out = await trader.onSignal({ ...signal(clock.nowMs()), calibrated: false });
    expect(out).toMatchObject({ status: 'skipped', reason: 'min_probability', message: expect.stringMatching(/uncalibrated probability/) });
    const calibrated = await trader.onSignal(signal(clock.nowMs() + 1));
    expect(calibrated).toMatchObject({ status: 'skipped', reason: 'min_probability', message: expect.not.stringMatching(/uncalibrated/) });
  });

  it('adds pyramid levels at 2R and refreshes the stop for the larger size', async () => {
    const { trader, broker } = rig(store, { pyramidLevels: [{ atR: 2, fraction: 0.3 }], tpsl: { tp1AtrMult: 10, tp2AtrMult: 20 } });
    await trader.start();
    await trader.onSignal(signal(clock.nowMs()));
    broker.onOrderBook(SYMBOL, book(105));
    await trader.onPrice(SYMBOL, 105);
    const first = 1_000 / (book(100).asks[0]?.[0] ?? Number.NaN);
    const total = first * 1.3;
    expect(store.positions.get('paper', 'blofin', SYMBOL)?.sizeBase, 'the first entry plus 30 % of it').toBeCloseTo(total, 9);
    expect(live(store, 'stop_loss').map((o) => o.amountBase), 'one stop, covering the whole position').toEqual([expect.closeTo(total, 9)]);
    await trader.onPrice(SYMBOL, 106);
    expect(store.positions.get('paper', 'blofin', SYMBOL)?.sizeBase, 'each level adds once').toBeCloseTo(total, 9);
  });

  it('pyramid ladders resume after a restart, and a closed trade leaves no pyramid state behind', async () => {
    const config = { pyramidLevels: [{ atR: 2, fraction: 0.3 }, { atR: 3, fraction: 0.2 }], tpsl: { tp1AtrMult: 10, tp2AtrMult: 20 } };
    const first = rig(store, config);
    await first.trader.start();
    const placed = await first.trader.onSignal(signal(clock.nowMs()));
    const firstSize = 1_000 / (book(100).asks[0]?.[0] ?? Number.NaN);
    first.broker.onOrderBook(SYMBOL, book(105));
    await first.trader.onPrice(SYMBOL, 105);
    expect(store.positions.get('paper', 'blofin', SYMBOL)?.sizeBase, 'level 1 (2R, 30 %) added').toBeCloseTo(firstSize * 1.3, 9);
    store.close();
    store = openStore({ home: dir.dir });
    const second = rig(store, config);
    second.broker.onOrderBook(SYMBOL, book(105));
    await second.trader.start();
    await second.trader.onPrice(SYMBOL, 105);
    expect(store.positions.get('paper', 'blofin', SYMBOL)?.sizeBase, 'level 1 is not added again after the restart').toBeCloseTo(firstSize * 1.3, 9);
    second.broker.onOrderBook(SYMBOL, book(108));
    await second.trader.onPrice(SYMBOL, 108);
    expect(store.positions.get('paper', 'blofin', SYMBOL)?.sizeBase, 'level 2 (3R, 20 %) added after the restart').toBeCloseTo(firstSize * 1.5, 9);
    const key = 'trading.paper.blofin.pyramids';
    expect(Object.keys(store.settings.get(key) as object)).toEqual([placed.status === 'placed' ? placed.tradeId : '']);
    await second.trader.panic({ cancel: true, close: true });
    second.killSwitch.set(false, 'test');
    await second.trader.onPrice(SYMBOL, 108);
    expect(store.settings.get(key), 'the closed trade is dropped').toEqual({});
    await clock.advance(3_600_000);
    const next = await second.trader.onSignal({ ...signal(clock.nowMs()), price: 108 });
    expect(Object.keys(store.settings.get(key) as object), 'only the open trade is stored').toEqual([next.status === 'placed' ? next.tradeId : 'not placed']);
  });

  it('structural reset: a same-side re-entry waits until the price has travelled the set ATR from the last entry, across a restart', async () => {
    const rigWithReset = (s: Store) => {
      const killSwitch = new KillSwitch({ store: s, clock, home: dir.dir });
      const risk = permissiveRisk(clock, { sizing: { fixedNotionalUsd: 1_000, leverage: 1 }, gates: { structuralResetAtr: 1 } }, killSwitch.isOn);
      const broker = new PaperBroker({ store: s, clock, risk, exchange: 'blofin', market: () => ({ makerFee: 0, takerFee: 0.0005 }) });
      const protection = new ProtectionManager({ broker, store: s, clock });
      return { broker, killSwitch, trader: new AutoTrader({ broker, risk, protection, store: s, clock, killSwitch }) };
    };
    const first = rigWithReset(store);
    first.broker.onOrderBook(SYMBOL, book(100));
    await first.trader.start();
    expect((await first.trader.onSignal(signal(clock.nowMs()))).status).toBe('placed');
    await first.trader.panic({ cancel: true, close: true });
    first.killSwitch.set(false, 'test');
    first.broker.onOrderBook(SYMBOL, book(101));
    await first.trader.onPrice(SYMBOL, 101);
    store.close();
    store = openStore({ home: dir.dir });
    const second = rigWithReset(store);
    second.broker.onOrderBook(SYMBOL, book(100.5));
    await second.trader.start();
    await clock.advance(3_600_000);
    const held = await second.trader.onSignal({ ...signal(clock.nowMs()), price: 100.5 });
    expect(held, 'moved at most 0.5 ATR (101 against the 100.01 fill) since the last long').toMatchObject({ status: 'skipped', reason: 'structural_reset' });
    expect((await second.trader.onSignal({ ...signal(clock.nowMs() + 1, 'short'), price: 100.5 })).status, 'a short is a new structure').toBe('placed');
    await second.trader.panic({ cancel: true, close: true });
    second.killSwitch.set(false, 'test');
    await second.trader.onPrice(SYMBOL, 98);
    await clock.advance(3_600_000);
    const other = await second.trader.onSignal({ ...signal(clock.nowMs()), price: 100.5 });
    expect(other, 'the short entry is now the last one: the long is its reversal').toMatchObject({ status: 'placed' });
    const skips = store.events.list({ type: 'trade_skip' }).map((e) => (e.payload as { reason: string }).reason);
    expect(skips).toContain('structural_reset');
  });

  it('RELIABILITY 26: the kill switch (setting or .panic file) blocks every new order, and survives a restart', async () => {
    const first = rig(store);
    first.killSwitch.set(true, 'api');
    expect(await first.trader.onSignal(signal(clock.nowMs())), 'blocked by the trader').toMatchObject({ status: 'skipped', reason: 'kill_switch' });
    await expect(
      first.broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: 1, tradeId: 'manual', leg: 'entry', risk: { ...signal(0), entryPrice: 100 } as never }),
      'and by the broker for manual orders',
    ).rejects.toMatchObject({ code: 'KILL_SWITCH_ACTIVE' });
    store.close();
    store = openStore({ home: dir.dir });
    const second = rig(store);
    expect(second.killSwitch.state()).toMatchObject({ on: true, sources: ['setting'], reason: 'api' });
    expect(await second.trader.onSignal(signal(clock.nowMs())), 'still blocked after restart').toMatchObject({ status: 'skipped', reason: 'kill_switch' });
    second.killSwitch.set(false, 'api');
    writeFileSync(join(dir.dir, '.panic'), '');
    expect(await second.trader.onSignal(signal(clock.nowMs())), 'the .panic file').toMatchObject({ status: 'skipped', reason: 'kill_switch' });
    expect(store.orders.listOpen('paper')).toEqual([]);
  });

  it('RELIABILITY 26: panic cancels every order and closes every position reduce-only, optionally per symbol', async () => {
    const { trader, broker, killSwitch } = rig(store);
    await trader.start();
    await trader.onSignal(signal(clock.nowMs()));
    const other = 'XYZ/USDT:USDT';
    broker.onOrderBook(other, { ...book(50), symbol: other } as OrderBook);
    await trader.onSignal({ ...signal(clock.nowMs() + 1), symbol: other, price: 50, atr: 1 });
    const partial = await trader.panic({ cancel: true, close: true, symbols: [other] });
    expect(partial.closed).toEqual([other]);
    expect(store.positions.get('paper', 'blofin', SYMBOL), 'other symbols untouched').toBeDefined();
    const all = await trader.panic({});
    expect(all.failures).toEqual([]);
    expect(store.positions.list('paper')).toEqual([]);
    expect(store.orders.listOpen('paper'), 'nothing left working').toEqual([]);
    const exits = store.orders.listByState('paper', 'FILLED').filter((o) => o.purpose === 'exit');
    expect(exits.length).toBe(2);
    expect(exits.every((o) => o.reduceOnly), 'closes are reduce-only').toBe(true);
    expect(exits.map((o) => exitReasonOf(o)), 'their fills say panic').toEqual(['panic', 'panic']);
    expect(killSwitch.isOn(), 'panic leaves the kill switch on').toBe(true);
  });

  it('RELIABILITY 26: the emergency file flattens everything once per appearance, and deleting it does not resume trading', async () => {
    const { trader, broker, killSwitch } = rig(store);
    await trader.start();
    await trader.onSignal(signal(clock.nowMs()));
    expect(store.positions.list('paper')).toHaveLength(1);
    expect(store.orders.listOpen('paper').length, 'stop and targets working').toBeGreaterThan(0);
    const alerts: EmergencyAlert[] = [];
    const watch = watchEmergencyFile({ file: 'EMERGENCY_FLATTEN', home: dir.dir, broker, store, clock, killSwitch, onAlert: (a) => alerts.push(a), pollMs: 60_000 });
    try {
      await watch.check();
      expect(alerts, 'no file, nothing happens').toEqual([]);
      writeFileSync(watch.path, '');
      await watch.check();
      expect(killSwitch.state()).toMatchObject({ on: true, reason: 'emergency_file' });
      expect(store.positions.list('paper'), 'flat').toEqual([]);
      expect(store.orders.listOpen('paper'), 'nothing left working').toEqual([]);
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({ level: 'info', kind: 'emergency_flatten', details: { file: watch.path, error: null } });
      expect(alerts[0]!.details.report!.closed).toEqual([SYMBOL]);
      expect(store.events.list({ type: 'emergency_file' })).toHaveLength(1);
      await watch.check();
      expect(alerts, 'once per appearance').toHaveLength(1);
      rmSync(watch.path);
      await watch.check();
      expect(killSwitch.isOn(), 'deleting the file does not resume trading').toBe(true);
      expect(await trader.onSignal(signal(clock.nowMs() + 10)), 'entries stay blocked').toMatchObject({ status: 'skipped', reason: 'kill_switch' });
      writeFileSync(watch.path, '');
      await watch.check();
      expect(alerts, 'a new appearance fires again').toHaveLength(2);
    } finally {
      await watch.stop();
    }
  });

  it('a flatten that left a position open is retried while the emergency file stays, with backoff', async () => {
    const { trader, broker, killSwitch } = rig(store);
    await trader.start();
    await trader.onSignal(signal(clock.nowMs()));
    const close = broker.closePosition.bind(broker);
    let failing = 1;
    broker.closePosition = async (...args) => {
      if (failing-- > 0) throw new Error('exchange unreachable');
      return close(...args);
    };
    const alerts: EmergencyAlert[] = [];
    const watch = watchEmergencyFile({ file: 'EMERGENCY_FLATTEN', home: dir.dir, broker, store, clock, killSwitch, onAlert: (a) => alerts.push(a), pollMs: 60_000 });
    try {
      writeFileSync(watch.path, '');
      await watch.check();
      expect(alerts.map((a) => a.level)).toEqual(['error']);
      expect(alerts[0]!.message).toMatch(/1 failed \(retrying while the file stays\)/);
      expect(store.positions.list('paper'), 'still open after the failed close').toHaveLength(1);
      expect(killSwitch.isOn(), 'the switch went on first').toBe(true);
      await watch.check();
      expect(alerts, 'one poll of backoff').toHaveLength(1);
      await watch.check();
      expect(alerts.map((a) => a.level)).toEqual(['error', 'info']);
      expect(store.positions.list('paper'), 'the retry closed it').toEqual([]);
      await watch.check();
      expect(alerts, 'done: no more attempts while the file stays').toHaveLength(2);
    } finally {
      await watch.stop();
    }
  });

  it('the emergency file is noticed by the watch itself, without a caller asking', async () => {
    const { trader, broker, killSwitch } = rig(store);
    await trader.start();
    await trader.onSignal(signal(clock.nowMs()));
    let fired!: (a: EmergencyAlert) => void;
    const alerted = new Promise<EmergencyAlert>((r) => (fired = r));
    const watch = watchEmergencyFile({ file: join(dir.dir, 'flatten-now'), home: '/unused', broker, store, clock, killSwitch, onAlert: (a) => fired(a), pollMs: 20 });
    try {
      writeFileSync(watch.path, '');
      const alert = await alerted;
      expect(alert.details.report?.closed).toEqual([SYMBOL]);
      expect(store.positions.list('paper')).toEqual([]);
    } finally {
      await watch.stop();
    }
  });

  it('safe restart re-arms a missing stop, or flattens when configured', async () => {
    const first = rig(store);
    await first.trader.start();
    await first.trader.onSignal(signal(clock.nowMs()));
    const [sl] = live(store, 'stop_loss');
    await first.broker.cancelOrder(sl?.clientOrderId ?? '');
    store.close();
    store = openStore({ home: dir.dir });
    const second = rig(store);
    expect((await second.trader.start()).rearmed).toHaveLength(1);
    expect(live(store, 'stop_loss')).toHaveLength(1);
    store.close();
    store = openStore({ home: dir.dir });
    const third = rig(store, { safeRestart: 'flatten' });
    expect((await third.trader.start()).flattened).toEqual([SYMBOL]);
    expect(store.positions.list('paper')).toEqual([]);
    expect(store.orders.listOpen('paper')).toEqual([]);
  });
});
