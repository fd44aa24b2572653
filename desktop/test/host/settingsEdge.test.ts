import { describe, expect, it } from 'vitest';
import { InvalidInputError, type EdgeGateConfig } from '@perpscope/sdk';
import { createSettingsAdapter, SETTINGS_KEY, type SettingsAdapterOptions } from '../../src/host/settingsAdapter.js';

function memory(initial: Record<string, unknown> = {}) {
  const m = new Map(Object.entries(initial));
  return { get: (k: string) => m.get(k), set: (k: string, v: unknown) => void m.set(k, v) };
}

/** A settings adapter over `settings` with a fixed universe and one profile, plus `extra` options. */
function adapterWith(extra: Partial<SettingsAdapterOptions>, settings = memory()) {
  return createSettingsAdapter({
    settings,
    nowMs: () => 0,
    universe: { minQuoteVolumeUsd: 0, minPrice: 0, maxSpreadBps: 50, topN: 10, blueChipOnly: false } as never,
    profiles: { active: () => 'swing', names: () => ['swing'], apply: () => undefined },
    ...extra,
  });
}

function adapter(settings = memory(), edge?: { require: boolean; overrides: string[] }) {
  const changes: EdgeGateConfig[] = [];
  const a = adapterWith({ ...(edge ? { edge } : {}), onEdgeChange: (e) => changes.push(e) }, settings);
  return { a, changes, settings };
}

/** The paths an InvalidInputError from `fn` names. */
async function refusedPaths(fn: () => unknown): Promise<string[]> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof InvalidInputError) return e.issues.map((i) => i.path);
    throw e;
  }
  throw new Error('expected a refusal');
}

const field = async (a: ReturnType<typeof adapter>['a'], path: string) => (await a.port.get()).fields.find((f) => f.path === path);

describe('settings: the auto-trader edge gate', () => {
  it('shows autotrade.edge.require as a boolean with help, defaulting to on', async () => {
    const { a } = adapter();
    const f = await field(a, 'autotrade.edge.require');
    expect(f).toMatchObject({ kind: 'boolean', value: true });
    expect(f?.help).toMatch(/out of sample/);
    expect(a.edge()).toEqual({ require: true, overrides: [] });
  });

  it('starts from the configured gate, keeping its overrides', () => {
    const { a } = adapter(memory(), { require: true, overrides: ['ema-cross'] });
    expect(a.edge()).toEqual({ require: true, overrides: ['ema-cross'] });
  });

  it('a change is saved, reported once, and survives a new adapter over the same store', async () => {
    const { a, changes, settings } = adapter(memory(), { require: true, overrides: ['ema-cross'] });
    await a.port.set({ 'autotrade.edge.require': false });
    expect((await field(a, 'autotrade.edge.require'))?.value).toBe(false);
    expect(changes).toEqual([{ require: false, overrides: ['ema-cross'] }]);
    await a.port.set({ 'autotrade.edge.require': false });
    expect(changes, 'an unchanged gate is not reported again').toHaveLength(1);
    expect(settings.get(SETTINGS_KEY)).toEqual({ autotrade: { edge: { require: false } } });
    expect(adapter(settings).a.edge().require).toBe(false);
  });

  it('a value that is not a boolean is refused naming the field, and nothing is saved', async () => {
    const { a, changes, settings } = adapter();
    let err: unknown;
    try {
      await a.port.set({ 'autotrade.edge.require': 'yes' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).issues.map((i) => i.path)).toEqual(['autotrade.edge.require']);
    expect(changes).toEqual([]);
    expect(settings.get(SETTINGS_KEY)).toBeUndefined();
  });
});

describe('settings: the funding window, order-flow floors and per-symbol cap', () => {
  it('are listed with units, take empty as off, apply to the risk config at once and refuse a bad value by name', async () => {
    const risks: unknown[] = [];
    const a = adapterWith({ onRiskChange: (r) => risks.push(r.gates) });
    const window = await field(a, 'risk.gates.fundingAvoidWindowMs');
    expect(window).toMatchObject({ kind: 'integer', unit: 'ms', value: 300_000 });
    expect((await field(a, 'risk.gates.minDepthUsd'))?.value, 'off by default').toBeNull();
    expect((await field(a, 'risk.gates.maxSymbolNotionalUsd'))?.unit).toBe('USD');

    await a.port.set({ 'risk.gates.minDepthUsd': 10_000, 'risk.gates.maxSymbolNotionalUsd': 150, 'risk.gates.fundingAvoidWindowMs': 0 });
    expect(a.risk().gates).toMatchObject({ minDepthUsd: 10_000, maxSymbolNotionalUsd: 150, fundingAvoidWindowMs: 0 });
    expect(risks, 'the trading stack hears the change').toHaveLength(1);
    await a.port.set({ 'risk.gates.minDepthUsd': null });
    expect(a.risk().gates.minDepthUsd, 'empty turns the floor off').toBeNull();

    expect(await refusedPaths(() => a.port.set({ 'risk.gates.minTradesPerMin': -1 }))).toEqual(['risk.gates.minTradesPerMin']);
    expect(a.risk().gates.minTradesPerMin, 'nothing saved').toBeNull();
  });
});

describe('settings: the structural reset', () => {
  it('is listed in ATR, off by default, applies to the risk config at once and refuses a negative distance by name', async () => {
    const risks: unknown[] = [];
    const a = adapterWith({ onRiskChange: (r) => risks.push(r.gates) });
    expect(await field(a, 'risk.gates.structuralResetAtr')).toMatchObject({ kind: 'number', unit: 'ATR', value: null });
    await a.port.set({ 'risk.gates.structuralResetAtr': 1.5 });
    expect(a.risk().gates.structuralResetAtr).toBe(1.5);
    expect(risks).toHaveLength(1);
    expect(await refusedPaths(() => a.port.set({ 'risk.gates.structuralResetAtr': -1 }))).toEqual(['risk.gates.structuralResetAtr']);
    expect(a.risk().gates.structuralResetAtr, 'nothing saved').toBe(1.5);
  });
});

describe('settings: TP/SL, break-even and trailing', () => {
  it('are listed under protection, reach the trader on change, and a bad value is refused by its path with nothing saved', async () => {
    const changes: unknown[] = [];
    const settings = memory();
    const a = adapterWith({ onTpslChange: (t) => changes.push(t) }, settings);
    expect(await field(a, 'autotrade.tpsl.trailing.mode')).toMatchObject({ group: 'protection', kind: 'enum', value: 'off', options: ['off', 'atr', 'bps'] });
    await a.port.set({ 'autotrade.tpsl.trailing.mode': 'atr', 'autotrade.tpsl.trailing.atrMult': 2 });
    expect(a.tpsl().trailing).toMatchObject({ mode: 'atr', atrMult: 2 });
    expect(changes).toHaveLength(1);
    expect(await refusedPaths(() => a.port.set({ 'autotrade.tpsl.slAtrMult': -1 }))).toEqual(['autotrade.tpsl.slAtrMult']);
    expect(a.tpsl().slAtrMult, 'unchanged').toBe(1.2);
    expect(settings.get(SETTINGS_KEY)).toEqual({ autotrade: { tpsl: { trailing: { mode: 'atr', atrMult: 2 } } } });
  });
});
