import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, liveConfirmPhrase, type AlertView, type RankingRowView } from '@perpscope/shared';
import { openStore } from '@perpscope/sdk';
import { startSimHost, stopSimHost } from './hostHarness.js';
import { hostEngineFactory, SIM_API_KEY, type EngineRuntime, type Host } from '../../src/host/index.js';
import { SIM_START_MS, until } from '../../../test/support/sim.js';
import { memorySecrets } from '../support/fakes.js';

// Limits wide enough, and the local balance check off, so that an order far beyond the account's
// balance passes RiskPolicy and reaches SimExchange, which refuses it itself (103003, insufficient
// margin): two such refusals within the hour are a burst.
const CONFIG = {
  sim: { symbols: 12, seed: 4, acceleration: 60, rateLimitScale: 20, startTimeMs: SIM_START_MS },
  timeframes: ['1m'],
  backfillBars: 60,
  universe: { minQuoteVolumeUsd: 0 },
  risk: { gates: { maxExposureUsd: 1e12, maxManipScore: null, cooldownMs: 0 }, sizing: { maxManualNotionalUsd: 1e12, checkBalance: false } },
  autotrade: { errorBurst: { maxErrors: 2, windowMs: 3_600_000 } },
};

describe('live error-burst halt: shown in the status, lifted from the app with trading.resumeEntries', () => {
  const home = mkdtempSync(join(tmpdir(), 'perpscope-halt-'));
  writeFileSync(join(home, 'config.json'), JSON.stringify(CONFIG));
  const factory = hostEngineFactory({ openStore, env: {}, orderFlowIntervalMs: 60_000 });
  const secrets = memorySecrets();
  let runtime: EngineRuntime;
  let host: Host;
  const alerts: AlertView[] = [];

  beforeAll(async () => {
    ({ runtime, host } = await startSimHost(factory, home, secrets));
    host.onEvent((e) => {
      if (e.event === 'alert') alerts.push(e.data);
    });
  });
  afterAll(async () => {
    await stopSimHost({ runtime, host }).catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  });

  async function liquidRow(): Promise<RankingRowView> {
    return until('a ranked liquid symbol', async () => {
      const res = await host.call('rankings.query', { sortBy: 'quoteVolume24hUsd', limit: 1 });
      const row = res.ok ? res.value.rows[0] : undefined;
      return row && row.lastPrice !== null ? row : null;
    });
  }

  it('paper has nothing to resume', async () => {
    const res = await host.call('trading.resumeEntries', {});
    expect(!res.ok && res.error.code, JSON.stringify(res)).toBe(ErrorCode.InvalidInput);
    expect(!res.ok && res.error.message).toContain('not halted');
  });

  it('two refused orders halt new entries; resume lifts the halt, records it, and entries go out again', async () => {
    await secrets.set({ exchange: 'blofin', label: 'main' }, { ...SIM_API_KEY });
    const armed = await host.call('trading.armLive', { exchange: 'blofin', label: 'main', confirm: liveConfirmPhrase('blofin', 'main') });
    expect(armed.ok && armed.value.halt, JSON.stringify(armed)).toBeNull();
    const row = await liquidRow();

    for (let i = 0; i < 2; i++) {
      const refused = await host.call('orders.place', { symbol: row.symbol, side: 'buy', type: 'market', notionalUsd: 1e9 });
      const state = refused.ok ? refused.value.order.status : refused.error.code;
      expect(state, `oversized order ${i} reaches the exchange, which refuses it: ${JSON.stringify(refused)}`).toBe('rejected');
    }
    const halted = await host.call('trading.status', {});
    expect(halted.ok && halted.value.halt, JSON.stringify(halted)).toMatchObject({ reason: 'error_burst', message: expect.stringContaining('2 failed exchange calls') });
    await until('the halt alert', () => (alerts.some((a) => a.kind === 'trading_halted') ? true : null));
    const blocked = await host.call('orders.place', { symbol: row.symbol, side: 'buy', type: 'market', notionalUsd: 60 });
    expect(!blocked.ok && blocked.error.code, 'a normal entry is refused while halted').toBe(ErrorCode.RiskRejected);
    expect(!blocked.ok && blocked.error.details, JSON.stringify(blocked)).toMatchObject({ reason: 'trading_halted' });

    const resumed = await host.call('trading.resumeEntries', {});
    expect(resumed.ok && resumed.value, JSON.stringify(resumed)).toMatchObject({ mode: 'live', halt: null });
    await until('the resume alert', () => (alerts.some((a) => a.kind === 'entries_resumed') ? true : null));
    const again = await host.call('trading.resumeEntries', {});
    expect(!again.ok && again.error.message, 'a second resume has nothing to lift').toContain('not halted');

    const placed = await host.call('orders.place', { symbol: row.symbol, side: 'buy', type: 'market', notionalUsd: 60 });
    expect(placed.ok, JSON.stringify(placed)).toBe(true);
    const panic = await host.call('emergency.panic', { confirm: true });
    expect(panic.ok, JSON.stringify(panic)).toBe(true);
    await host.call('emergency.killSwitch', { active: false });
    await host.call('trading.disarmLive', {});

    const store = openStore({ home });
    try {
      const events = store.events.list({ type: 'alert' }).map((e) => (e.payload as { reason?: string }).reason);
      expect(events, 'halt and resume are both in the event log, in that order').toEqual(expect.arrayContaining(['trading_halted', 'entries_resumed']));
      expect(events.indexOf('trading_halted')).toBeLessThan(events.indexOf('entries_resumed'));
    } finally {
      store.close();
    }
  });
});
