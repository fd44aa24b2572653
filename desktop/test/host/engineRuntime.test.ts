import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type RankingSnapshotView } from '@perpscope/shared';
import { openStore } from '../../../sdk/src/store/index.js';
import { DEFAULT_PROFILES } from '../../../sdk/src/ranking/index.js';
import { hostEngineFactory, SIM_API_KEY, type EngineRuntime, type Host, type HostSecretStore } from '../../src/host/index.js';
import { startSimHost, stopSimHost } from './hostHarness.js';
import { keychainProblem, needKeychain, testSecretStore } from '../../../test/support/keychain.js';
import { SIM_START_MS, until } from '../../../test/support/sim.js';

/** Only the keys.test case stores a key; every other case runs without a keychain. */
const problem = await keychainProblem();

const run = `r${process.pid}`;
/** Small and fast: 30 sim symbols (seed pinned), 1m bars closing every wall second, 120 bars of backfill. */
const CONFIG = { sim: { symbols: 30, seed: 7, acceleration: 60, rateLimitScale: 20, startTimeMs: SIM_START_MS }, timeframes: ['1m', '15m'], backfillBars: 120, universe: { minQuoteVolumeUsd: 0 } };

type Weights = Record<string, number>;
const EDGE_WEIGHTS = [
  ['liquidityEdge', 'liquidity'],
  ['momentumEdge', 'momentum'],
  ['volatilityEdge', 'volatility'],
  ['microstructureEdge', 'microstructure'],
  ['anomalyResidual', 'anomaly'],
] as const;
/** Score, cost and manipulation penalties are each rounded to 4 decimals: at most 3 x 0.5e-4 apart. */
const SCORE_ROUNDING = 1.5e-4 + 1e-9;

/**
 * The score a row's own parts give under `w` (the ranking's formula: weighted edges minus the cost
 * and manipulation penalties, carry left out as the default query does). The penalties are linear
 * in their weights, so they rescale from the weights `atW` they were computed with.
 */
function scoreUnder(components: Record<string, number>, w: Weights, atW: Weights): number {
  let gross = 0;
  for (const [edge, weight] of EDGE_WEIGHTS) gross += w[weight]! * components[edge]!;
  return gross - components.costPenalty! * (w.cost! / atW.cost!) - components.manipPenalty! * (w.manip! / atW.manip!);
}

async function snapshot(host: Host, params: Record<string, unknown> = {}): Promise<RankingSnapshotView> {
  const res = await host.call('rankings.query', params);
  if (!res.ok) throw new Error(`rankings.query failed: ${res.error.message}`);
  return res.value;
}

describe('desktop engine runtime over a SimExchange-backed engine and a SQLite store', () => {
  const home = mkdtempSync(join(tmpdir(), 'perpscope-runtime-'));
  writeFileSync(join(home, 'config.json'), JSON.stringify(CONFIG));
  const factory = hostEngineFactory({ openStore, env: {}, orderFlowIntervalMs: 60_000 });
  const secrets: HostSecretStore = testSecretStore('runtime');
  let runtime: EngineRuntime;
  let host: Host;
  let firstRunRows = 0;

  async function boot(): Promise<void> {
    ({ runtime, host } = await startSimHost(factory, home, secrets));
  }
  const shutdown = () => stopSimHost({ runtime, host });

  beforeAll(boot);
  afterAll(async () => {
    await shutdown().catch(() => undefined);
    if (problem === null) for (const label of [`${run}-good`, `${run}-bad`]) await secrets.delete({ exchange: 'blofin', label });
    rmSync(home, { recursive: true, force: true });
  });

  it('rankings.query returns rows with real figures, including order-flow spreads', async () => {
    // Funding comes only from the order-flow pass, so its presence shows that pass reached the ranking.
    const snap = await until('ranked rows with order flow', async () => {
      const s = await snapshot(host);
      return s.rows.length >= 10 && s.rows.filter((r) => r.fundingRate !== null).length >= 10 ? s : null;
    });
    firstRunRows = snap.total;
    expect(snap.asOfMs, 'a finished cycle').not.toBeNull();
    expect(snap.profile, 'the configured default profile').toBe('swing');
    for (const r of snap.rows) {
      expect(r.lastPrice, `${r.symbol} price`).toBeGreaterThan(0);
      expect(r.quoteVolume24hUsd, `${r.symbol} volume`).toBeGreaterThan(0);
      expect(r.atrPct, `${r.symbol} ATR%`).toBeGreaterThan(0);
      expect(Number.isFinite(r.score), `${r.symbol} score`).toBe(true);
      expect(r.confidence, `${r.symbol} confidence`).toBeGreaterThanOrEqual(0);
      expect(r.confidence, `${r.symbol} confidence`).toBeLessThanOrEqual(1);
      expect(Object.keys(r.components), `${r.symbol} score parts`).toContain('momentumEdge');
    }
    expect(snap.rows.map((r) => r.rank), 'ranks in order').toEqual(snap.rows.map((_, i) => i + 1));
    const withPlan = snap.rows.filter((r) => r.bias !== 'neutral');
    expect(withPlan.length, 'rows with a side bias').toBeGreaterThan(0);
    for (const r of withPlan) expect(r.targetPrices.length, `${r.symbol} has an ATR plan`).toBe(2);
    expect(snap.rows.every((r) => r.spreadBps !== null && r.spreadBps >= 0), 'every row has a spread').toBe(true);
  });

  it('pushes a ranking event on each analysis cycle', async () => {
    const events: RankingSnapshotView[] = [];
    const off = host.onEvent((e) => {
      if (e.event === 'ranking') events.push(e.data);
    });
    await until('two ranking events', () => (events.length >= 2 ? true : null));
    off();
    expect(events[1]!.rows.length, 'full snapshots').toBeGreaterThan(0);
    expect(events[1]!.asOfMs, 'time moves on').toBeGreaterThanOrEqual(events[0]!.asOfMs ?? 0);
  });

  it('profiles.apply switches the ranking hot, and edited weights change the scores', async () => {
    // Each snapshot is checked against its own rows' parts (a live sim moves between snapshots, so
    // comparing scores across snapshots would prove nothing).
    const swingW: Weights = DEFAULT_PROFILES.swing;
    const scalpW: Weights = DEFAULT_PROFILES.scalp;
    const swing = await snapshot(host);
    expect(swing.profile).toBe('swing');
    expect(swing.rows.length, 'ranked rows').toBeGreaterThan(0);
    for (const r of swing.rows) expect(Math.abs(r.score - scoreUnder(r.components, swingW, swingW)), `${r.symbol}: score = its parts under swing`).toBeLessThanOrEqual(SCORE_ROUNDING);

    const applied = await host.call('profiles.apply', { name: 'scalp' });
    expect(applied.ok && applied.value.active, 'scalp active').toBe('scalp');
    const scalp = await snapshot(host);
    expect(scalp.profile, 'ranking under the new profile at once').toBe('scalp');
    let differs = 0;
    for (const r of scalp.rows) {
      expect(Math.abs(r.score - scoreUnder(r.components, scalpW, scalpW)), `${r.symbol}: score = its parts under scalp`).toBeLessThanOrEqual(SCORE_ROUNDING);
      if (Math.abs(r.score - scoreUnder(r.components, swingW, scalpW)) > SCORE_ROUNDING) differs++;
    }
    expect(differs, 'the same parts under swing give other scores: the check tells the profiles apart').toBeGreaterThan(scalp.rows.length / 2);

    const edited = await host.call('profiles.apply', { name: 'scalp', weights: { momentum: 4, liquidity: 0 } });
    expect(edited.ok, 'edited weights accepted').toBe(true);
    const listed = await host.call('profiles.list', {});
    const editedW = listed.ok ? (listed.value.profiles.find((p) => p.name === 'scalp')?.weights as Weights | undefined) : undefined;
    expect(editedW?.momentum, 'saved weight').toBe(4);
    expect(editedW?.liquidity, 'saved weight').toBe(0);
    const after = await snapshot(host);
    expect(after.rows.length, 'ranked rows').toBeGreaterThan(0);
    for (const r of after.rows) {
      expect(Math.abs(r.score - scoreUnder(r.components, editedW!, editedW!)), `${r.symbol}: score follows the edited weights`).toBeLessThanOrEqual(SCORE_ROUNDING);
    }

    const bad = await host.call('profiles.apply', { name: 'scalp', weights: { tp1Atr: -1 } });
    expect(!bad.ok && bad.error.code, 'bad weight refused').toBe(ErrorCode.InvalidInput);
    expect(!bad.ok && bad.error.message, 'names the weight').toContain('tp1Atr');
  });

  it('settings.set names every bad path and saves nothing; valid values are applied', async () => {
    const bad = await host.call('settings.set', { values: { 'universe.topN': -5, 'risk.gates.maxPositions': 'many', 'risk.sizing.leverage': 0, 'risk.nope': 1 } });
    expect(bad.ok, 'refused').toBe(false);
    if (bad.ok) return;
    expect(bad.error.code).toBe(ErrorCode.InvalidInput);
    const paths = (bad.error.details?.issues as { path: string }[]).map((i) => i.path);
    expect(paths, 'each bad path').toEqual(expect.arrayContaining(['universe.topN', 'risk.gates.maxPositions', 'risk.sizing.leverage', 'risk.nope']));

    const okRes = await host.call('settings.set', { values: { 'risk.gates.maxPositions': 3, 'universe.topN': 25, 'risk.gates.dailyLossLimitPct': null } });
    expect(okRes.ok, 'valid values accepted').toBe(true);
    const fields = okRes.ok ? okRes.value.fields : [];
    const value = (path: string) => fields.find((f) => f.path === path)?.value;
    expect(value('risk.gates.maxPositions')).toBe(3);
    expect(value('universe.topN')).toBe(25);
    expect(value('risk.gates.dailyLossLimitPct')).toBeNull();
    expect(value('profile'), 'the active profile is a field too').toBe('scalp');
  });

  it('keys.test authenticates the sim key against the sim and reports a wrong key clearly', async (ctx) => {
    needKeychain(ctx, problem, 'keys.set / keys.test');
    await host.call('keys.set', { exchange: 'blofin', label: `${run}-good`, ...SIM_API_KEY });
    const good = await host.call('keys.test', { exchange: 'blofin', label: `${run}-good` });
    expect(good.ok && good.value.authenticated, `sim key accepted: ${JSON.stringify(good)}`).toBe(true);

    const wrongSecret = `${run}-WRONG-SECRET`;
    await host.call('keys.set', { exchange: 'blofin', label: `${run}-bad`, apiKey: SIM_API_KEY.apiKey, secret: wrongSecret, password: SIM_API_KEY.password });
    const bad = await host.call('keys.test', { exchange: 'blofin', label: `${run}-bad` });
    expect(bad.ok, 'a refusal is a report, not an error').toBe(true);
    if (!bad.ok) return;
    expect(bad.value.authenticated).toBe(false);
    expect(bad.value.message, 'says why').toMatch(/refused the key/);
    expect(bad.value.message, 'says why').toMatch(/[Ss]ignature/);
    expect(JSON.stringify(bad), 'never echoes the secret').not.toContain(wrongSecret);
  });

  it('settings, edited weights and the active profile survive a restart', async () => {
    await shutdown();
    await boot();
    const profiles = await host.call('profiles.list', {});
    expect(profiles.ok && profiles.value.active, 'active profile restored').toBe('scalp');
    expect(profiles.ok && profiles.value.profiles.find((p) => p.name === 'scalp')?.weights.momentum, 'edited weight restored').toBe(4);
    const snap = await until('a ranking after restart', async () => {
      const s = await snapshot(host);
      return s.rows.length > 0 ? s : null;
    });
    expect(snap.profile, 'ranking under the restored profile').toBe('scalp');
    expect(firstRunRows, 'the first run ranked more than the new topN').toBeGreaterThan(25);
    expect(snap.rows.length, 'universe.topN applied on restart').toBeLessThanOrEqual(25);
    const settings = await host.call('settings.get', {});
    const fields = settings.ok ? settings.value.fields : [];
    expect(fields.find((f) => f.path === 'risk.gates.maxPositions')?.value, 'risk limit restored').toBe(3);
  });
});
