import { describe, expect, it } from 'vitest';
import { InvalidInputError, type AutoTraderConfig } from '@perpscope/sdk';
import { createSettingsAdapter, SETTINGS_KEY } from '../../src/host/settingsAdapter.js';

type Levels = AutoTraderConfig['pyramidLevels'];

function memory(initial: Record<string, unknown> = {}) {
  const m = new Map(Object.entries(initial));
  return { get: (k: string) => m.get(k), set: (k: string, v: unknown) => void m.set(k, v) };
}

/** The seed's pyramiding: adds at 2 R and 3 R, 0.3 and 0.2 of the initial size. */
const SEED: Levels = [
  { atR: 2, fraction: 0.3 },
  { atR: 3, fraction: 0.2 },
];

function adapter(settings = memory(), pyramidLevels: Levels = SEED) {
  const changes: Levels[] = [];
  const a = createSettingsAdapter({
    settings,
    nowMs: () => 0,
    universe: { minQuoteVolumeUsd: 0, minPrice: 0, maxSpreadBps: 50, topN: 10, blueChipOnly: false } as never,
    profiles: { active: () => 'swing', names: () => ['swing'], apply: () => undefined },
    pyramidLevels,
    onPyramidChange: (levels) => changes.push(levels),
  });
  return { a, changes, settings };
}

const values = async (a: ReturnType<typeof adapter>['a']) =>
  Object.fromEntries((await a.port.get()).fields.filter((f) => f.path.startsWith('autotrade.pyramid.')).map((f) => [f.path.slice('autotrade.pyramid.'.length), f.value]));

async function refusedPaths(fn: () => unknown): Promise<string[]> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof InvalidInputError) return e.issues.map((i) => i.path);
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('settings: pyramiding as adds, spacing and size decay', () => {
  it('shows the configured levels as a ladder under sizing, and keeps them as they are until one is edited', async () => {
    const { a } = adapter();
    const fields = (await a.port.get()).fields.filter((f) => f.path.startsWith('autotrade.pyramid.'));
    expect(fields.map((f) => [f.path, f.group, f.kind, f.unit])).toEqual([
      ['autotrade.pyramid.adds', 'sizing', 'integer', null],
      ['autotrade.pyramid.firstAtR', 'sizing', 'number', 'R'],
      ['autotrade.pyramid.spacingR', 'sizing', 'number', 'R'],
      ['autotrade.pyramid.firstFraction', 'sizing', 'number', null],
      ['autotrade.pyramid.sizeDecay', 'sizing', 'number', null],
    ]);
    expect(await values(a)).toEqual({ adds: 2, firstAtR: 2, spacingR: 1, firstFraction: 0.3, sizeDecay: expect.closeTo(2 / 3, 12) });
    expect(a.pyramidLevels(), 'the config file levels, untouched').toEqual(SEED);
  });

  it('an edit expands to levels, reaches the trader once, is saved, and survives a new adapter over the same store', async () => {
    const { a, changes, settings } = adapter();
    await a.port.set({ 'autotrade.pyramid.adds': 3, 'autotrade.pyramid.sizeDecay': 0.5 });
    const expected = [
      { atR: 2, fraction: 0.3 },
      { atR: 3, fraction: 0.15 },
      { atR: 4, fraction: 0.075 },
    ];
    expect(a.pyramidLevels()).toEqual(expected.map((l) => ({ atR: l.atR, fraction: expect.closeTo(l.fraction, 12) })));
    expect(changes, 'one change reported').toHaveLength(1);
    expect(changes[0]).toEqual(a.pyramidLevels());
    await a.port.set({ 'autotrade.pyramid.adds': 3 });
    expect(changes, 'an unchanged ladder is not reported again').toHaveLength(1);
    const again = adapter(settings);
    expect(again.a.pyramidLevels()).toEqual(a.pyramidLevels());
    expect(await values(again.a)).toMatchObject({ adds: 3, sizeDecay: 0.5 });
  });

  it('0 adds turns pyramiding off', async () => {
    const { a, changes } = adapter();
    await a.port.set({ 'autotrade.pyramid.adds': 0 });
    expect(a.pyramidLevels()).toEqual([]);
    expect(changes).toEqual([[]]);
  });

  it('a bad value is refused by its path, and nothing is saved or applied', async () => {
    const { a, changes, settings } = adapter();
    expect(await refusedPaths(() => a.port.set({ 'autotrade.pyramid.sizeDecay': 1.5, 'autotrade.pyramid.adds': -1 }))).toEqual(
      expect.arrayContaining(['autotrade.pyramid.sizeDecay', 'autotrade.pyramid.adds']),
    );
    expect(await refusedPaths(() => a.port.set({ 'autotrade.pyramid.firstAtR': 'far' }))).toEqual(['autotrade.pyramid.firstAtR']);
    expect(settings.get(SETTINGS_KEY), 'nothing saved').toBeUndefined();
    expect(changes).toEqual([]);
    expect(a.pyramidLevels()).toEqual(SEED);
  });

  it('with no levels configured, shows pyramiding off with the seed ladder ready to switch on', async () => {
    const { a } = adapter(memory(), []);
    expect(await values(a)).toMatchObject({ adds: 0, firstAtR: 2, spacingR: 1, firstFraction: 0.3 });
    await a.port.set({ 'autotrade.pyramid.adds': 2 });
    expect(a.pyramidLevels()).toEqual([
      { atR: 2, fraction: 0.3 },
      { atR: 3, fraction: expect.closeTo(0.2, 12) },
    ]);
  });
});
