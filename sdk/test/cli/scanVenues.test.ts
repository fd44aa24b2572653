import { stripVTControlCharacters } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { runScan } from '../../src/cli/commands/scan.js';
import { parseVenues } from '../../src/cli/commands/venueList.js';
import type { ScanCliOptions } from '../../src/cli/program.js';
import { ConfigError } from '../../src/core/errors.js';
import { createSimClient } from '../../src/engine/exchangeClient.js';
import { roundTripFeesBps } from '../../src/ranking/index.js';
import { startSimExchange, type SimDialectName } from '../../src/sim/index.js';
import { captureIo } from './testIo.js';

const SEED = 7;
const START_MS = Date.UTC(2025, 0, 15, 14);
const HOME = '/nonexistent-perpscope-home';
const base: ScanCliOptions & { home: string } = { sim: true, symbols: 6, seed: SEED, startMs: START_MS, top: 6, timeframes: ['15m'], home: HOME };

type Row = { venue?: string; kind?: string; rank: number; symbol: string; score: number; last: number };
type Leg = { venue: string; symbol: string; price: number; takerFeeRate: number; fundingPer8hPct: number | null };
type Cross = { kind: 'crossVenue'; measure: 'fundingSpread' | 'basis'; asset: string; long: Leg; short: Leg; feesBps: number; netAfterFeesBps: number; spreadPer8hBps?: number; spreadBps?: number; horizonHours?: number };

async function scanJson(opts: ScanCliOptions & { home: string }): Promise<Record<string, unknown>[]> {
  const io = captureIo(false);
  await runScan(opts, io);
  return io.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The taker fee ccxt's own class reads from a sim of `dialect` for `symbol`: the expectation, found without the engine. */
async function ccxtTakerFee(dialect: SimDialectName, symbol: string): Promise<number> {
  const sim = await startSimExchange({ dialect, symbols: 6, seed: SEED, startTimeMs: START_MS, pausedAtStart: true });
  try {
    const { exchange } = await createSimClient(sim, { timeoutMs: 10_000, rateLimitScale: 20 });
    const markets = await exchange.loadMarkets();
    const taker = markets[symbol]?.taker;
    if (typeof taker !== 'number') throw new Error(`ccxt ${dialect} has no taker fee for ${symbol}`);
    return taker;
  } finally {
    await sim.stop();
  }
}

describe('perpscope scan --sim --exchange blofin,binanceusdm', () => {
  let lines: Record<string, unknown>[] = [];
  let rows: Row[] = [];
  let cross: Cross[] = [];

  beforeAll(async () => {
    lines = await scanJson({ ...base, exchange: 'blofin,binanceusdm' });
    rows = lines.filter((l) => l.kind === undefined) as unknown as Row[];
    cross = lines.filter((l) => l.kind === 'crossVenue') as unknown as Cross[];
  }, 120_000);

  it('prints the rows of both venues, each with its venue and its rank within that venue, best score first', () => {
    for (const venue of ['blofin', 'binanceusdm']) {
      const own = rows.filter((r) => r.venue === venue);
      expect(own.length, `rows of ${venue}`).toBeGreaterThan(2);
      expect(own.map((r) => r.rank).sort((a, b) => a - b), `${venue} ranks from 1`).toEqual(own.map((_, i) => i + 1));
    }
    expect(rows.every((r) => r.venue === 'blofin' || r.venue === 'binanceusdm')).toBe(true);
    for (let i = 1; i < rows.length; i++) expect(rows[i - 1]!.score, 'merged in score order').toBeGreaterThanOrEqual(rows[i]!.score);
    expect(Object.keys(rows[0]!)[0], 'venue leads each JSON row').toBe('venue');
  });

  it('the first venue is the single-venue scan at the pinned seed; the second lists the same symbols a few bps away', async () => {
    const blofin = await scanJson({ ...base, exchange: 'blofin' });
    const strip = (venue: string) => rows.filter((r) => r.venue === venue).map(({ venue: _v, ...rest }) => rest).sort((a, b) => a.rank - b.rank);
    expect(strip('blofin')).toEqual(blofin);
    const symbols = (venue: string) => rows.filter((r) => r.venue === venue).map((r) => r.symbol).sort();
    expect(symbols('binanceusdm')).toEqual(symbols('blofin'));
    for (const symbol of symbols('blofin')) {
      const last = (venue: string) => rows.find((r) => r.venue === venue && r.symbol === symbol)!.last;
      const gapBps = Math.abs(last('binanceusdm') / last('blofin') - 1) * 10_000;
      expect(gapBps, `${symbol} last on both venues`).toBeLessThan(40);
    }
    const btc = (venue: string) => rows.find((r) => r.venue === venue && r.symbol === 'BTC/USDT:USDT')?.last;
    expect(btc('blofin'), 'the second venue carries its own basis').not.toBe(btc('binanceusdm'));
  }, 120_000);

  it('gives every asset on both venues a basis row under 40 bps and a funding row under 10 bps per 8h', () => {
    const assets = [...new Set(rows.map((r) => r.symbol.split('/')[0]!))].sort();
    const basis = cross.filter((c) => c.measure === 'basis');
    const funding = cross.filter((c) => c.measure === 'fundingSpread');
    expect(basis.map((c) => c.asset).sort(), 'one basis row per asset').toEqual(assets);
    expect(funding.map((c) => c.asset).sort(), 'one funding row per asset').toEqual(assets);
    for (const c of basis) expect(Math.abs(c.spreadBps!), `${c.asset} basis bps`).toBeLessThan(40);
    for (const c of funding) expect(Math.abs(c.spreadPer8hBps!), `${c.asset} funding spread bps per 8h`).toBeLessThan(10);
    expect(basis.some((c) => c.spreadBps! > 0), 'the venues do differ').toBe(true);
  });

  it('gives BTC, listed on both, a funding-spread and a basis row whose fees are crossVenue\'s from ccxt\'s market taker rates', async () => {
    const funding = cross.find((c) => c.asset === 'BTC' && c.measure === 'fundingSpread');
    const basis = cross.find((c) => c.asset === 'BTC' && c.measure === 'basis');
    expect(funding, 'BTC funding row').toBeDefined();
    expect(basis, 'BTC basis row').toBeDefined();
    const blofinTaker = await ccxtTakerFee('blofin', 'BTC/USDT:USDT');
    const binanceTaker = await ccxtTakerFee('binanceusdm', 'BTC/USDT:USDT');
    expect(blofinTaker, 'the two venues charge different fees, so a mix-up would show').not.toBe(binanceTaker);
    const expected = roundTripFeesBps(blofinTaker, binanceTaker);
    for (const row of [funding!, basis!]) {
      expect(row.feesBps).toBeCloseTo(expected, 9);
      const legs = Object.fromEntries([row.long, row.short].map((l) => [l.venue, l.takerFeeRate]));
      expect(legs).toEqual({ blofin: blofinTaker, binanceusdm: binanceTaker });
    }
    // The direction follows the figures: long the lower funding, buy the cheaper venue.
    expect(funding!.long.fundingPer8hPct!).toBeLessThanOrEqual(funding!.short.fundingPer8hPct!);
    expect(funding!.horizonHours).toBe(24);
    expect(funding!.netAfterFeesBps).toBeCloseTo(funding!.spreadPer8hBps! * 3 - expected, 9);
    expect(basis!.long.price).toBeLessThan(basis!.short.price);
    expect(basis!.netAfterFeesBps).toBeCloseTo(basis!.spreadBps! - expected, 9);
    // The legs' prices are the venues' marks, near the rows' last prices.
    const last = (venue: string) => rows.find((r) => r.venue === venue && r.symbol === 'BTC/USDT:USDT')!.last;
    for (const l of [basis!.long, basis!.short]) expect(Math.abs(l.price / last(l.venue) - 1)).toBeLessThan(0.01);
  }, 120_000);

  it('the single-venue scan is unchanged: no venue field, no cross-venue lines', async () => {
    const single = await scanJson({ ...base, exchange: 'blofin' });
    expect(single.length).toBeGreaterThan(2);
    for (const l of single) {
      expect(l).not.toHaveProperty('venue');
      expect(l).not.toHaveProperty('kind');
    }
  }, 120_000);

  it('in a terminal: the merged table has a venue column, then the cross-venue table and what its figures mean', async () => {
    const io = { ...captureIo(true), columns: 200 };
    await runScan({ ...base, exchange: 'blofin,binanceusdm' }, io);
    const text = stripVTControlCharacters(io.lines.join('\n'));
    expect(text).toMatch(/│ # +│ venue +│ symbol +│ +score │/);
    expect(text).toMatch(/ranked blofin \d+, binanceusdm \d+/);
    expect(text).toMatch(/│ asset +│ measure +│ long +│ short +│ spread bps │/);
    expect(text).toMatch(/│ BTC +│ funding +│ (blofin|binanceusdm) +│/);
    expect(text).toContain('not a forecast');
    expect(text).toContain('share one synthetic market');
  }, 120_000);
});

describe('the venue list', () => {
  it('needs two or more distinct venues; with --sim, ones the sim speaks', () => {
    expect(parseVenues('blofin, binanceusdm', true)).toEqual(['blofin', 'binanceusdm']);
    expect(parseVenues('sim,htx', true), 'sim is BloFin\'s dialect').toEqual(['blofin', 'htx']);
    expect(() => parseVenues('blofin,sim', true)).toThrow(/each exchange once/);
    expect(() => parseVenues('blofin,', true)).toThrow(ConfigError);
    expect(() => parseVenues('blofin,okx', true)).toThrow(/blofin, binanceusdm, bybit or htx/);
    expect(parseVenues('okx,bybit', false), 'without --sim any ccxt id').toEqual(['okx', 'bybit']);
  });

  it('refuses --sim-data with several venues, naming it', async () => {
    await expect(runScan({ ...base, simData: '/nonexistent-data', exchange: 'blofin,binanceusdm' }, captureIo(false))).rejects.toThrow(/sim-data.*same recording/s);
  });
});
