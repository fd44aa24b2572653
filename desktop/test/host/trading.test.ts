import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type FillView, type OrderView, type RankingRowView } from '@perpscope/shared';
import { createEngine, openStore, silentLogger, type Engine, type Signal } from '@perpscope/sdk';
import type { SimExchange } from '@perpscope/sdk/sim';
import { createHost, hostEngineFactory, type EngineRuntime, type Host, type HostEvent, type HostSecretStore } from '../../src/host/index.js';
import { deliveredSignalsOnly } from '../support/fakes.js';
import { selectedSignal } from '../../../test/support/selectedSignal.js';
import { SIM_START_MS, until } from '../../../test/support/sim.js';

// The test signals' strategy is traded by override: no evidence covers the sim's markets.
/** The deepest `liquidRow` index a test asks for. */
const LIQUID_ROWS_USED = 5;
const CONFIG = { sim: { symbols: 20, seed: 9, acceleration: 60, rateLimitScale: 20, startTimeMs: SIM_START_MS }, timeframes: ['1m', '15m'], backfillBars: 100, universe: { minQuoteVolumeUsd: 0 }, autotrade: { edge: { overrides: ['test'] } } };

/** Trading never reads keys; a secret store that holds nothing keeps the test off the keychain. */
const noSecrets: HostSecretStore = {
  set: () => Promise.reject(new Error('not used')),
  get: () => Promise.resolve(null),
  delete: () => Promise.resolve(false),
  list: () => Promise.resolve([]),
};

describe('paper trading through the host over a SimExchange-backed engine', () => {
  const home = mkdtempSync(join(tmpdir(), 'perpscope-trading-'));
  writeFileSync(join(home, 'config.json'), JSON.stringify(CONFIG));
  /** Signal listeners of the running engine, so a test can deliver a selected signal as the engine would, and only it. */
  let signalListeners = new Set<(s: Signal) => void>();
  /** While set, order-flow reads wait for it to be released: an exchange that does not answer. */
  let silentExchange: { entered: () => void; released: Promise<void> } | null = null;
  /** The running engine's SimExchange: a test stops its clock while a price it read must still hold. */
  let sim: SimExchange | undefined;
  const factory = hostEngineFactory({
    openStore,
    env: {},
    orderFlowIntervalMs: 60_000,
    simStarted: (started) => {
      sim = started;
    },
    createEngine: (config, deps) => {
      const engine = createEngine(config, deps);
      const listeners = new Set<(s: Signal) => void>();
      signalListeners = listeners;
      // Only the signals a test delivers reach the host: the sim's own would race with them.
      const on = deliveredSignalsOnly(engine, listeners);
      const refreshOrderFlow: Engine['refreshOrderFlow'] = async (symbol) => {
        const silent = silentExchange;
        if (silent) {
          silent.entered();
          await silent.released;
        }
        return engine.refreshOrderFlow(symbol);
      };
      return { ...engine, on, refreshOrderFlow };
    },
  });
  let runtime: EngineRuntime;
  let host: Host;
  const events: HostEvent[] = [];

  async function boot(): Promise<void> {
    runtime = await factory({ home, sim: true, logger: silentLogger });
    host = createHost({ engine: runtime.engine, secrets: noSecrets, ...(runtime.store ? { store: runtime.store } : {}) });
    host.onEvent((e) => events.push(e));
    await runtime.start();
  }
  async function shutdown(): Promise<void> {
    host.close();
    await runtime.stop();
  }
  /**
   * The liquidity order of the ranked symbols, taken once: 24h volumes move while the tests run,
   * and two close ones swapping would hand a test a symbol another one just traded (cooldown).
   */
  let liquidity: string[] | undefined;
  /** The `nth` most liquid ranked symbol, fresh: it passes the volume gate (each test trades its own: cooldown). */
  async function liquidRow(nth = 0): Promise<RankingRowView> {
    return until('a ranked liquid symbol', async () => {
      const res = await host.call('rankings.query', { sortBy: 'quoteVolume24hUsd', limit: 50 });
      if (!res.ok) return null;
      const priced = res.value.rows.filter((r) => r.lastPrice !== null);
      if (!liquidity && priced.length > LIQUID_ROWS_USED) liquidity = priced.map((r) => r.symbol);
      const row = liquidity ? priced.find((r) => r.symbol === liquidity![nth]) : undefined;
      return row ?? null;
    });
  }

  beforeAll(boot);
  // A test that timed out while the sim stood still must not leave it still for the next one.
  afterEach(() => sim?.resume());
  afterAll(async () => {
    await shutdown().catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  });

  it('starts flat with a paper account', async () => {
    const status = await host.call('trading.status', {});
    expect(status.ok, JSON.stringify(status)).toBe(true);
    if (!status.ok) return;
    expect(status.value.mode).toBe('paper');
    expect(status.value.account?.equityUsd, 'fresh paper balance').toBe(10_000);
    expect(status.value.positions).toEqual([]);
    expect(status.value.killSwitch.active).toBe(false);
  });

  it('places a market order with TP/SL, shows the protected position, and closes it', async () => {
    const row = await liquidRow();
    const price = row.lastPrice!;
    const placed = await host.call('orders.place', {
      symbol: row.symbol,
      side: 'buy',
      type: 'market',
      notionalUsd: 40,
      stopLossPrice: price * 0.9,
      takeProfitPrice: price * 1.1,
    });
    expect(placed.ok, JSON.stringify(placed)).toBe(true);
    if (!placed.ok) return;
    expect(placed.value.order.status, 'filled on the book').toBe('filled');
    expect(placed.value.order.avgFillPrice, 'a real fill price').toBeGreaterThan(0);

    const status = await host.call('trading.status', {});
    if (!status.ok) throw new Error(status.error.message);
    const pos = status.value.positions.find((p) => p.symbol === row.symbol);
    expect(pos?.side, 'long position').toBe('long');
    const filledBase = placed.value.order.filledBase;
    const fillPrice = placed.value.order.avgFillPrice!;
    expect(pos?.sizeBase, 'the position is the filled amount').toBe(filledBase);
    // Sized at the book's executable price for 40 USD and rounded down to the market's lot, filled
    // on that book: the filled notional is 40 USD less at most one lot, up to the book's move
    // between quote and fill (1 %, far above a sim moment's move).
    const inspected = await host.call('symbol.inspect', { symbol: row.symbol });
    if (!inspected.ok) throw new Error(inspected.error.message);
    const lot = inspected.value.market.amountStep;
    const tick = inspected.value.market.priceTick;
    expect(lot, 'the host reports the market lot').not.toBeNull();
    expect(tick, 'the host reports the market tick').not.toBeNull();
    const notional = filledBase * fillPrice;
    expect(notional, `filled notional ${notional} USD for a 40 USD ticket (lot ${lot})`).toBeLessThanOrEqual(40 * 1.01);
    expect(notional, `filled notional ${notional} USD for a 40 USD ticket (lot ${lot})`).toBeGreaterThanOrEqual(40 * 0.99 - (lot ?? 0) * fillPrice);
    expect(Math.abs(filledBase / (lot ?? 1) - Math.round(filledBase / (lot ?? 1))), 'the size is a whole number of lots').toBeLessThan(1e-6);
    // Trigger prices are rounded to the market's tick: within half a tick of the ticket's.
    expect(Math.abs(pos!.stopLossPrice! - price * 0.9), `stop armed at ${pos?.stopLossPrice} for ${price * 0.9} (tick ${tick})`).toBeLessThanOrEqual((tick ?? 0) / 2 + price * 1e-12);
    expect(Math.abs(pos!.takeProfitPrice! - price * 1.1), `target armed at ${pos?.takeProfitPrice} for ${price * 1.1} (tick ${tick})`).toBeLessThanOrEqual((tick ?? 0) / 2 + price * 1e-12);
    expect(status.value.orders.filter((o) => o.reduceOnly).length, 'stop and take-profit working').toBe(2);
    expect(events.some((e) => e.event === 'fill' && e.data.symbol === row.symbol), 'fill event').toBe(true);
    expect(events.some((e) => e.event === 'position' && e.data.symbol === row.symbol && e.data.status === 'open'), 'position event').toBe(true);

    const closed = await host.call('positions.close', { symbol: row.symbol });
    expect(closed.ok && closed.value.order.status, JSON.stringify(closed)).toBe('filled');
    const after = await until('flat with protection cleared', async () => {
      const s = await host.call('trading.status', {});
      return s.ok && s.value.positions.length === 0 && s.value.orders.length === 0 ? s.value : null;
    });
    // The account's cash moved by exactly this round trip's fills: sells in, buys out, fees out.
    const fills = events.filter((e): e is { event: 'fill'; data: FillView } => e.event === 'fill' && e.data.symbol === row.symbol).map((e) => e.data);
    expect(fills.map((f) => f.side).sort(), 'one entry and one exit fill at least').toEqual(expect.arrayContaining(['buy', 'sell']));
    const cash = fills.reduce((sum, f) => sum + (f.side === 'sell' ? 1 : -1) * f.price * f.amountBase - f.feeUsd, 0);
    // Whether the round trip gained or lost depends on how far the sim's price moved between the two
    // fills, which a busy machine stretches. What does not: each market fill is a taker fill and pays
    // its fee, and the balance below moves by exactly the fills.
    for (const f of fills) {
      expect(f.liquidity, `the ${f.side} fill takes liquidity`).toBe('taker');
      expect(f.feeUsd, `the ${f.side} fill pays a fee`).toBeGreaterThan(0);
    }
    expect(after.account?.balanceUsd, 'balance = start + the fills').toBeCloseTo(10_000 + cash, 6);
    expect(events.some((e) => e.event === 'position' && e.data.symbol === row.symbol && e.data.status === 'closed'), 'closed position event').toBe(true);
  });

  it('a tight bracket closes the position on real prints (stop or take-profit triggers)', async () => {
    const row = await liquidRow(1);
    const legs = (from: number): OrderView[] =>
      events.slice(from).flatMap((e) => (e.event === 'order' && e.data.symbol === row.symbol && (e.data.type === 'stop_loss' || e.data.type === 'take_profit') ? [e.data] : []));
    // Sim time stands still from the price read to the order's fill, so the 6 bps bracket is placed
    // around the price the entry fills at however slow the machine. Should the entry still pass the
    // bracket, it is refused by the risk policy, or a leg the market already crossed is rejected
    // (both correctly): such an attempt is undone and the bracket placed again around a fresh
    // price; every other outcome is checked.
    for (let attempt = 1; ; attempt++) {
      const from = events.length;
      // An undone attempt traded the symbol: RiskPolicy's cooldown (two sim minutes) refuses the
      // next entry until it has passed, so that refusal is waited out (only after an undone attempt).
      const placed = await until('an entry past the cooldown of an undone attempt', async () => {
        sim!.pause();
        try {
          // The mark is fresh (inspect refreshes order flow); the ranking's last price may be seconds old.
          const inspected = await host.call('symbol.inspect', { symbol: row.symbol });
          const price = (inspected.ok ? inspected.value.markPrice : null) ?? row.lastPrice!;
          const res = await host.call('orders.place', { symbol: row.symbol, side: 'buy', type: 'market', notionalUsd: 40, stopLossPrice: price * 0.9994, takeProfitPrice: price * 1.0006 });
          // The clock runs again once both legs rest (or one is refused), not while they are placed.
          if (res.ok) {
            await until('both protective legs armed, or one refused', () => {
              const placedLegs = legs(from);
              const resting = (type: string) => placedLegs.some((o) => o.type === type && o.status === 'open');
              return placedLegs.some((o) => o.status === 'rejected') || (resting('stop_loss') && resting('take_profit')) ? true : null;
            });
          }
          return attempt > 1 && !res.ok && res.error.details?.reason === 'cooldown' ? null : res;
        } finally {
          sim!.resume();
        }
      });
      if (!placed.ok && placed.error.code === ErrorCode.RiskRejected && /stopPrice|takeProfit/.test(String(placed.error.details?.field))) {
        expect(placed.error.message, 'refused because the entry moved past the bracket').toMatch(/the entry/);
        expect(attempt, 'a fresh 6 bps bracket is accepted within 4 attempts').toBeLessThan(4);
        continue;
      }
      expect(placed.ok, JSON.stringify(placed)).toBe(true);
      // One sim minute per wall second: a 0.06 % move either way comes within seconds.
      const flat = await until('a trigger to fire (or a leg refused as already crossed)', async () => {
        if (legs(from).some((o) => o.status === 'rejected')) return 'crossed' as const;
        const s = await host.call('trading.status', {});
        return s.ok && !s.value.positions.some((p) => p.symbol === row.symbol) ? s.value : null;
      });
      if (flat === 'crossed') {
        const rejected = legs(from).filter((o) => o.status === 'rejected');
        expect(rejected.map((o) => o.reason), 'the only refusal is a trigger the market had crossed').toEqual(rejected.map(() => expect.stringMatching(/already crossed/)));
        expect(attempt, 'a fresh 6 bps bracket is accepted within 4 attempts').toBeLessThan(4);
        await host.call('positions.close', { symbol: row.symbol });
        await until('flat again before the next attempt', async () => {
          const s = await host.call('trading.status', {});
          return s.ok && !s.value.positions.some((p) => p.symbol === row.symbol) && !s.value.orders.some((o) => o.symbol === row.symbol) ? true : null;
        });
        continue;
      }
      const armed = new Set(legs(from).filter((o) => o.status === 'open').map((o) => o.type));
      expect([...armed].sort(), 'both legs were armed').toEqual(['stop_loss', 'take_profit']);
      const remaining = await until('the other leg to be canceled', async () => {
        const s = await host.call('trading.status', {});
        return s.ok && !s.value.orders.some((o) => o.symbol === row.symbol) ? s.value.orders : null;
      });
      expect(remaining.filter((o) => o.symbol === row.symbol), 'the other leg is canceled').toEqual([]);
      const exits = new Set(legs(from).filter((o) => o.status === 'filled').map((o) => o.id));
      expect(exits.size, 'exactly one protective leg filled').toBe(1);
      return;
    }
  });

  it('refuses a ticket above the manual-order limit, naming the setting', async () => {
    const row = await liquidRow(2);
    const res = await host.call('orders.place', { symbol: row.symbol, side: 'buy', type: 'market', notionalUsd: 5_000 });
    expect(!res.ok && res.error.code, JSON.stringify(res)).toBe(ErrorCode.RiskRejected);
    expect(!res.ok && res.error.details?.reason, 'the manual-order limit refused it').toBe('max_manual_notional');
    expect(!res.ok && res.error.message).toContain('risk.sizing.maxManualNotionalUsd');
  });

  /** A selected long signal on `row` at `entry`, as the signal engine emits it. */
  const longSignal = (row: RankingRowView, entry: number): Signal => selectedSignal(row.symbol, 'long', entry, Date.now());

  it('with the auto-trader on, a selected signal opens a protected position; the switch survives a restart', async () => {
    // With the switch off a signal is ignored. Proven without waiting for nothing: the signal for
    // `idle` goes first, then one for `row` with the switch on; once `row` is traded, everything
    // `idle` could have caused has happened too, and there is none of it.
    const idle = await liquidRow(4);
    const before = events.length;
    for (const fn of signalListeners) fn(longSignal(idle, idle.lastPrice!));

    const on = await host.call('trading.setAutotrade', { enabled: true });
    expect(on.ok && on.value.autotrade, JSON.stringify(on)).toBe(true);
    const row = await liquidRow(3);
    const inspected = await host.call('symbol.inspect', { symbol: row.symbol });
    const price = (inspected.ok ? inspected.value.markPrice : null) ?? row.lastPrice!;
    expect(signalListeners.size, 'the trading bridge listens to signals').toBeGreaterThan(0);
    for (const fn of signalListeners) fn(longSignal(row, price));

    const opened = await until('the auto-trader to open the position', async () => {
      const s = await host.call('trading.status', {});
      return s.ok && s.value.positions.some((p) => p.symbol === row.symbol) ? s.value : null;
    });
    const fromIdle = events.slice(before).filter((e) => (e.event === 'alert' && e.data.symbol === idle.symbol) || (e.event === 'order' && e.data.symbol === idle.symbol));
    expect(fromIdle, 'no auto-trade for the signal sent while the switch was off').toEqual([]);
    expect(opened.positions.some((p) => p.symbol === idle.symbol), 'no position from it').toBe(false);
    const pos = opened.positions.find((p) => p.symbol === row.symbol);
    expect(pos?.side, 'long, as signalled').toBe('long');
    expect(pos?.stopLossPrice, 'the AutoTrader armed a stop below the entry').toBeLessThan(pos!.entryPrice);
    expect(events.some((e) => e.event === 'order' && e.data.symbol === row.symbol && e.data.type === 'market' && e.data.status === 'filled'), 'entry order event').toBe(true);
    expect(events.some((e) => e.event === 'alert' && e.data.kind === 'autotrade_entry' && e.data.symbol === row.symbol), 'outcome reported').toBe(true);
    expect(opened.autotrade, 'status reports the switch').toBe(true);

    await shutdown();
    await boot();
    const restarted = await host.call('trading.status', {});
    expect(restarted.ok && restarted.value.autotrade, 'the switch persisted across a restart').toBe(true);
    const disabled = await host.call('trading.setAutotrade', { enabled: false });
    expect(disabled.ok && disabled.value.autotrade).toBe(false);
  });

  it('TP/SL settings saved from the Settings view shape the next auto-trade: a bps stop 2.5 % away', async () => {
    const saved = await host.call('settings.set', { values: { 'autotrade.tpsl.mode': 'bps', 'autotrade.tpsl.slBps': 250 } });
    expect(saved.ok, JSON.stringify(saved)).toBe(true);
    const field = saved.ok ? saved.value.fields.find((f) => f.path === 'autotrade.tpsl.slBps') : undefined;
    expect(field, 'shown in the protection group, saying when it applies').toMatchObject({ group: 'protection', value: 250, unit: 'bps' });
    expect(field?.help).toContain('Applies to new positions');
    await host.call('trading.setAutotrade', { enabled: true });
    try {
      const row = await liquidRow(5);
      const inspected = await host.call('symbol.inspect', { symbol: row.symbol });
      const price = (inspected.ok ? inspected.value.markPrice : null) ?? row.lastPrice!;
      for (const fn of signalListeners) fn(longSignal(row, price));
      const pos = await until('the auto-trader to open the position', async () => {
        const s = await host.call('trading.status', {});
        return (s.ok && s.value.positions.find((p) => p.symbol === row.symbol && p.stopLossPrice !== null)) || null;
      });
      // Levels are set from the fill; the venue's tick rounds the trigger by at most one tick.
      expect(pos.stopLossPrice! / pos.entryPrice, 'the stop 250 bps under the entry').toBeCloseTo(1 - 0.025, 4);
    } finally {
      await host.call('trading.setAutotrade', { enabled: false });
      await host.call('settings.set', { values: { 'autotrade.tpsl.mode': 'atr' } });
    }
  });

  it('the kill switch blocks orders with its reason, and stays on across a restart', async () => {
    const on = await host.call('emergency.killSwitch', { active: true, reason: 'desk halt' });
    expect(on.ok && on.value.active).toBe(true);
    const row = await liquidRow();
    const blocked = await host.call('orders.place', { symbol: row.symbol, side: 'sell', type: 'market', notionalUsd: 40 });
    expect(!blocked.ok && blocked.error.code, JSON.stringify(blocked)).toBe(ErrorCode.KillSwitchActive);
    expect(!blocked.ok && blocked.error.message, 'names the reason').toContain('desk halt');

    await shutdown();
    await boot();
    const status = await host.call('trading.status', {});
    expect(status.ok && status.value.killSwitch, 'persisted').toMatchObject({ active: true, reason: 'desk halt' });
    const off = await host.call('emergency.killSwitch', { active: false });
    expect(off.ok && off.value.active).toBe(false);
  });

  it('panic turns the kill switch on before it reads the exchange: a ticket sent while it waits is refused', async () => {
    const row = await liquidRow(5);
    let entered!: () => void;
    let release!: () => void;
    const reached = new Promise<void>((r) => (entered = r));
    silentExchange = { entered, released: new Promise<void>((r) => (release = r)) };
    try {
      const panicking = host.call('emergency.panic', { confirm: true, symbols: [row.symbol] });
      await reached;
      const status = await host.call('trading.status', {});
      expect(status.ok && status.value.killSwitch, 'on while the book read has not answered').toMatchObject({ active: true, reason: 'panic' });
      const blocked = await host.call('orders.place', { symbol: row.symbol, side: 'buy', type: 'market', notionalUsd: 40 });
      expect(!blocked.ok && blocked.error.code, JSON.stringify(blocked)).toBe(ErrorCode.KillSwitchActive);
      silentExchange = null;
      release();
      const report = await panicking;
      expect(report.ok && report.value.failures, JSON.stringify(report)).toEqual([]);
    } finally {
      silentExchange = null;
      release();
      await host.call('emergency.killSwitch', { active: false });
    }
  });

  it('an order or close that expects another session mode is refused with PERMISSION_DENIED, and nothing is sent', async () => {
    const before = await host.call('orders.history', {});
    // A symbol no earlier test traded (RiskPolicy's cooldown and open-position gates stay out of it).
    const traded = new Set(before.ok ? before.value.orders.map((o) => o.symbol) : []);
    const row = await until('an untraded ranked symbol RiskPolicy accepts', async () => {
      const res = await host.call('rankings.query', { sortBy: 'quoteVolume24hUsd', maxManipScore: 50, limit: 20 });
      return (res.ok ? res.value.rows : []).find((r) => r.lastPrice !== null && !traded.has(r.symbol)) ?? null;
    });
    const placed = await host.call('orders.place', { symbol: row.symbol, side: 'buy', type: 'market', notionalUsd: 40, expectMode: 'live' });
    expect(!placed.ok && placed.error, JSON.stringify(placed)).toMatchObject({ code: ErrorCode.PermissionDenied, details: { field: 'expectMode', value: 'live', expected: 'paper' } });
    const closed = await host.call('positions.close', { symbol: row.symbol, expectMode: 'live' });
    expect(!closed.ok && closed.error.code).toBe(ErrorCode.PermissionDenied);
    const after = await host.call('orders.history', {});
    expect(after.ok && after.value.orders.length, 'nothing recorded').toBe(before.ok && before.value.orders.length);
    const paper = await host.call('orders.place', { symbol: row.symbol, side: 'buy', type: 'market', notionalUsd: 40, expectMode: 'paper' });
    expect(paper.ok && paper.value.order.status, JSON.stringify(paper)).toBe('filled');
    const flat = await host.call('positions.close', { symbol: row.symbol, expectMode: 'paper' });
    expect(flat.ok, JSON.stringify(flat)).toBe(true);
  });

  it('the order history comes from the store, newest first, and survives a restart', async () => {
    const row = await liquidRow(1);
    // The bracket test traded this symbol: RiskPolicy's cooldown (two sim minutes) is waited out.
    const placed = await until('a limit past the cooldown of the bracket test', async () => {
      const res = await host.call('orders.place', { symbol: row.symbol, side: 'buy', type: 'limit', price: row.lastPrice! * 0.7, notionalUsd: 30 });
      return !res.ok && res.error.details?.reason === 'cooldown' ? null : res;
    });
    expect(placed.ok && placed.value.order.status, JSON.stringify(placed)).toBe('open');
    if (!placed.ok) return;
    const cancelled = await host.call('orders.cancel', { orderId: placed.value.order.id });
    expect(cancelled.ok && cancelled.value.order.status).toBe('canceled');
    const before = await host.call('orders.history', {});
    if (!before.ok) throw new Error(before.error.message);
    // A pinned sim restarts its clock with the host, so orders of an earlier boot may carry later
    // times: the order is found by id, and the list is checked for its order by creation time.
    expect(before.value.orders.find((o) => o.id === placed.value.order.id), 'the order, in its last state').toMatchObject({ status: 'canceled', symbol: row.symbol });
    const times = before.value.orders.map((o) => o.createdAtMs);
    expect(times, 'newest first').toEqual([...times].sort((a, b) => b - a));
    const two = await host.call('orders.history', { limit: 2 });
    expect(two.ok && two.value.orders.map((o) => o.id), 'limit keeps the newest').toEqual(before.value.orders.slice(0, 2).map((o) => o.id));

    await shutdown();
    await boot();
    const after = await host.call('orders.history', {});
    expect(after.ok && after.value, 'the same history after a restart').toEqual(before.value);
  });
});
