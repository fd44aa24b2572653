import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runRun } from '../../src/cli/commands/run.js';
import { ConfigError } from '../../src/core/errors.js';
import type { Engine } from '../../src/engine/createEngine.js';
import type { TradingStack } from '../../src/trading/index.js';
import { captureIo } from './testIo.js';
import { until as waitUntil } from '../../../test/support/sim.js';

const home = () => mkdtempSync(join(tmpdir(), 'perpscope-run-venues-'));
const ENV = { PERPSCOPE_SIM__SYMBOLS: '4', PERPSCOPE_TIMEFRAMES: '1m', PERPSCOPE_SIM__RATE_LIMIT_SCALE: '20', PERPSCOPE_BACKFILL_BARS: '60', PERPSCOPE_UNIVERSE__MIN_QUOTE_VOLUME_USD: '0' };

interface VenuesLine {
  type: 'venues';
  venues: string[];
  pending: string[];
  rows: { venue: string; rank: number; symbol: string; score: number }[];
  crossVenue: { asset: string; measure: string; long: { venue: string }; short: { venue: string }; feesBps: number; netAfterFeesBps: number; spreadBps?: number; spreadPer8hBps?: number }[];
}

/** Runs `perpscope run --paper --sim --exchange blofin,bybit` until `done` returns a value from the lines so far. */
async function runVenues<T>(isTTY: boolean, done: (lines: string[]) => T | null): Promise<{ value: T; engine: Engine; stack: TradingStack }> {
  const io = captureIo(isTTY);
  let stop!: () => void;
  const until = new Promise<void>((r) => (stop = r));
  let engine: Engine | undefined;
  let stack: TradingStack | undefined;
  let failed: unknown = null;
  const running = runRun(
    { paper: true, sim: true, exchange: 'blofin,bybit', label: 'default', home: home(), seed: 11, startMs: Date.UTC(2025, 0, 6) },
    { ...io, env: ENV },
    { until, onEngine: (e) => (engine = e), onTrading: (s) => (stack = s) },
  ).catch((err: unknown) => {
    failed = err;
  });
  try {
    const value = await waitUntil(
      'the run to show both venues',
      () => {
        if (failed) throw failed as Error;
        return done(io.lines);
      },
      60_000,
    );
    return { value, engine: engine!, stack: stack! };
  } finally {
    stop();
    await running;
  }
}

describe('perpscope run --sim --exchange blofin,bybit (two venues, one table)', () => {
  it('ranks both venues in one table and shows cross-venue funding and basis rows with their fees; orders stay on the first venue', async () => {
    const parsed = (lines: string[]) => lines.flatMap((l) => (l.startsWith('{') ? [JSON.parse(l) as Record<string, unknown>] : []));
    const { value, stack } = await runVenues(false, (lines) => {
      const all = parsed(lines);
      const line = all.filter((l): l is VenuesLine & Record<string, unknown> => l.type === 'venues').find((l) => {
        const venues = new Set(l.rows.map((r) => r.venue));
        return venues.has('blofin') && venues.has('bybit') && l.crossVenue.some((c) => c.measure === 'fundingSpread') && l.crossVenue.some((c) => c.measure === 'basis');
      });
      const alert = all.find((l) => l.type === 'alert' && l.kind === 'venues');
      return line && alert ? { line, alert } : null;
    });
    const { line, alert } = value;
    expect(line.venues).toEqual(['blofin', 'bybit']);
    expect(line.pending).toEqual([]);
    // One table: sorted by score across venues, each row keeping its rank within its own venue.
    const scores = line.rows.map((r) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    for (const venue of ['blofin', 'bybit']) {
      const ranks = line.rows.filter((r) => r.venue === venue).map((r) => r.rank);
      expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    }
    // The same symbols are listed on both sims: each asset pairs the two venues, costed.
    for (const c of line.crossVenue) {
      expect(new Set([c.long.venue, c.short.venue])).toEqual(new Set(['blofin', 'bybit']));
      expect(c.feesBps, `${c.asset} ${c.measure} fees`).toBeGreaterThan(0);
      expect(Number.isFinite(c.netAfterFeesBps)).toBe(true);
    }
    const basis = line.crossVenue.filter((c) => c.measure === 'basis');
    for (const c of basis) expect(c.netAfterFeesBps, 'basis net = gap - fees').toBeCloseTo((c.spreadBps ?? NaN) - c.feesBps, 6);
    expect((alert as { details: unknown }).details).toEqual({ trading: 'blofin', watching: ['bybit'] });
    expect(stack.broker.exchange, 'the trading venue is the first one').toBe('blofin');
  });

  it('the status view lists both venues and the cross-venue rows', async () => {
    const { value } = await runVenues(true, (lines) => {
      const frame = [...lines].reverse().find((l) => l.includes('top ranked (blofin, bybit)'));
      if (!frame) return null;
      const rows = frame.split('\n');
      const venueRows = (v: string) => rows.filter((r) => r.startsWith(`  ${v} `)).length;
      return venueRows('blofin') > 0 && venueRows('bybit') > 0 && /net -?\d/.test(frame) ? frame : null;
    });
    expect(value).toContain('cross-venue (net after 4 taker fills):');
    expect(value).toContain('trading on blofin; watching bybit');
    expect(value).toMatch(/long (blofin|bybit) short (blofin|bybit)/);
  });

  it('refuses a venue listed twice or a venue the sim cannot speak, naming the field', async () => {
    const io = captureIo(false);
    for (const exchange of ['blofin,sim', 'blofin,okx']) {
      await expect(runRun({ paper: true, sim: true, exchange, label: 'default', home: home() }, { ...io, env: ENV })).rejects.toBeInstanceOf(ConfigError);
    }
  });
});
