import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type PositionView, type RankingRowView } from '@perpscope/shared';
import { createEngine, openStore, silentLogger, toStep, type Signal } from '@perpscope/sdk';
import { createHost, hostEngineFactory, type EngineRuntime, type Host, type HostEvent } from '../../src/host/index.js';
import { deliveredSignalsOnly, noSecrets } from '../support/fakes.js';
import { selectedSignal } from '../../../test/support/selectedSignal.js';
import { SIM_START_MS, until } from '../../../test/support/sim.js';

// The test signal's strategy is traded by override: no evidence covers the sim's markets.
const CONFIG = { sim: { symbols: 20, seed: 9, acceleration: 60, rateLimitScale: 20, startTimeMs: SIM_START_MS }, timeframes: ['1m', '15m'], backfillBars: 100, universe: { minQuoteVolumeUsd: 0 }, autotrade: { edge: { overrides: ['test'] } } };

describe('partial and limit closes through the host over a SimExchange-backed engine and SQLite', () => {
  const home = mkdtempSync(join(tmpdir(), 'perpscope-partial-close-'));
  writeFileSync(join(home, 'config.json'), JSON.stringify(CONFIG));
  /** Only the signals a test delivers reach the trading bridge: the sim's own would race with them. */
  const signalListeners = new Set<(s: Signal) => void>();
  const factory = hostEngineFactory({
    openStore,
    env: {},
    orderFlowIntervalMs: 60_000,
    createEngine: (config, deps) => {
      const engine = createEngine(config, deps);
      return { ...engine, on: deliveredSignalsOnly(engine, signalListeners) };
    },
  });
  let runtime: EngineRuntime;
  let host: Host;
  const events: HostEvent[] = [];

  beforeAll(async () => {
    runtime = await factory({ home, sim: true, logger: silentLogger });
    host = createHost({ engine: runtime.engine, secrets: noSecrets, ...(runtime.store ? { store: runtime.store } : {}) });
    host.onEvent((e) => events.push(e));
    await runtime.start();
  });
  afterAll(async () => {
    host.close();
    await runtime.stop().catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  });

  /** The `nth` most liquid ranked symbol (each test trades its own: the entry cooldown is per symbol). */
  async function liquidRow(nth: number): Promise<RankingRowView> {
    return until('a ranked liquid symbol', async () => {
      const res = await host.call('rankings.query', { sortBy: 'quoteVolume24hUsd', offset: nth, limit: 1 });
      const row = res.ok ? res.value.rows[0] : undefined;
      return row && row.lastPrice !== null ? row : null;
    });
  }
  async function position(symbol: string): Promise<PositionView | undefined> {
    const s = await host.call('trading.status', {});
    if (!s.ok) throw new Error(s.error.message);
    return s.value.positions.find((p) => p.symbol === symbol);
  }
  async function lotOf(symbol: string): Promise<number> {
    const inspected = await host.call('symbol.inspect', { symbol });
    if (!inspected.ok || inspected.value.market.amountStep === null) throw new Error(`no lot for ${symbol}`);
    return inspected.value.market.amountStep;
  }
  /** A whole close (no fraction: the default), so the risk policy's open-position limit never binds the next test. */
  async function flatten(symbol: string): Promise<void> {
    const res = await host.call('positions.close', { symbol });
    expect(res.ok && res.value.order.status, JSON.stringify(res)).toBe('filled');
    expect(await position(symbol), 'flat after a whole close').toBeUndefined();
  }
  async function openLong(symbol: string, notionalUsd: number): Promise<PositionView> {
    const placed = await host.call('orders.place', { symbol, side: 'buy', type: 'market', notionalUsd });
    expect(placed.ok && placed.value.order.status, JSON.stringify(placed)).toBe('filled');
    const pos = await position(symbol);
    expect(pos?.sizeBase, 'a long position opened').toBeGreaterThan(0);
    return pos!;
  }

  it('a 50 % market close leaves the other half of the position, rounded down to the lot', async () => {
    const row = await liquidRow(0);
    const opened = await openLong(row.symbol, 200);
    const lot = await lotOf(row.symbol);
    const closed = await host.call('positions.close', { symbol: row.symbol, fraction: 0.5 });
    expect(closed.ok, JSON.stringify(closed)).toBe(true);
    if (!closed.ok) return;
    const expected = toStep(opened.sizeBase * 0.5, lot, 'down');
    expect(closed.value.order.reduceOnly, 'the close is reduce-only').toBe(true);
    expect(closed.value.order.side, 'a long is closed by a sell').toBe('sell');
    expect(closed.value.order.status, 'filled at market').toBe('filled');
    expect(closed.value.order.filledBase, `half of ${opened.sizeBase} on the lot ${lot}`).toBeCloseTo(expected, 9);
    const left = await position(row.symbol);
    expect(left?.sizeBase, `the position keeps ${opened.sizeBase} - ${expected}`).toBeCloseTo(opened.sizeBase - expected, 9);
    expect(left?.side).toBe('long');
    await flatten(row.symbol);
  });

  it('a limit close rests a reduce-only limit order and leaves the position as it is', async () => {
    const row = await liquidRow(1);
    const opened = await openLong(row.symbol, 100);
    // Far above the market: a sell limit there cannot fill while the test looks.
    const price = row.lastPrice! * 1.5;
    const closed = await host.call('positions.close', { symbol: row.symbol, type: 'limit', price });
    expect(closed.ok, JSON.stringify(closed)).toBe(true);
    if (!closed.ok) return;
    expect(closed.value.order.type).toBe('limit');
    expect(closed.value.order.reduceOnly, 'reduce-only').toBe(true);
    expect(closed.value.order.status, 'resting on the book').toBe('open');
    expect(closed.value.order.amountBase, 'the whole position').toBeCloseTo(opened.sizeBase, 9);
    expect(Math.abs(closed.value.order.price! - price) / price, `limit at ${closed.value.order.price} for ${price} (tick-rounded)`).toBeLessThan(1e-3);
    const status = await host.call('trading.status', {});
    if (!status.ok) throw new Error(status.error.message);
    expect(status.value.orders.some((o) => o.id === closed.value.order.id), 'listed among the working orders').toBe(true);
    expect((await position(row.symbol))?.sizeBase, 'nothing closed yet').toBeCloseTo(opened.sizeBase, 9);
    const cancelled = await host.call('orders.cancel', { orderId: closed.value.order.id });
    expect(cancelled.ok && cancelled.value.order.status, JSON.stringify(cancelled)).toBe('canceled');
    await flatten(row.symbol);
  });

  it('refuses a bad fraction, a market close with a price, a limit close without one, and a partial below the minimum', async () => {
    const row = await liquidRow(2);
    const opened = await openLong(row.symbol, 100);
    for (const fraction of [0, 1.5, -0.5]) {
      const res = await host.call('positions.close', { symbol: row.symbol, fraction });
      expect(res.ok, `fraction ${fraction}`).toBe(false);
      if (res.ok) continue;
      expect(res.error.code).toBe(ErrorCode.InvalidInput);
      expect(res.error.message, `names the field and the rule for ${fraction}`).toMatch(/fraction[\s\S]*> 0 and <= 1/);
      expect(res.error.message, 'names the value').toContain(String(fraction));
    }
    const priced = await host.call('positions.close', { symbol: row.symbol, price: 1 });
    expect(!priced.ok && priced.error.code).toBe(ErrorCode.InvalidInput);
    expect(!priced.ok && priced.error.message).toMatch(/price[\s\S]*no price for a market close/);
    const unpriced = await host.call('positions.close', { symbol: row.symbol, type: 'limit' });
    expect(!unpriced.ok && unpriced.error.message).toMatch(/price[\s\S]*a positive price for a limit close/);
    // A hair of the position rounds to no lot at all.
    const dust = await host.call('positions.close', { symbol: row.symbol, fraction: 1e-9 });
    expect(!dust.ok && dust.error.code, JSON.stringify(dust)).toBe(ErrorCode.InvalidInput);
    expect(!dust.ok && dust.error.message).toMatch(/fraction[\s\S]*market minimum/);
    expect((await position(row.symbol))?.sizeBase, 'nothing was closed').toBeCloseTo(opened.sizeBase, 9);
    await flatten(row.symbol);
  });

  it("a partial close of an auto-traded position leaves the plan's stop sized for the rest", async () => {
    const on = await host.call('trading.setAutotrade', { enabled: true });
    expect(on.ok && on.value.autotrade, JSON.stringify(on)).toBe(true);
    const row = await liquidRow(3);
    const inspected = await host.call('symbol.inspect', { symbol: row.symbol });
    const price = (inspected.ok ? inspected.value.markPrice : null) ?? row.lastPrice!;
    expect(signalListeners.size, 'the trading bridge listens to signals').toBeGreaterThan(0);
    for (const fn of signalListeners) fn(selectedSignal(row.symbol, 'long', price, Date.now()));
    const stopOf = async () => {
      const s = await host.call('trading.status', {});
      if (!s.ok) throw new Error(s.error.message);
      return s.value.orders.find((o) => o.symbol === row.symbol && o.type === 'stop_loss' && o.status === 'open');
    };
    const opened = await until('the auto-trader to open a protected position', async () => {
      // A skipped signal would leave nothing to wait for: its reason is the failure.
      const skip = events.find((e) => e.event === 'alert' && e.data.kind === 'autotrade_skip' && e.data.symbol === row.symbol);
      if (skip?.event === 'alert') throw new Error(skip.data.message);
      const pos = await position(row.symbol);
      return pos && (await stopOf()) ? pos : null;
    });
    await host.call('trading.setAutotrade', { enabled: false });
    const lot = await lotOf(row.symbol);
    const closed = await host.call('positions.close', { symbol: row.symbol, fraction: 0.5 });
    expect(closed.ok && closed.value.order.status, JSON.stringify(closed)).toBe('filled');
    const left = (await position(row.symbol))!;
    expect(left.sizeBase).toBeCloseTo(opened.sizeBase - toStep(opened.sizeBase * 0.5, lot, 'down'), 9);
    const stop = await stopOf();
    expect(stop?.amountBase, `one working stop for the ${left.sizeBase} left`).toBeCloseTo(left.sizeBase, 9);
    const s = await host.call('trading.status', {});
    if (!s.ok) throw new Error(s.error.message);
    expect(s.value.orders.filter((o) => o.symbol === row.symbol && o.type === 'stop_loss' && o.status === 'open').length, 'the old stop was cancelled').toBe(1);
  });
});
