import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runRun } from '../../src/cli/commands/run.js';
import { ConfigError } from '../../src/core/errors.js';
import { logFilePath } from '../../src/core/fileLogger.js';
import type { TradingStack } from '../../src/trading/index.js';
import type { Engine } from '../../src/engine/createEngine.js';
import { captureIo } from './testIo.js';
import { until as waitUntil } from '../../../test/support/sim.js';

const home = () => mkdtempSync(join(tmpdir(), 'perpscope-run-'));

describe('perpscope run', () => {
  it('refuses live mode without the explicit confirmation', async () => {
    const io = captureIo(false);
    await expect(runRun({ live: true, sim: true, label: 'default', home: home() }, io)).rejects.toThrow(ConfigError);
    await expect(runRun({ live: true, sim: true, label: 'default', home: home() }, io)).rejects.toThrow(/--confirm-live/);
  });

  it('refuses live mode on a real exchange without a stored key', async () => {
    const io = captureIo(false);
    const secrets = { get: () => Promise.resolve(null), set: () => Promise.resolve(), delete: () => Promise.resolve(false), list: () => Promise.resolve([]) };
    // The key is checked before anything connects, so no exchange is contacted here.
    await expect(runRun({ live: true, confirmLive: true, exchange: 'blofin', label: 'main', home: home() }, io, { secrets, until: Promise.resolve() })).rejects.toThrow(
      /no key blofin:main.*perpscope keys set --exchange blofin --label main/s,
    );
  });

  it('runs paper mode over the sim and prints JSON event lines with a type', async () => {
    const io = captureIo(false);
    let stop!: () => void;
    const until = new Promise<void>((r) => (stop = r));
    const h = home();
    const startMs = Date.UTC(2025, 0, 6);
    // --speed, --seed and --start beat the env's acceleration and seed.
    const running = runRun(
      { paper: true, sim: true, autotrade: true, label: 'default', home: h, speed: 120, seed: 9, startMs },
      { ...io, env: { PERPSCOPE_SIM__SYMBOLS: '12', PERPSCOPE_SIM__SEED: '3', PERPSCOPE_TIMEFRAMES: '1m', PERPSCOPE_SIM__ACCELERATION: '60', PERPSCOPE_SIM__RATE_LIMIT_SCALE: '20', PERPSCOPE_BACKFILL_BARS: '120', PERPSCOPE_UNIVERSE__MIN_QUOTE_VOLUME_USD: '0' } },
      { until },
    );
    try {
      await waitUntil('a health event', () => (io.lines.some((l) => l.includes('"type":"health"')) ? true : null), 45_000);

    } finally {
      stop();
      await running;
    }
    expect(io.lines.length, 'events were printed').toBeGreaterThan(0);
    for (const line of io.lines) {
      const obj = JSON.parse(line) as { type: string };
      expect(['signal', 'order', 'fill', 'position', 'alert', 'health']).toContain(obj.type);
    }
    expect(io.lines.some((l) => l.includes('"type":"health"')), 'health events flow').toBe(true);
    // The shipped evidence covers 1h Binance signals only: a default run on the sim's 1m bars says it trades nothing, before trading.
    const gate = io.lines.map((l) => JSON.parse(l) as { kind?: string; level?: string; message?: string; details?: { tradesNothing?: boolean; autotrade?: boolean } }).find((l) => l.kind === 'edge_gate');
    expect(gate, 'an edge_gate alert line').toBeDefined();
    expect(gate).toMatchObject({ level: 'warn', details: { tradesNothing: true, autotrade: true } });
    expect(gate!.message).toMatch(/^Trading nothing: no strategy or strategy x regime showed an edge/);
    const simLine = io.lines.map((l) => JSON.parse(l) as { kind?: string; details?: { seed: number; acceleration: number; startTimeMs: number; simNowMs: number } }).find((l) => l.kind === 'sim');
    expect(simLine?.details).toMatchObject({ seed: 9, acceleration: 120, startTimeMs: startMs });
    expect(simLine!.details!.simNowMs, 'the sim runs from --start').toBeGreaterThanOrEqual(startMs);
    const log = readFileSync(logFilePath(h), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { level: number; msg: string; command?: string });
    expect(log.map((r) => r.msg), 'the log file records the run at the default info level').toEqual(expect.arrayContaining(['run started', 'run stopped']));
    expect(log.every((r) => r.level >= 30), 'nothing below info').toBe(true);
  });

  it('runs the order-flow loop over the whole universe, as the desktop host does', async () => {
    const io = captureIo(false);
    let stop!: () => void;
    const until = new Promise<void>((r) => (stop = r));
    let engine: Engine | undefined;
    // No auto-trader: no signal refreshes a symbol's order flow, so only the loop can have read them all.
    const running = runRun(
      { paper: true, sim: true, label: 'default', home: home(), seed: 9, startMs: Date.UTC(2025, 0, 6) },
      { ...io, env: { PERPSCOPE_SIM__SYMBOLS: '8', PERPSCOPE_TIMEFRAMES: '1m', PERPSCOPE_SIM__RATE_LIMIT_SCALE: '20', PERPSCOPE_BACKFILL_BARS: '60', PERPSCOPE_UNIVERSE__MIN_QUOTE_VOLUME_USD: '0' } },
      { until, onEngine: (e) => (engine = e) },
    );
    try {
      const withBooks = await waitUntil('order flow for every universe symbol', () => {
        const members = engine?.universe() ?? [];
        return members.length > 0 && members.every((m) => engine!.orderFlow(m.symbol)?.book !== undefined) ? members.length : null;
      });
      expect(withBooks, 'the universe of 8 sim symbols').toBe(8);
    } finally {
      stop();
      await running;
    }
  });

  it('honours logLevel: at error the log file gets no info record and no warn alert line is printed', async () => {
    const io = captureIo(false);
    const h = home();
    writeFileSync(join(h, 'config.json'), JSON.stringify({ logLevel: 'error' }));
    // The run ends at once: only its start and stop could be logged, and at error neither is.
    await runRun({ paper: true, sim: true, label: 'default', home: h, seed: 9, startMs: Date.UTC(2025, 0, 6) }, { ...io, env: { PERPSCOPE_SIM__SYMBOLS: '6', PERPSCOPE_TIMEFRAMES: '1m', PERPSCOPE_BACKFILL_BARS: '60', PERPSCOPE_UNIVERSE__MIN_QUOTE_VOLUME_USD: '0' } }, { until: Promise.resolve() });
    const file = logFilePath(h);
    const records = existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: number; msg: string }) : [];
    expect(records.filter((r) => r.level < 50), 'no record below error').toEqual([]);
    expect(io.lines.map((l) => JSON.parse(l) as { type: string; level?: string }).filter((l) => l.type === 'alert' && l.level === 'warn' && !('kind' in l))).toEqual([]);
  });

  it('an emergency file already in the home flattens at start: kill switch on, an emergency_flatten alert line', async () => {
    const io = captureIo(false);
    let stop!: () => void;
    const until = new Promise<void>((r) => (stop = r));
    const h = home();
    writeFileSync(join(h, 'EMERGENCY_FLATTEN'), '');
    let stack: TradingStack | undefined;
    const running = runRun(
      { paper: true, sim: true, label: 'default', home: h, seed: 3, startMs: Date.UTC(2025, 0, 6) },
      { ...io, env: { PERPSCOPE_SIM__SYMBOLS: '6', PERPSCOPE_TIMEFRAMES: '1m', PERPSCOPE_SIM__RATE_LIMIT_SCALE: '20', PERPSCOPE_BACKFILL_BARS: '120' } },
      { until, onTrading: (s) => (stack = s) },
    );
    try {
      await waitUntil('an emergency_flatten line', () => (io.lines.some((l) => l.includes('"kind":"emergency_flatten"')) ? true : null), 45_000);
      // Read while the run still holds the store open.
      expect(stack?.killSwitch.state()).toMatchObject({ on: true, reason: 'emergency_file' });
    } finally {
      stop();
      await running;
    }
    const line = io.lines.map((l) => JSON.parse(l) as { kind?: string; level?: string; details?: { file: string } }).find((l) => l.kind === 'emergency_flatten');
    expect(line).toMatchObject({ level: 'info', details: { file: join(h, 'EMERGENCY_FLATTEN') } });
  });

  it('--speed, --seed and --start without --sim are refused, naming them', async () => {
    const io = captureIo(false);
    await expect(runRun({ paper: true, label: 'default', home: home(), speed: 10, startMs: 1 }, io)).rejects.toThrow(/--speed, --start.*--sim as well/s);
  });
});
