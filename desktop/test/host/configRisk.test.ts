import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@perpscope/shared';
import { openStore, silentLogger } from '@perpscope/sdk';
import { createHost, hostEngineFactory, type EngineRuntime, type Host, type HostSecretStore } from '../../src/host/index.js';
import { SIM_START_MS } from '../../../test/support/sim.js';

/** The risk section of issue 19 (defect 3): the kill switch on, exposure 100 USD, one position. */
const RISK = { risk: { gates: { killSwitch: true, maxExposureUsd: 100, maxPositions: 1 } } };
const SMALL_SIM = { sim: { symbols: 5, acceleration: 60, rateLimitScale: 20, startTimeMs: SIM_START_MS }, timeframes: ['1m'], backfillBars: 60, universe: { minQuoteVolumeUsd: 0 } };

const noSecrets: HostSecretStore = {
  set: () => Promise.reject(new Error('not used')),
  get: () => Promise.resolve(null),
  delete: () => Promise.resolve(false),
  list: () => Promise.resolve([]),
};

function settingValue(view: { fields: { path: string; value: unknown }[] }, path: string): unknown {
  return view.fields.find((f) => f.path === path)?.value;
}

/** Boots the desktop host over `home` (sim) and proves the configured risk reached settings and trading. */
async function expectRiskHonoured(host: Host): Promise<void> {
  const status = await host.call('trading.status', {});
  expect(status.ok, JSON.stringify(status)).toBe(true);
  if (!status.ok) return;
  expect(status.value.killSwitch.active, 'kill switch from config.json').toBe(true);

  const settings = await host.call('settings.get', {});
  expect(settings.ok, JSON.stringify(settings)).toBe(true);
  if (!settings.ok) return;
  expect(settingValue(settings.value, 'risk.gates.maxExposureUsd'), 'exposure limit shown').toBe(100);
  expect(settingValue(settings.value, 'risk.gates.maxPositions'), 'position limit shown').toBe(1);

  const placed = await host.call('orders.place', { symbol: 'BTC/USDT:USDT', side: 'buy', type: 'market', notionalUsd: 20 });
  expect(placed.ok, 'a manual order is refused').toBe(false);
  if (placed.ok) return;
  // The kill switch refuses it, whether the order path reports it as its own code or as a risk gate.
  expect([ErrorCode.KillSwitchActive, ErrorCode.RiskRejected], JSON.stringify(placed.error)).toContain(placed.error.code);
  expect(placed.error.message, 'refused by the kill switch').toMatch(/kill switch/i);
}

describe('the desktop host (and serve) honour the risk section of the layered config', () => {
  const homes: string[] = [];
  const newHome = (): string => {
    const h = mkdtempSync(join(tmpdir(), 'perpscope-cfgrisk-'));
    homes.push(h);
    return h;
  };
  afterAll(() => {
    for (const h of homes) rmSync(h, { recursive: true, force: true });
  });

  async function boot(home: string, env: Record<string, string>, configFile?: string): Promise<{ runtime: EngineRuntime; host: Host }> {
    const factory = hostEngineFactory({ openStore, env, orderFlowIntervalMs: 600_000 });
    const runtime = await factory({ home, sim: true, logger: silentLogger, ...(configFile !== undefined ? { configFile } : {}) });
    const host = createHost({ engine: runtime.engine, secrets: noSecrets, ...(runtime.store ? { store: runtime.store } : {}) });
    await runtime.start();
    return { runtime, host };
  }

  let shared: { runtime: EngineRuntime; host: Host } | undefined;
  beforeAll(async () => {
    const home = newHome();
    writeFileSync(join(home, 'config.json'), JSON.stringify({ ...SMALL_SIM, ...RISK }));
    shared = await boot(home, {});
  }, 60_000);
  afterAll(async () => {
    shared?.host.close();
    await shared?.runtime.stop();
  });

  it('<home>/config.json: kill switch active, limits 100 and 1, a manual order refused', async () => {
    await expectRiskHonoured(shared!.host);
  }, 60_000);

  it('PERPSCOPE_RISK__* env variables reach the trading stack and settings the same way', async () => {
    const home = newHome();
    writeFileSync(join(home, 'config.json'), JSON.stringify(SMALL_SIM));
    const { runtime, host } = await boot(home, {
      PERPSCOPE_RISK__GATES__KILL_SWITCH: 'true',
      PERPSCOPE_RISK__GATES__MAX_EXPOSURE_USD: '100',
      PERPSCOPE_RISK__GATES__MAX_POSITIONS: '1',
    });
    try {
      await expectRiskHonoured(host);
    } finally {
      host.close();
      await runtime.stop();
    }
  }, 60_000);

  it('serve --config FILE: the engine reads that file, not <home>/config.json', async () => {
    const home = newHome();
    const file = join(newHome(), 'elsewhere.json');
    writeFileSync(file, JSON.stringify({ ...SMALL_SIM, ...RISK }));
    const { runtime, host } = await boot(home, {}, file);
    try {
      await expectRiskHonoured(host);
    } finally {
      host.close();
      await runtime.stop();
    }
  }, 60_000);

  it('a value saved from the UI still beats the file, which beats the defaults', async () => {
    const set = await shared!.host.call('settings.set', { values: { 'risk.gates.maxPositions': 3 } });
    expect(set.ok, JSON.stringify(set)).toBe(true);
    if (!set.ok) return;
    expect(settingValue(set.value, 'risk.gates.maxPositions'), 'saved override').toBe(3);
    expect(settingValue(set.value, 'risk.gates.maxExposureUsd'), 'file value kept').toBe(100);
    const status = await shared!.host.call('trading.status', {});
    expect(status.ok && status.value.killSwitch.active, 'the kill switch from the file stays on').toBe(true);
  });
});
