import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveConfirmPhrase, type RankingRowView } from '@perpscope/shared';
import { openStore } from '@perpscope/sdk';
import { panicUntilFlat, startSimHost, stopSimHost } from './hostHarness.js';
import { hostEngineFactory, SIM_API_KEY, type EngineRuntime, type Host } from '../../src/host/index.js';
import { SIM_START_MS, until } from '../../../test/support/sim.js';
import { memorySecrets } from '../support/fakes.js';

const CONFIG = { sim: { symbols: 8, seed: 4, acceleration: 60, rateLimitScale: 20, startTimeMs: SIM_START_MS }, timeframes: ['1m'], backfillBars: 60, universe: { minQuoteVolumeUsd: 0 } };

const DIALECTS = ['binanceusdm', 'bybit', 'htx'] as const;

describe.each(DIALECTS)('LIVE from the app on a SimExchange speaking %s: armed with the sim key, its gateway places, protects and panics', (dialect) => {
  const home = mkdtempSync(join(tmpdir(), `perpscope-live-${dialect}-`));
  writeFileSync(join(home, 'config.json'), JSON.stringify(CONFIG));
  const factory = hostEngineFactory({ openStore, env: {}, orderFlowIntervalMs: 60_000, simDialect: dialect });
  const secrets = memorySecrets();
  let runtime: EngineRuntime;
  let host: Host;

  beforeAll(async () => {
    ({ runtime, host } = await startSimHost(factory, home, secrets));
  });
  afterAll(async () => {
    await stopSimHost({ runtime, host }).catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  });

  const arm = (exchange: string, label: string) => host.call('trading.armLive', { exchange, label, confirm: liveConfirmPhrase(exchange, label) });
  async function liquidRow(): Promise<RankingRowView> {
    return until('a ranked liquid symbol', async () => {
      const res = await host.call('rankings.query', { sortBy: 'quoteVolume24hUsd', limit: 1 });
      const row = res.ok ? res.value.rows[0] : undefined;
      return row && row.lastPrice !== null ? row : null;
    });
  }

  it('tests the sim key as a key of that exchange and refuses a wrong one, or a key of another exchange', async () => {
    // These exchanges' keys have no passphrase: the sim's key and secret alone sign its requests.
    await secrets.set({ exchange: dialect, label: 'main' }, { apiKey: SIM_API_KEY.apiKey, secret: SIM_API_KEY.secret });
    const tested = await host.call('keys.test', { exchange: dialect, label: 'main' });
    expect(tested.ok && tested.value.message, JSON.stringify(tested)).toMatch(new RegExp(`^Authenticated with ${dialect}`));
    await secrets.set({ exchange: dialect, label: 'wrong' }, { apiKey: 'not-the-sim-key', secret: 'not-the-sim-secret' });
    const refused = await arm(dialect, 'wrong');
    expect(!refused.ok && refused.error.message, JSON.stringify(refused)).toMatch(new RegExp(`^Live trading not armed: ${dialect} refused the key`));
    await secrets.set({ exchange: 'blofin', label: 'main' }, { ...SIM_API_KEY });
    const elsewhere = await arm('blofin', 'main');
    expect(!elsewhere.ok && elsewhere.error.message, JSON.stringify(elsewhere)).toContain(`this engine reads ${dialect}`);
    const status = await host.call('trading.status', {});
    expect(status.ok && status.value.mode, 'still paper').toBe('paper');
  });

  it('armed with the sim key, a ticket reaches the sim with its stop, panic flattens it, and disarm returns to paper', async () => {
    const armed = await arm(dialect, 'main');
    expect(armed.ok && armed.value, JSON.stringify(armed)).toMatchObject({ mode: 'live', exchange: dialect, liveAccount: { exchange: dialect, label: 'main' } });

    const row = await liquidRow();
    const inspected = await host.call('symbol.inspect', { symbol: row.symbol });
    const price = (inspected.ok ? inspected.value.markPrice : null) ?? row.lastPrice!;
    const placed = await host.call('orders.place', { symbol: row.symbol, side: 'buy', type: 'market', notionalUsd: 60, stopLossPrice: price * 0.95 });
    expect(placed.ok, JSON.stringify(placed)).toBe(true);
    await until('the live position with its stop', async () => {
      const s = await host.call('trading.status', {});
      return (s.ok && s.value.positions.find((p) => p.symbol === row.symbol && p.stopLossPrice !== null)) || null;
    });
    const history = await host.call('orders.history', {});
    const orders = history.ok ? history.value.orders.filter((o) => o.symbol === row.symbol) : [];
    expect(orders.map((o) => o.type), 'the live ledger holds the entry and its stop').toEqual(expect.arrayContaining(['market', 'stop_loss']));

    const { panic, flat } = await panicUntilFlat(host, row.symbol);
    expect(panic.ok && panic.value, JSON.stringify(panic)).toMatchObject({ closedPositions: 1, failures: [] });
    expect(flat.killSwitch.active, 'panic leaves the kill switch on').toBe(true);
    await host.call('emergency.killSwitch', { active: false });
    const disarmed = await host.call('trading.disarmLive', {});
    expect(disarmed.ok && disarmed.value).toMatchObject({ mode: 'paper', liveAccount: null });
  }, 180_000); // ccxt's own client-side throttle (Binance's request weights) spends ~20 s of wall time here whatever the machine.
});
