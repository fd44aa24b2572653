import { describe, expect, it } from 'vitest';
import type { ManipResult } from '../../src/manipulation/index.js';
import {
  DEFAULT_PROFILES,
  ProfileRegistry,
  DEFAULT_RANKING_ORIENTATION,
  Ranker,
  buildOpportunities,
  parseRankingOrientationFile,
  type RankingOrientationFile,
  parseRankingQuery,
  rankEntries,
  type RankEntry,
  type SymbolMetrics,
} from '../../src/ranking/index.js';
import { InvalidInputError } from '../../src/core/errors.js';
import { HOUR_MS, calmBook, calmCandles, rng, setLastBar, snapshotOf } from '../manipulation/fixtures.js';

function randomMetrics(r: () => number, symbol: string): SymbolMetrics {
  const spreadBps = r() * 30;
  const slippageBps = r() * 40;
  const takerFeeBps = 2 + r() * 6;
  return {
    symbol,
    close: 1 + r() * 100,
    quoteVolume24hUsd: 10 ** (5 + r() * 5),
    depth10Usd: 10 ** (3 + r() * 4),
    depth50Usd: 10 ** (4 + r() * 4),
    spreadBps,
    slippageBps,
    notionalUsd: 5000,
    bookExhausted: false,
    takerFeeBps,
    roundTripCostBps: spreadBps + 2 * slippageBps + 2 * takerFeeBps,
    atrPct: 0.2 + r() * 5,
    ret1: (r() - 0.5) * 0.04,
    ret4: (r() - 0.5) * 0.1,
    ret24: (r() - 0.5) * 0.3,
    momentumScore: (r() - 0.5) * 4,
    fundingAnnualizedPct: (r() - 0.5) * 50,
    basisBps: (r() - 0.5) * 20,
    volumeZ: (r() - 0.3) * 6,
    orderFlowImbalance: r() * 2 - 1,
    volRegime: 0.5 + r() * 2,
    priceVelocity: (r() - 0.5) * 4,
    depthToVolume: r() * 3,
  };
}

function randomEntries(r: () => number, n: number): RankEntry[] {
  return Array.from({ length: n }, (_, i) => {
    const metrics = randomMetrics(r, `S${i}/USDT:USDT`);
    const manip: ManipResult = { symbol: metrics.symbol, manipScore: Math.round(r() * 1000) / 10, flags: [] };
    return { metrics, manip };
  });
}

const everyone = parseRankingQuery({ top: 1000 });

function scoreOf(entries: RankEntry[], symbol: string, profile: keyof typeof DEFAULT_PROFILES, includeCarry: boolean): number {
  const rows = rankEntries(entries, { ...everyone, includeCarry }, DEFAULT_PROFILES[profile]);
  return rows.find((x) => x.symbol === symbol)!.score;
}

describe('score monotonicity (property test over random cross-sections)', () => {
  const profiles = Object.keys(DEFAULT_PROFILES) as (keyof typeof DEFAULT_PROFILES)[];

  it('a wider spread, more slippage or a higher manipScore never raises the score', () => {
    const r = rng(42);
    for (let trial = 0; trial < 300; trial++) {
      const entries = randomEntries(r, 5 + Math.floor(r() * 40));
      const i = Math.floor(r() * entries.length);
      const target = entries[i]!;
      const profile = profiles[trial % profiles.length]!;
      const carry = r() < 0.5;
      const before = scoreOf(entries, target.metrics.symbol, profile, carry);

      const wider = r() * 50;
      const spreadCase = entries.map((e, k) =>
        k === i ? { ...e, metrics: { ...e.metrics, spreadBps: e.metrics.spreadBps + wider, roundTripCostBps: e.metrics.roundTripCostBps + wider } } : e,
      );
      expect(scoreOf(spreadCase, target.metrics.symbol, profile, carry), `trial ${trial}: spread +${wider} bps`).toBeLessThanOrEqual(before);

      const more = r() * 50;
      const slipCase = entries.map((e, k) =>
        k === i ? { ...e, metrics: { ...e.metrics, slippageBps: e.metrics.slippageBps + more, roundTripCostBps: e.metrics.roundTripCostBps + 2 * more } } : e,
      );
      expect(scoreOf(slipCase, target.metrics.symbol, profile, carry), `trial ${trial}: slippage +${more} bps`).toBeLessThanOrEqual(before);

      const higher = Math.min(100, target.manip.manipScore + r() * 60);
      const manipCase = entries.map((e, k) => (k === i ? { ...e, manip: { ...e.manip, manipScore: higher } } : e));
      expect(scoreOf(manipCase, target.metrics.symbol, profile, carry), `trial ${trial}: manipScore -> ${higher}`).toBeLessThanOrEqual(before);
    }
  });

  it('end to end: widening a symbol book spread through the Ranker never raises its score', () => {
    const ranker = new Ranker();
    const snaps = [1, 2, 3, 4, 5, 6].map((seed) => ({ ...snapshotOf(calmCandles(200, seed)), symbol: `C${seed}/USDT:USDT` }));
    const before = ranker.rank(snaps, { top: 100 }).rows.find((x) => x.symbol === 'C3/USDT:USDT')!.score;
    let prev = before;
    for (const spreadBps of [4, 10, 25, 60]) {
      const wide = snaps.map((s) => (s.symbol === 'C3/USDT:USDT' ? { ...s, book: calmBook(s.candles.close[199] as number, 50, spreadBps) } : s));
      const score = ranker.rank(wide, { top: 100 }).rows.find((x) => x.symbol === 'C3/USDT:USDT')!.score;
      expect(score, `spread ${spreadBps} bps`).toBeLessThanOrEqual(prev);
      prev = score;
    }
    expect(prev, 'a 60 bps spread costs a lot against a ~0.3% ATR').toBeLessThan(before - 1);
  });
});

describe('profiles', () => {
  it('hot apply changes the very next ranking and bumps the version', () => {
    const ranker = new Ranker();
    const snaps = [1, 2, 3, 4].map((seed) => ({ ...snapshotOf(calmCandles(200, seed)), symbol: `P${seed}/USDT:USDT` }));
    const a = ranker.rank(snaps, { profile: 'scalp', top: 10 });
    ranker.profiles.apply('scalp', { cost: 5 });
    const b = ranker.rank(snaps, { profile: 'scalp', top: 10 });
    expect(b.profileVersion, 'one apply').toBe(a.profileVersion + 1);
    for (const row of b.rows) {
      const old = a.rows.find((x) => x.symbol === row.symbol)!;
      expect(row.costPenalty, 'cost weight 1.5 -> 5').toBeCloseTo((old.costPenalty * 5) / 1.5, 3);
    }
  });

  it('a new profile can be added and used; bad weights are rejected and change nothing', () => {
    const reg = new ProfileRegistry();
    reg.apply('mine', { momentum: 2 });
    expect(reg.get('mine').momentum).toBe(2);
    expect(reg.get('mine').liquidity, 'unspecified weights come from scalp').toBe(DEFAULT_PROFILES.scalp.liquidity);
    const v = reg.version;
    expect(() => reg.apply('scalp', { liquidity: -1 })).toThrow(InvalidInputError);
    expect(() => reg.apply('scalp', { tp1Atr: 5, tp2Atr: 2 })).toThrow(/tp2Atr/);
    expect(() => reg.apply('scalp', { bogus: 1 })).toThrow(InvalidInputError);
    expect(() => reg.apply('Bad Name', {})).toThrow(InvalidInputError);
    expect(reg.version, 'rejected applies do not count').toBe(v);
    expect(reg.get('scalp')).toEqual(DEFAULT_PROFILES.scalp);
    expect(() => reg.get('nope')).toThrow(/scalp, swing, news, mine/);
  });
});

describe('rankings query', () => {
  const r = rng(9);
  const entries = randomEntries(r, 30);
  entries[0]!.manip = { symbol: entries[0]!.metrics.symbol, manipScore: 80, flags: [{ name: 'scam_wick', severity: 1, evidence: {} }] };
  entries[1]!.manip = { symbol: entries[1]!.metrics.symbol, manipScore: 20, flags: [{ name: 'fresh_listing', severity: 0.5, evidence: {} }] };
  const all = rankEntries(entries, everyone, DEFAULT_PROFILES.scalp);
  const scoreBySymbol = new Map(all.map((x) => [x.symbol, x.score]));

  it('top and sort order', () => {
    const rows = rankEntries(entries, parseRankingQuery({ top: 5 }), DEFAULT_PROFILES.scalp);
    expect(rows.map((x) => x.rank)).toEqual([1, 2, 3, 4, 5]);
    expect(rows.map((x) => x.symbol)).toEqual(all.slice(0, 5).map((x) => x.symbol));
    for (let k = 1; k < all.length; k++) expect(all[k - 1]!.score).toBeGreaterThanOrEqual(all[k]!.score);
  });

  it('minQuoteVolume, maxSpreadBps, maxManipScore, excludeFlags each drop exactly the failing rows', () => {
    const q = (x: object) => rankEntries(entries, parseRankingQuery({ top: 1000, ...x }), DEFAULT_PROFILES.scalp);
    const minQv = 1e7;
    expect(q({ minQuoteVolume: minQv }).map((x) => x.symbol).sort()).toEqual(
      entries.filter((e) => e.metrics.quoteVolume24hUsd >= minQv).map((e) => e.metrics.symbol).sort(),
    );
    expect(q({ maxSpreadBps: 10 }).every((x) => x.metrics.spreadBps <= 10)).toBe(true);
    expect(q({ maxSpreadBps: 10 }).length).toBe(entries.filter((e) => e.metrics.spreadBps <= 10).length);
    expect(q({ maxManipScore: 50 }).map((x) => x.symbol)).not.toContain(entries[0]!.metrics.symbol);
    expect(q({ maxManipScore: 50 }).length).toBe(entries.filter((e) => e.manip.manipScore <= 50).length);
    const noWicks = q({ excludeFlags: ['scam_wick'] }).map((x) => x.symbol);
    expect(noWicks).not.toContain(entries[0]!.metrics.symbol);
    expect(noWicks).toContain(entries[1]!.metrics.symbol);
    expect(noWicks.length).toBe(29);
    for (const row of q({ minQuoteVolume: minQv, maxSpreadBps: 10 })) {
      expect(row.score, 'filters never change another row’s score').toBe(scoreBySymbol.get(row.symbol));
    }
  });

  it('includeCarry adds the carry term', () => {
    const withCarry = rankEntries(entries, { ...everyone, includeCarry: true }, DEFAULT_PROFILES.swing);
    const without = rankEntries(entries, everyone, DEFAULT_PROFILES.swing);
    for (const row of withCarry) {
      const base = without.find((x) => x.symbol === row.symbol)!;
      expect(row.score).toBeCloseTo(base.score + DEFAULT_PROFILES.swing.carry * row.edges.carryEdge, 3);
    }
  });

  it('invalid queries name the field', () => {
    expect(() => parseRankingQuery({ top: 0 })).toThrow(/top/);
    expect(() => parseRankingQuery({ excludeFlags: ['nope'] })).toThrow(/excludeFlags/);
    expect(() => parseRankingQuery({ maxManipScore: 101 })).toThrow(/maxManipScore/);
    expect(() => parseRankingQuery({ topp: 3 })).toThrow(InvalidInputError);
    expect(() => new Ranker().rank([], { profile: 'nope' })).toThrow(/profile/);
  });
});

describe('opportunities', () => {
  it('long bias gets a stop below and targets above at the profile ATR multiples, confidence cut by manipScore', () => {
    const c = calmCandles(200, 4);
    const p = c.close[198]!;
    setLastBar(c, { open: p, high: p * 1.004, low: p * 0.999, close: p * 1.003, volume: 1000 });
    const clean = { ...snapshotOf(c), symbol: 'UP/USDT:USDT' };
    const ranker = new Ranker();
    const res = ranker.rank([clean, { ...snapshotOf(calmCandles(200, 5)), symbol: 'B/USDT:USDT' }], { profile: 'swing' });
    const row = res.rows.find((x) => x.symbol === 'UP/USDT:USDT')!;
    const [o] = buildOpportunities([row], DEFAULT_PROFILES.swing, 1);
    expect(o!.side).toBe(row.side);
    const dir = o!.side === 'long' ? 1 : -1;
    const atr = (row.metrics.atrPct / 100) * row.metrics.close;
    expect(o!.stop).toBeCloseTo(o!.entry - dir * 2 * atr, 9);
    expect(o!.tp1).toBeCloseTo(o!.entry + dir * 3 * atr, 9);
    expect(o!.tp2).toBeCloseTo(o!.entry + dir * 6 * atr, 9);
    const risky = buildOpportunities([{ ...row, manipScore: 75 }], DEFAULT_PROFILES.swing, 1)[0]!;
    expect(risky.confidence, 'manipScore 75 keeps a quarter of the confidence').toBeCloseTo(o!.confidence * (0.25 / (1 - row.manipScore / 100)), 3);
  });

  it('flagged symbols are demoted in the Ranker output', () => {
    const snaps = [1, 2, 3, 4, 5].map((seed) => ({ ...snapshotOf(calmCandles(200, seed)), symbol: `D${seed}/USDT:USDT` }));
    const ranker = new Ranker();
    const before = ranker.rank(snaps, { top: 10 }).rows.find((x) => x.symbol === 'D2/USDT:USDT')!;
    const listed = snaps.map((s) => (s.symbol === 'D2/USDT:USDT' ? { ...s, market: { takerFeeRate: 0.0006, makerFeeRate: 0.0002, listedAtMs: s.nowMs - HOUR_MS } } : s));
    const after = ranker.rank(listed, { top: 10 }).rows.find((x) => x.symbol === 'D2/USDT:USDT')!;
    expect(after.flags.map((f) => f.name)).toEqual(['fresh_listing']);
    expect(after.score).toBeLessThan(before.score);
  });
});

describe('side rule (orientation)', () => {
  const entries = randomEntries(rng(11), 40);
  const query = { ...everyone, includeCarry: true };

  it('reversal fades each row against its momentum and receives the carry of that side; the ranking by score is unchanged otherwise', () => {
    const noCarry = { ...everyone, includeCarry: false };
    const m = rankEntries(entries, noCarry, DEFAULT_PROFILES.swing, 'momentum');
    const r = rankEntries(entries, noCarry, DEFAULT_PROFILES.swing, 'reversal');
    expect(r.map((x) => [x.symbol, x.score]), 'without carry the scores and order are the same').toEqual(m.map((x) => [x.symbol, x.score]));
    const flip = { long: 'short', short: 'long', flat: 'flat' } as const;
    for (const row of r) {
      const base = m.find((x) => x.symbol === row.symbol)!;
      expect(row.side, row.symbol).toBe(flip[base.side]);
      expect(row.side, 'reversal is against the momentum').toBe(row.metrics.momentumScore > 0 ? 'short' : row.metrics.momentumScore < 0 ? 'long' : 'flat');
    }
    const mc = rankEntries(entries, query, DEFAULT_PROFILES.swing, 'momentum');
    const rc = rankEntries(entries, query, DEFAULT_PROFILES.swing, 'reversal');
    for (const row of rc) {
      const base = m.find((x) => x.symbol === row.symbol)!;
      const withMomentumCarry = mc.find((x) => x.symbol === row.symbol)!;
      // Each row's carry edge is the funding received on its own side: fading receives the negative.
      expect(row.edges.carryEdge).toBeCloseTo(-withMomentumCarry.edges.carryEdge, 12);
      expect(row.score, 'the listed edges add up to the score').toBeCloseTo(base.score + DEFAULT_PROFILES.swing.carry * row.edges.carryEdge, 3);
      expect(withMomentumCarry.score).toBeCloseTo(base.score + DEFAULT_PROFILES.swing.carry * withMomentumCarry.edges.carryEdge, 3);
    }
  });

  it('the Ranker sides each profile by its orientation file and reports the rule with its evidence; null keeps the momentum side', () => {
    const snaps = [1, 2, 3, 4, 5, 6].map((seed) => ({ ...snapshotOf(calmCandles(200, seed)), symbol: `O${seed}/USDT:USDT` }));
    const evidence = [{ sample: 'fixture', windows: 10, ic: 0.02, t: 2.5, bestBaseline: '24h reversal', bestBaselineIc: 0.03 }];
    const file: RankingOrientationFile = parseRankingOrientationFile({
      ...DEFAULT_RANKING_ORIENTATION,
      id: 'fixture',
      profiles: { swing: { basis: 'reversal', weights: DEFAULT_PROFILES.swing, fitIc: -0.02, evidence } },
    });
    const faded = new Ranker({ orientation: file }).rank(snaps, { profile: 'swing', top: 10 });
    const plain = new Ranker({ orientation: null }).rank(snaps, { profile: 'swing', top: 10 });
    expect(faded.side).toEqual({ basis: 'reversal', orientationId: 'fixture', evidence });
    expect(plain.side).toEqual({ basis: 'momentum', orientationId: null, evidence: [] });
    expect(faded.rows.map((x) => x.symbol)).toEqual(plain.rows.map((x) => x.symbol));
    const sided = faded.rows.filter((x) => x.side !== 'flat');
    expect(sided.length, 'the fixture has trending rows').toBeGreaterThan(0);
    for (const row of sided) expect(row.side).not.toBe(plain.rows.find((x) => x.symbol === row.symbol)!.side);
    const other = new Ranker({ orientation: file }).rank(snaps, { profile: 'scalp', top: 10 });
    expect(other.side, 'a profile the file does not cover follows the momentum').toEqual({ basis: 'momentum', orientationId: null, evidence: [] });
    const edited = new Ranker({ orientation: file });
    edited.profiles.apply('swing', { momentum: 2 });
    expect(edited.rank(snaps, { profile: 'swing', top: 10 }).side, 'edited weights were never measured: momentum, no evidence').toEqual({ basis: 'momentum', orientationId: null, evidence: [] });
  });

  it('the shipped file covers every built-in profile with out-of-sample evidence, and a bad file names the field', () => {
    for (const name of Object.keys(DEFAULT_PROFILES)) {
      const p = DEFAULT_RANKING_ORIENTATION.profiles[name];
      expect(p, name).toBeDefined();
      expect(p!.evidence.length, `${name}: evidence`).toBeGreaterThan(0);
    }
    expect(new Ranker().orientation?.id).toBe(DEFAULT_RANKING_ORIENTATION.id);
    expect(() => parseRankingOrientationFile({ ...DEFAULT_RANKING_ORIENTATION, profiles: { swing: { basis: 'sideways', weights: DEFAULT_PROFILES.swing, fitIc: 0, evidence: [] } } })).toThrow(/profiles\.swing\.basis/);
  });
});

describe('incremental path', () => {
  it('reuses a symbol analysis until its inputs change, and honours revision when given', () => {
    const ranker = new Ranker();
    const s = { ...snapshotOf(calmCandles(200, 8)), symbol: 'INC/USDT:USDT' };
    const a1 = ranker.radar.analyze(s);
    expect(ranker.radar.analyze({ ...s }), 'same inputs, cached analysis').toBe(a1);
    const c = calmCandles(200, 8);
    c.close[199] = c.close[199]! * 1.01;
    c.high[199] = Math.max(c.high[199]!, c.close[199]!);
    expect(ranker.radar.analyze({ ...s, candles: c }), 'a new last close is recomputed').not.toBe(a1);
    const r1 = ranker.radar.analyze({ ...s, revision: 7 });
    expect(ranker.radar.analyze({ ...s, revision: 7, candles: c }), 'revision decides when present').toBe(r1);
    ranker.retain([]);
    expect(ranker.radar.analyze({ ...s, revision: 7 }), 'retain drops symbols that left').not.toBe(r1);
  });
});
