import ccxt from 'ccxt';
import type { Exchange } from 'ccxt';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { stripVTControlCharacters } from 'node:util';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScan } from '../../src/cli/commands/scan.js';
import { DEFAULT_RANKING_ORIENTATION } from '../../src/ranking/index.js';
import { runCli } from '../../src/cli/index.js';
import { dataDir, requireData } from '../../../test/support/testData.js';
import { captureIo } from './testIo.js';

const RECORDED = 'binance-usdm-2024-10-2025-03';
const hasRecorded = requireData(RECORDED);

describe('perpscope scan', () => {
  it('prints one JSON line per symbol in rank order with the required fields', async () => {
    const io = captureIo(false);
    await runScan({ sim: true, symbols: 25, seed: 7, top: 10, timeframes: ['15m'], home: '/nonexistent-perpscope-home' }, io);
    expect(io.lines.length).toBe(10);
    type Row = {
      rank: number;
      symbol: string;
      quoteVolume24h: number;
      last: number;
      spreadBps: number;
      score: number;
      manipScore: number;
      flags: unknown[];
      metrics: Record<string, unknown>;
      edges: Record<string, number>;
      signals: { symbol?: string; timeframe: string; side: string }[];
    };
    const rows = io.lines.map((l) => JSON.parse(l) as Row);
    rows.forEach((r, i) => {
      expect(r.rank, 'ranks are consecutive from 1').toBe(i + 1);
      expect(r.symbol).toMatch(/^[A-Z0-9]+\/USDT:USDT$/);
      expect(r.last).toBeGreaterThan(0);
      expect(r.quoteVolume24h).toBeGreaterThan(0);
      expect(r.spreadBps, 'order flow was refreshed, so the spread is known').toBeGreaterThan(0);
      expect(r.manipScore).toBeGreaterThanOrEqual(0);
      expect(r.manipScore).toBeLessThanOrEqual(100);
      expect(Array.isArray(r.flags)).toBe(true);
      expect(Array.isArray(r.signals)).toBe(true);
      for (const k of ['spreadBps', 'slippageBps', 'atrPct', 'depth10Usd', 'depth50Usd', 'fundingAnnualizedPct', 'volumeZ']) {
        expect(r.metrics, `metric ${k} is present`).toHaveProperty(k);
      }
      for (const k of ['liquidityEdge', 'momentumEdge', 'volatilityEdge', 'microstructureEdge', 'anomalyResidual']) {
        expect(typeof r.edges[k], `edge ${k} is a number`).toBe('number');
      }
    });
    for (let i = 1; i < rows.length; i++) {
      expect(rows[i - 1]!.score, 'rows are in score order').toBeGreaterThanOrEqual(rows[i]!.score);
    }
  });

  it('the table says what the bias column means: the shipped side rule and its out-of-sample figures', async () => {
    const io = { ...captureIo(true), columns: 80 };
    await runScan({ sim: true, symbols: 12, seed: 7, top: 5, timeframes: ['15m'], home: '/nonexistent-perpscope-home', profile: 'swing' }, io);
    const table = io.lines[0]!.split('\n').map((l) => stripVTControlCharacters(l));
    for (const l of table) expect(l.length, `an 80-column terminal: ${l}`).toBeLessThanOrEqual(80);
    expect(table[1]).toMatch(/│ # +│ symbol +│ score │ bias +│/);
    expect(table[2], 'a rule under the header').toMatch(/^├─/);
    const swing = DEFAULT_RANKING_ORIENTATION.profiles.swing!;
    const bias = io.lines.find((l) => l.startsWith('bias: '));
    expect(bias).toBe(
      `bias: ${swing.basis === 'reversal' ? 'against' : 'with'} the trend (${DEFAULT_RANKING_ORIENTATION.id}); out-of-sample rank IC ` +
        swing.evidence.map((e) => `${e.ic!.toFixed(4)} vs ${e.bestBaseline} ${e.bestBaselineIc!.toFixed(4)}`).join(', '),
    );
  });

  it('--seed with --start scans one fixed moment: the same rows, byte for byte, on every run', async () => {
    const scanOnce = async () => {
      const io = captureIo(false);
      await runScan({ sim: true, symbols: 12, seed: 7, startMs: Date.UTC(2025, 0, 10), top: 12, timeframes: ['15m'], home: '/nonexistent-perpscope-home' }, io);
      return io.lines;
    };
    const first = await scanOnce();
    expect(first.length, 'rows to compare').toBeGreaterThan(3);
    expect(await scanOnce()).toEqual(first);
  });

  it('sim-only flags without --sim are refused, naming them', async () => {
    await expect(runScan({ seed: 3, symbols: 5, top: 5, home: '/nonexistent-perpscope-home' }, captureIo(false))).rejects.toThrow(/--symbols, --seed.*--sim as well/s);
  });

  it('names the exchange and suggests --sim when it cannot be reached', async () => {
    const io = captureIo(false);
    // Port 9 on loopback: nothing listens, so the connection is refused at once.
    const exchange = new ccxt.pro.blofin({ timeout: 2_000 }) as unknown as Exchange;
    const urls = exchange.urls as { api: Record<string, unknown> };
    urls.api = { rest: 'http://127.0.0.1:9' };
    await expect(
      runScan({ exchange: 'blofin', top: 5, timeframes: ['1h'], home: '/nonexistent-perpscope-home' }, io, { exchange }),
    ).rejects.toThrow(/cannot reach exchange "blofin".*perpscope scan --sim/s);
  });

  it.skipIf(!hasRecorded)('--sim-data alone replays the recorded directory through the sim, never the real exchange', async () => {
    const work = mkdtempSync(join(tmpdir(), 'perpscope-scan-data-'));
    try {
      const dir = join(work, 'data');
      mkdirSync(dir);
      const symbols = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT'];
      for (const s of symbols) symlinkSync(join(dataDir(RECORDED)!, `${s}_1h.csv`), join(dir, `${s}_1h.csv`));
      const io = captureIo(false);
      await runScan({ simData: dir, top: 4, timeframes: ['1h'], home: '/nonexistent-perpscope-home' }, io);
      const rows = io.lines.map((l) => JSON.parse(l) as { symbol: string });
      expect(rows.map((r) => r.symbol).sort(), 'exactly the recorded symbols, as ccxt unified symbols').toEqual(['BTC/USDT:USDT', 'ETH/USDT:USDT', 'SOL/USDT:USDT', 'XRP/USDT:USDT']);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

describe('perpscope --version', () => {
  it('--set reaches any config key, over env, repeatable; a bad one is refused naming it', async () => {
    const home = mkdtempSync(join(tmpdir(), 'perpscope-set-'));
    const scan = async (sets: string[], env: Record<string, string> = {}) => {
      const io = { ...captureIo(false), env };
      const code = await runCli([...sets.flatMap((s) => ['--set', s]), '--home', home, 'scan', '--sim', '--symbols', '12', '--seed', '3', '--timeframes', '15m', '--top', '50', '--json'], io);
      return { code, rows: io.lines.length, errors: io.errors.join('\n') };
    };
    const all = await scan(['universe.minQuoteVolumeUsd=0', 'universe.maxSpreadBps=null']);
    expect(all.code, all.errors).toBe(0);
    expect(all.rows, 'the 12 sim symbols').toBe(12);
    const five = await scan(['universe.minQuoteVolumeUsd=0', 'universe.maxSpreadBps=null', 'universe.topN=5'], { PERPSCOPE_UNIVERSE__TOP_N: '8' });
    expect(five.rows, '--set universe.topN=5 beats the env 8').toBe(5);
    const unknown = await scan(['risk.gates.bogus=1']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.errors).toContain('risk.gates.bogus');
    const malformed = await scan(['universe.topN']);
    expect(malformed.code).not.toBe(0);
    expect(malformed.errors).toMatch(/--set: got "universe.topN", expected key=value/);
  });

  it('prints the SDK package version and exits 0', async () => {
    const io = captureIo(false);
    expect(await runCli(['--version'], io)).toBe(0);
    const { version } = (await import('../../package.json', { with: { type: 'json' } })).default as { version: string };
    expect(io.lines).toEqual([version]);
  });
});
