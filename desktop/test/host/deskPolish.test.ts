import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RankingRowView } from '@perpscope/shared';
import { openStore, silentLogger } from '@perpscope/sdk';
import { createHost, hostEngineFactory, type EngineRuntime, type Host, type HostEvent } from '../../src/host/index.js';
import { noSecrets } from '../support/fakes.js';
import { SIM_START_MS, until } from '../../../test/support/sim.js';

const CONFIG = { sim: { symbols: 12, seed: 11, acceleration: 60, rateLimitScale: 20, startTimeMs: SIM_START_MS }, timeframes: ['1m'], backfillBars: 60, universe: { minQuoteVolumeUsd: 0 } };

/**
 * What a trader reads off the desk, over a real sim engine and a real SQLite file: health ages on
 * one clock, realized PnL and "Today" on the same side of fees, each ranked row's tick and lot, and
 * panic switching the auto-trader off until the trader turns it back on (across a restart).
 */
describe('the desk figures a trader reads, over a SimExchange-backed engine', () => {
  const home = mkdtempSync(join(tmpdir(), 'perpscope-desk-polish-'));
  writeFileSync(join(home, 'config.json'), JSON.stringify(CONFIG));
  const factory = hostEngineFactory({ openStore, env: {}, orderFlowIntervalMs: 60_000 });
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
  async function liquidRow(): Promise<RankingRowView> {
    return until('a ranked liquid symbol', async () => {
      const res = await host.call('rankings.query', { sortBy: 'quoteVolume24hUsd', maxManipScore: 50, limit: 1 });
      const row = res.ok ? res.value.rows[0] : undefined;
      return row && row.lastPrice !== null ? row : null;
    });
  }

  beforeAll(boot);
  afterAll(async () => {
    await shutdown().catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  });

  it("reports the last update's age on the engine's clock, never against the reader's", async () => {
    const h = await until('a health snapshot with an update', async () => {
      const res = await host.call('health.get', {});
      return res.ok && res.value.exchanges[0]?.lastUpdateMs != null ? res.value : null;
    });
    const x = h.exchanges[0]!;
    expect(x.lastUpdateAgeMs, 'aged on the snapshot clock').toBe(h.asOfMs - x.lastUpdateMs!);
    expect(x.lastUpdateAgeMs!, 'never negative').toBeGreaterThanOrEqual(0);
    // The sim's clock started on another day: aged against this machine's clock it would be days old.
    expect(Math.abs(Date.now() - x.lastUpdateMs!), 'the sim clock is far from the wall clock').toBeGreaterThan(86_400_000);
    expect(x.lastUpdateAgeMs!, 'within one sim bar of the snapshot').toBeLessThan(120_000);
  });

  it("gives each ranked row its market's tick and lot, as symbol.inspect reports them", async () => {
    const row = await liquidRow();
    const inspected = await host.call('symbol.inspect', { symbol: row.symbol });
    if (!inspected.ok) throw new Error(inspected.error.message);
    expect(row.priceTick, 'the row carries the tick').not.toBeNull();
    expect({ priceTick: row.priceTick, amountStep: row.amountStep }).toEqual({ priceTick: inspected.value.market.priceTick, amountStep: inspected.value.market.amountStep });
  });

  it('shows realized PnL net of fees, as "Today" is: flat, the two differ by funding alone', async () => {
    const row = await liquidRow();
    const placed = await host.call('orders.place', { symbol: row.symbol, side: 'buy', type: 'market', notionalUsd: 40 });
    expect(placed.ok && placed.value.order.status, JSON.stringify(placed)).toBe('filled');
    const closed = await host.call('positions.close', { symbol: row.symbol });
    expect(closed.ok && closed.value.order.status, JSON.stringify(closed)).toBe('filled');
    const flat = await until('flat', async () => {
      const s = await host.call('trading.status', {});
      return s.ok && s.value.positions.length === 0 && s.value.orders.length === 0 ? s.value : null;
    });
    const history = await host.call('history.list', {});
    if (!history.ok) throw new Error(history.error.message);
    const fees = history.value.rows.reduce((s, r) => s + r.feeUsd, 0);
    const gross = history.value.rows.reduce((s, r) => s + (r.realizedPnlUsd ?? 0), 0);
    const funding = history.value.rows.reduce((s, r) => s + r.fundingUsd, 0);
    expect(fees, 'the round trip paid fees').toBeGreaterThan(0);
    const acct = flat.account!;
    expect(acct.realizedPnlUsd, 'realized = the fills’ PnL less their fees').toBeCloseTo(gross - fees, 9);
    expect(acct.dailyPnlUsd, 'the day is anchored before the trade').not.toBeNull();
    expect(acct.dailyPnlUsd! - acct.realizedPnlUsd, 'Today and Realized agree on fees: with nothing open they differ by funding only').toBeCloseTo(funding, 6);
  });

  it('panic turns the auto-trader off, and it stays off through the next cycle and a restart', async () => {
    const on = await host.call('trading.setAutotrade', { enabled: true });
    expect(on.ok && on.value.autotrade, JSON.stringify(on)).toBe(true);
    const panic = await host.call('emergency.panic', { confirm: true });
    expect(panic.ok, JSON.stringify(panic)).toBe(true);
    const after = await host.call('trading.status', {});
    expect(after.ok && after.value.autotrade, 'off right after panic').toBe(false);

    const cyclesBefore = events.filter((e) => e.event === 'ranking').length;
    await until('the next engine cycle', () => (events.filter((e) => e.event === 'ranking').length > cyclesBefore ? true : null));
    const later = await host.call('trading.status', {});
    expect(later.ok && later.value.autotrade, 'still off after the next cycle').toBe(false);

    await host.call('emergency.killSwitch', { active: false });
    const cleared = await host.call('trading.status', {});
    expect(cleared.ok && cleared.value.autotrade, 'clearing the kill switch does not turn it back on').toBe(false);

    await shutdown();
    await boot();
    const restarted = await host.call('trading.status', {});
    expect(restarted.ok && restarted.value.autotrade, 'still off after a restart').toBe(false);
    const again = await host.call('trading.setAutotrade', { enabled: true });
    expect(again.ok && again.value.autotrade, 'the trader turns it back on explicitly').toBe(true);
  });
});
