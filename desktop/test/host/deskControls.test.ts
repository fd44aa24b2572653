import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_PROFILES, RiskConfigSchema, openStore, parseRankingQuery, rankEntries, type Signal, type Store, type SymbolMetrics } from '@perpscope/sdk';
import { RankingRowViewSchema, SettingFieldViewSchema, SignalViewSchema } from '@perpscope/shared';
import { toRankingRowView } from '../../src/host/rankingAdapter.js';
import { createSettingsAdapter } from '../../src/host/settingsAdapter.js';
import { signalPort, storedSignalOutcomes } from '../../src/host/signalAdapter.js';

function metrics(symbol: string, over: Partial<SymbolMetrics> = {}): SymbolMetrics {
  return {
    symbol, close: 100, quoteVolume24hUsd: 5e7, depth10Usd: 1e5, depth50Usd: 5e5, spreadBps: 2, slippageBps: 1, notionalUsd: 5000, bookExhausted: false, takerFeeBps: 5,
    roundTripCostBps: 14, atrPct: 1.2, ret1: 0.01, ret4: 0.02, ret24: 0.05, momentumScore: 1, fundingAnnualizedPct: 5, basisBps: 1, volumeZ: 0.5, orderFlowImbalance: 0,
    volRegime: 1, priceVelocity: 0.2, depthToVolume: 1, ...over,
  };
}
const ctx = { member: () => undefined, fundingRate: () => undefined, change24hPct: () => undefined };

describe('rankings rows carry the radar\'s book provenance and inputs', () => {
  it('maps the row\'s book and each input, and the view passes the RPC schema', () => {
    const rows = rankEntries(
      [
        { metrics: metrics('A/USDT:USDT', { inputs: { book: 'synthetic', funding: 'history', openInterest: 'none', listing: 'unknown' } }), manip: { symbol: 'A/USDT:USDT', manipScore: 5, flags: [] } },
        { metrics: metrics('B/USDT:USDT', { momentumScore: -1, spreadBps: Number.NaN, inputs: { book: 'none', funding: 'current', openInterest: 'history', listing: 'exchange' } }), manip: { symbol: 'B/USDT:USDT', manipScore: 5, flags: [] } },
      ],
      parseRankingQuery({ top: 10 }),
      DEFAULT_PROFILES.swing,
    );
    const views = rows.map((r) => RankingRowViewSchema.parse(toRankingRowView(r, undefined, ctx)));
    const by = Object.fromEntries(views.map((v) => [v.symbol, v]));
    expect(by['A/USDT:USDT']).toMatchObject({ book: 'synthetic', inputs: { funding: 'history', openInterest: 'none', listing: 'unknown' } });
    expect(by['B/USDT:USDT']).toMatchObject({ book: 'none', inputs: { funding: 'current', openInterest: 'history', listing: 'exchange' } });
  });
});

describe('settings fields carry their schema default', () => {
  const memory = () => {
    const m = new Map<string, unknown>();
    return { get: (k: string) => m.get(k), set: (k: string, v: unknown) => void m.set(k, v) };
  };
  it('a field shows the default of its sdk schema, not the configured value, and every field passes the RPC schema', async () => {
    const configured = RiskConfigSchema.parse({ sizing: { riskPct: 1.25 } });
    const a = createSettingsAdapter({
      settings: memory(),
      nowMs: () => 0,
      universe: { minQuoteVolumeUsd: 0, minPrice: 0, maxSpreadBps: 50, topN: 10, blueChipOnly: false } as never,
      risk: configured,
      profiles: { active: () => 'swing', names: () => ['swing'], apply: () => undefined },
    });
    const fields = (await a.port.get()).fields.map((f) => SettingFieldViewSchema.parse(f));
    const risk = fields.find((f) => f.path === 'risk.sizing.riskPct')!;
    expect(risk.value, 'the configured value').toBe(1.25);
    expect(risk.defaultValue, 'the schema default').toBe(2.5);
    expect(RiskConfigSchema.parse({}).sizing.riskPct, 'which is the sdk schema\'s').toBe(2.5);
    expect([risk.min, risk.minExclusive, risk.max, risk.maxExclusive], 'the bounds as the schema checks them: above 0, up to 100').toEqual([0, true, 100, false]);
    const leverage = fields.find((f) => f.path === 'risk.sizing.leverage')!;
    expect([leverage.min, leverage.minExclusive, leverage.max, leverage.maxExclusive], 'an inclusive range').toEqual([1, false, 125, false]);
    expect(fields.find((f) => f.path === 'autotrade.pyramid.adds')?.defaultValue, 'no pyramiding by default').toBe(0);
    expect(fields.filter((f) => f.path !== 'profile' && f.defaultValue === undefined).map((f) => f.path), 'every edited field has a default').toEqual([]);
  });
});

describe('signals.list reports the labeler\'s stored outcomes', () => {
  let dir = '';
  let store: Store | null = null;
  afterEach(() => {
    store?.close();
    store = null;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function signal(id: string, closeTimeMs: number): Signal {
    return {
      id, symbol: 'BTC/USDT:USDT', timeframe: '15m', openTimeMs: closeTimeMs - 900_000, closeTimeMs, side: 'long', score: 2, calibrated: false, probability: 0.5, expectedValue: 0,
      regime: 'bull', riskMultiplier: 1, components: [{ id: 'ema-cross', side: 'long', score: 2, weight: 1, level: null }], evidence: [], tags: [],
      levels: { entry: 100, stop: 99, takeProfit: 102, byComponent: {} }, entryPlan: null,
    } as Signal;
  }

  it('a matured target, a matured stop and an unresolved signal read tp, sl and open, in a real SQLite store', () => {
    dir = mkdtempSync(join(tmpdir(), 'perpscope-outcomes-'));
    store = openStore({ file: join(dir, 'perpscope.db') });
    const s = store;
    const sigs = [signal('sig-tp', 3_000_000), signal('sig-sl', 2_000_000), signal('sig-open', 1_000_000)];
    const labelOf = new Map<string, number>();
    for (const g of sigs) {
      const row = s.signals.insert({ createdAtMs: g.closeTimeMs, exchange: 'blofin', symbol: g.symbol, timeframe: g.timeframe, side: g.side, strategy: 'ema-cross', score: g.score, probability: g.probability, payload: { id: g.id, selected: true } });
      labelOf.set(g.id, s.labels.addPendingId(row, 3_600_000, g.closeTimeMs + 3_600_000, { signalId: g.id }));
    }
    s.labels.mature(labelOf.get('sig-tp')!, { maturedAtMs: 4_000_000, returnBps: 200, value: 1, payload: { outcome: 'tp' } });
    s.labels.mature(labelOf.get('sig-sl')!, { maturedAtMs: 4_000_000, returnBps: -100, value: 0.25, payload: { outcome: 'sl' } });

    const port = signalPort(() => sigs, storedSignalOutcomes(s, 'blofin'));
    const listed = port.list({}) as ReturnType<typeof SignalViewSchema.parse>[];
    expect(listed.map((v) => [v.id, SignalViewSchema.parse(v).outcome])).toEqual([
      ['sig-tp', 'tp'],
      ['sig-sl', 'sl'],
      ['sig-open', 'open'],
    ]);
    expect(storedSignalOutcomes(s, 'binanceusdm')(0).size, 'another exchange\'s labels are not read').toBe(0);
  });

  it('without an outcome source the list leaves outcome absent (unknown), not open', () => {
    const [v] = signalPort(() => [signal('x', 1)]).list({}) as { outcome?: string }[];
    expect(v).toBeDefined();
    expect(v!.outcome).toBeUndefined();
  });
});
