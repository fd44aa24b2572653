import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, liveConfirmPhrase, type RankingRowView } from '@perpscope/shared';
import { openStore } from '@perpscope/sdk';
import { panicUntilFlat, startSimHost, stopSimHost } from './hostHarness.js';
import { hostEngineFactory, SIM_API_KEY, type EngineRuntime, type Host } from '../../src/host/index.js';
import { SIM_START_MS, until } from '../../../test/support/sim.js';
import { memorySecrets } from '../support/fakes.js';

// safeRestart flatten: arming must still keep what the account holds (a restart of the app is not an arm).
const CONFIG = { sim: { symbols: 12, seed: 4, acceleration: 60, rateLimitScale: 20, startTimeMs: SIM_START_MS }, timeframes: ['1m'], backfillBars: 60, universe: { minQuoteVolumeUsd: 0 }, autotrade: { safeRestart: 'flatten' } };

describe('live trading from the app: armed with a tested key, the same order path, never armed after a restart', () => {
  const home = mkdtempSync(join(tmpdir(), 'perpscope-live-'));
  writeFileSync(join(home, 'config.json'), JSON.stringify(CONFIG));
  const factory = hostEngineFactory({ openStore, env: {}, orderFlowIntervalMs: 60_000 });
  const secrets = memorySecrets();
  let runtime: EngineRuntime;
  let host: Host;

  async function boot(): Promise<void> {
    ({ runtime, host } = await startSimHost(factory, home, secrets));
  }
  const shutdown = () => stopSimHost({ runtime, host });
  async function liquidRow(): Promise<RankingRowView> {
    return until('a ranked liquid symbol', async () => {
      const res = await host.call('rankings.query', { sortBy: 'quoteVolume24hUsd', limit: 1 });
      const row = res.ok ? res.value.rows[0] : undefined;
      return row && row.lastPrice !== null ? row : null;
    });
  }
  const arm = (label: string, confirm = liveConfirmPhrase('blofin', label)) => host.call('trading.armLive', { exchange: 'blofin', label, confirm });

  beforeAll(boot);
  afterAll(async () => {
    await shutdown().catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  });

  it('refuses to arm without the typed confirmation, without a stored key, or with a key that does not authenticate', async () => {
    const unconfirmed = await arm('main', 'yes');
    expect(!unconfirmed.ok && unconfirmed.error.code).toBe(ErrorCode.InvalidInput);
    expect(!unconfirmed.ok && unconfirmed.error.message).toContain('type "LIVE blofin:main"');
    const missing = await arm('main');
    expect(!missing.ok && missing.error.code).toBe(ErrorCode.SecretNotFound);
    await secrets.set({ exchange: 'blofin', label: 'wrong' }, { apiKey: 'not-the-sim-key', secret: 'not-the-sim-secret', password: 'not-the-sim-pass' });
    const refused = await arm('wrong');
    expect(!refused.ok && refused.error.message, JSON.stringify(refused)).toMatch(/^Live trading not armed: blofin refused the key/);
    expect(!refused.ok && refused.error.message, 'no credential in the message').not.toContain('not-the-sim-key');
    const status = await host.call('trading.status', {});
    expect(status.ok && status.value.mode, 'still paper').toBe('paper');
  });

  it('armed, a ticket goes to the exchange with its stop and take-profit, panic flattens it, and disarm returns to paper', async () => {
    await secrets.set({ exchange: 'blofin', label: 'main' }, { ...SIM_API_KEY });
    const armed = await arm('main');
    expect(armed.ok && armed.value, JSON.stringify(armed)).toMatchObject({ mode: 'live', exchange: 'blofin', liveAccount: { exchange: 'blofin', label: 'main' }, autotrade: false });
    const again = await arm('main');
    expect(!again.ok && again.error.message, 'one live session at a time').toContain('already armed');

    const row = await liquidRow();
    const inspected = await host.call('symbol.inspect', { symbol: row.symbol });
    const price = (inspected.ok ? inspected.value.markPrice : null) ?? row.lastPrice!;
    const placed = await host.call('orders.place', { symbol: row.symbol, side: 'buy', type: 'market', notionalUsd: 60, stopLossPrice: price * 0.95, takeProfitPrice: price * 1.05 });
    expect(placed.ok, JSON.stringify(placed)).toBe(true);
    const live = await until('the live position with its protection', async () => {
      const s = await host.call('trading.status', {});
      if (!s.ok) return null;
      const pos = s.value.positions.find((p) => p.symbol === row.symbol);
      return pos && pos.stopLossPrice !== null && pos.takeProfitPrice !== null ? s.value : null;
    });
    expect(live.mode).toBe('live');
    const history = await host.call('orders.history', {});
    expect(history.ok && history.value.orders.map((o) => o.type), 'the live ledger holds the entry and both exits').toEqual(expect.arrayContaining(['market', 'stop_loss', 'take_profit']));

    const { panic, flat } = await panicUntilFlat(host, row.symbol);
    expect(panic.ok && panic.value.closedPositions, JSON.stringify(panic)).toBe(1);
    expect(flat.killSwitch.active, 'panic leaves the kill switch on').toBe(true);
    await host.call('emergency.killSwitch', { active: false });

    const disarmed = await host.call('trading.disarmLive', {});
    expect(disarmed.ok && disarmed.value).toMatchObject({ mode: 'paper', liveAccount: null });
    const paperHistory = await host.call('orders.history', {});
    expect(paperHistory.ok && paperHistory.value.orders.some((o) => o.symbol === row.symbol && o.type === 'stop_loss'), 'the paper ledger never saw the live orders').toBe(false);
  });

  it('arming again keeps the positions the account holds, with their protection', async () => {
    const armed = await arm('main');
    expect(armed.ok, JSON.stringify(armed)).toBe(true);
    const row = await liquidRow();
    const placed = await host.call('orders.place', { symbol: row.symbol, side: 'buy', type: 'market', notionalUsd: 60 });
    expect(placed.ok, JSON.stringify(placed)).toBe(true);
    await until('the live position', async () => {
      const s = await host.call('trading.status', {});
      return s.ok && s.value.positions.some((p) => p.symbol === row.symbol) ? true : null;
    });
    await host.call('trading.disarmLive', {});
    const again = await arm('main');
    expect(again.ok, JSON.stringify(again)).toBe(true);
    const held = await until('the position, kept and protected', async () => {
      const s = await host.call('trading.status', {});
      return (s.ok && s.value.positions.find((p) => p.symbol === row.symbol && p.stopLossPrice !== null)) || null;
    });
    expect(held.side).toBe('long');
    const panic = await host.call('emergency.panic', { confirm: true });
    expect(panic.ok && panic.value.closedPositions).toBe(1);
    await host.call('emergency.killSwitch', { active: false });
    await host.call('trading.disarmLive', {});
  });

  it('arms only the venue the engine reads, one session at a time, and a disarm during arming calls it off', async () => {
    await secrets.set({ exchange: 'bybit', label: 'other' }, { apiKey: 'bybit-key-value', secret: 'bybit-secret-value' });
    const elsewhere = await host.call('trading.armLive', { exchange: 'bybit', label: 'other', confirm: liveConfirmPhrase('bybit', 'other') });
    expect(!elsewhere.ok && elsewhere.error.message, JSON.stringify(elsewhere)).toContain('this engine reads blofin');

    // The port itself, with the key test held open: the states between the request and the start.
    const trading = runtime.engine.trading!;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const first = trading.armLive!('blofin', 'main', { ...SIM_API_KEY }, () => held);
    await expect(trading.armLive!('blofin', 'main', { ...SIM_API_KEY }, () => Promise.resolve()), 'a second arm while the first is under way').rejects.toThrow(/already being armed/);
    const disarmed = await trading.disarmLive!();
    expect(disarmed.mode, 'still paper').toBe('paper');
    release();
    await expect(first, 'the disarm called the arm off').rejects.toThrow(/disarmed while it was being armed/);
    const after = await host.call('trading.status', {});
    expect(after.ok && after.value.mode, 'and nothing was left armed').toBe('paper');
  });

  it('is never armed after a restart', async () => {
    const armed = await arm('main');
    expect(armed.ok && armed.value.mode, JSON.stringify(armed)).toBe('live');
    await shutdown();
    await boot();
    const status = await host.call('trading.status', {});
    expect(status.ok && status.value.mode).toBe('paper');
  });
});
