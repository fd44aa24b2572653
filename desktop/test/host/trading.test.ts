import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type RankingRowView } from '@perpscope/shared';
import { createEngine, openStore, silentLogger, type Engine, type Signal } from '@perpscope/sdk';
import { createHost, hostEngineFactory, type EngineRuntime, type Host, type HostEvent, type HostSecretStore } from '../../src/host/index.js';

const CONFIG = { sim: { symbols: 20, acceleration: 60, rateLimitScale: 20 }, timeframes: ['1m', '15m'], backfillBars: 100, universe: { minQuoteVolumeUsd: 0 } };

/** Trading never reads keys; a secret store that holds nothing keeps the test off the keychain. */
const noSecrets: HostSecretStore = {
  set: () => Promise.reject(new Error('not used')),
  get: () => Promise.resolve(null),
  delete: () => Promise.resolve(false),
  list: () => Promise.resolve([]),
};

async function until<T>(what: string, fn: () => Promise<T | null>, timeoutMs = 30_000): Promise<T> {
  const endMs = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== null) return v;
    if (Date.now() > endMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('paper trading through the host over a SimExchange-backed engine', () => {
  const home = mkdtempSync(join(tmpdir(), 'perpscope-trading-'));
  writeFileSync(join(home, 'config.json'), JSON.stringify(CONFIG));
  /** Signal listeners of the running engine, so a test can deliver a selected signal as the engine would. */
  let signalListeners = new Set<(s: Signal) => void>();
  const factory = hostEngineFactory({
    openStore,
    env: {},
    orderFlowIntervalMs: 60_000,
    createEngine: (config, deps) => {
      const engine = createEngine(config, deps);
      const listeners = new Set<(s: Signal) => void>();
      signalListeners = listeners;
      const on = ((event, fn) => {
        const off = engine.on(event, fn);
        if (event !== 'signal') return off;
        const listener = fn as (s: Signal) => void;
        listeners.add(listener);
        return () => {
          listeners.delete(listener);
          off();
        };
      }) as Engine['on'];
      return { ...engine, on };
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
  /** The `nth` most liquid ranked symbol: it passes the volume gate (each test trades its own: cooldown). */
  async function liquidRow(nth = 0): Promise<RankingRowView> {
    return until('a ranked liquid symbol', async () => {
      const res = await host.call('rankings.query', { sortBy: 'quoteVolume24hUsd', offset: nth, limit: 1 });
      const row = res.ok ? res.value.rows[0] : undefined;
      return row && row.lastPrice !== null ? row : null;
    });
  }

  beforeAll(boot);
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
    expect(pos?.sizeBase, 'sized by the ticket').toBeCloseTo(40 / price, 1);
    expect(pos?.stopLossPrice, 'stop armed').toBeCloseTo(price * 0.9, 6);
    expect(pos?.takeProfitPrice, 'target armed').toBeCloseTo(price * 1.1, 6);
    expect(status.value.orders.filter((o) => o.reduceOnly).length, 'stop and take-profit working').toBe(2);
    expect(events.some((e) => e.event === 'fill' && e.data.symbol === row.symbol), 'fill event').toBe(true);
    expect(events.some((e) => e.event === 'position' && e.data.symbol === row.symbol && e.data.status === 'open'), 'position event').toBe(true);

    const closed = await host.call('positions.close', { symbol: row.symbol });
    expect(closed.ok && closed.value.order.status, JSON.stringify(closed)).toBe('filled');
    const after = await until('flat with protection cleared', async () => {
      const s = await host.call('trading.status', {});
      return s.ok && s.value.positions.length === 0 && s.value.orders.length === 0 ? s.value : null;
    }, 5_000);
    expect(after.account?.realizedPnlUsd, 'fees and spread realized').not.toBe(0);
    expect(events.some((e) => e.event === 'position' && e.data.symbol === row.symbol && e.data.status === 'closed'), 'closed position event').toBe(true);
  });

  it('a tight bracket closes the position on real prints (stop or take-profit triggers)', async () => {
    const row = await liquidRow(1);
    // The mark is fresh (inspect refreshes order flow); the ranking's last price may be seconds old.
    const inspected = await host.call('symbol.inspect', { symbol: row.symbol });
    const price = (inspected.ok ? inspected.value.markPrice : null) ?? row.lastPrice!;
    const placed = await host.call('orders.place', { symbol: row.symbol, side: 'buy', type: 'market', notionalUsd: 40, stopLossPrice: price * 0.9994, takeProfitPrice: price * 1.0006 });
    expect(placed.ok, JSON.stringify(placed)).toBe(true);
    const armed = await host.call('trading.status', {});
    expect(armed.ok && armed.value.orders.filter((o) => o.symbol === row.symbol).length, `both legs armed: ${JSON.stringify(armed)}`).toBe(2);
    // One sim minute per wall second: a 0.06 % move either way comes within seconds.
    const flat = await until('a trigger to fire', async () => {
      const s = await host.call('trading.status', {});
      return s.ok && !s.value.positions.some((p) => p.symbol === row.symbol) ? s.value : null;
    }, 40_000);
    expect(flat.orders.filter((o) => o.symbol === row.symbol), 'the other leg is canceled').toEqual([]);
    const exits = events.filter((e) => e.event === 'order' && e.data.symbol === row.symbol && (e.data.type === 'stop_loss' || e.data.type === 'take_profit') && e.data.status === 'filled');
    expect(exits.length, 'exactly one protective leg filled').toBe(1);
  });

  it('refuses an order larger than the risk policy sizes', async () => {
    const row = await liquidRow(2);
    const res = await host.call('orders.place', { symbol: row.symbol, side: 'buy', type: 'market', notionalUsd: 5_000 });
    expect(!res.ok && res.error.code, JSON.stringify(res)).toBe(ErrorCode.RiskRejected);
    expect(!res.ok && res.error.details?.reason, 'the sizing gate refused it').toBe('exceeds_sizing');
  });

  /** A selected long signal on `row` at its current price, as the signal engine emits it. */
  function longSignal(row: RankingRowView, entry: number): Signal {
    const closeTimeMs = Date.now();
    return {
      id: `test-${row.symbol}-${closeTimeMs}`,
      symbol: row.symbol,
      timeframe: '1m',
      openTimeMs: closeTimeMs - 60_000,
      closeTimeMs,
      side: 'long',
      score: 50,
      probability: 0.9,
      expectedValue: 0.01,
      regime: null,
      riskMultiplier: 1,
      components: [{ id: 'test', side: 'long', score: 50, weight: 1, level: null }],
      tags: [],
      levels: { entry, stop: entry * 0.99, takeProfit: entry * 1.02, byComponent: {} },
      entryPlan: null,
    };
  }

  it('with the auto-trader on, a selected signal opens a protected position; the switch survives a restart', async () => {
    // With the switch off a signal is ignored.
    const idle = await liquidRow(4);
    const before = events.length;
    for (const fn of signalListeners) fn(longSignal(idle, idle.lastPrice!));
    await new Promise((r) => setTimeout(r, 1_000));
    const off = events.slice(before).filter((e) => (e.event === 'alert' && e.data.kind.startsWith('autotrade')) || (e.event === 'order' && e.data.symbol === idle.symbol));
    expect(off, 'no auto-trade while the switch is off').toEqual([]);

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
    }, 10_000);
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
});
