import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileLogger, type Logger } from '@perpscope/sdk';
import type { HealthView } from '@perpscope/shared';
import { createHost } from '../../src/host/index.js';
import type { HostSecretStore } from '../../src/host/ports.js';
import { createCycleTracker, logScanCycles } from '../../src/host/cycleLog.js';
import { bareEngine, rankingRow, snapshot } from '../support/fakes.js';
import { startApiFixture } from '../server/apiHarness.js';
import { until } from '../../../test/support/sim.js';

const noSecrets: HostSecretStore = {
  set: () => Promise.reject(new Error('unused')),
  get: () => Promise.reject(new Error('unused')),
  delete: () => Promise.reject(new Error('unused')),
  list: () => Promise.resolve([]),
};

function recordingLogger(): { logger: Logger; lines: { level: string; fields: Record<string, unknown>; msg: string }[] } {
  const lines: { level: string; fields: Record<string, unknown>; msg: string }[] = [];
  const logger: Logger = {
    debug: (fields, msg) => lines.push({ level: 'debug', fields, msg }),
    info: (fields, msg) => lines.push({ level: 'info', fields, msg }),
    warn: (fields, msg) => lines.push({ level: 'warn', fields, msg }),
    error: (fields, msg) => lines.push({ level: 'error', fields, msg }),
    child: () => logger,
  };
  return { logger, lines };
}

const T0 = 1_736_949_600_000;
const health: HealthView = {
  asOfMs: T0,
  engine: 'running',
  exchanges: [{ exchange: 'blofin', wsState: 'connected', latencyMs: 40, breaker: 'open', rateLimited429: 3, lastUpdateMs: T0, backoffUntilMs: null }],
  symbolsTracked: 12,
  symbolsStale: 1,
};

describe('scan cycle log', () => {
  it('writes one info line per new cycle with its figures, the health and the alerts since the last cycle', () => {
    const engine = bareEngine();
    const host = createHost({ engine, secrets: noSecrets });
    const { logger, lines } = recordingLogger();
    const stop = logScanCycles(host, logger);
    const rows = [rankingRow('ETH/USDT:USDT', 2), rankingRow('BTC/USDT:USDT', 1), rankingRow('SOL/USDT:USDT', 3)];

    engine.emit({ event: 'ranking', data: snapshot(rows, T0) });
    engine.emit({ event: 'health', data: health });
    engine.emit({ event: 'alert', data: { id: 'a', level: 'error', kind: 'x', message: 'm', symbol: null, atMs: T0 } });
    engine.emit({ event: 'alert', data: { id: 'b', level: 'warn', kind: 'x', message: 'm', symbol: null, atMs: T0 } });
    // A profile switch pushes the same cycle again: not a new cycle.
    engine.emit({ event: 'ranking', data: snapshot(rows, T0) });
    engine.emit({ event: 'ranking', data: snapshot(rows, T0 + 60_000) });

    expect(lines.map((l) => [l.level, l.msg]), 'one line per distinct cycle').toEqual([
      ['info', 'scan cycle'],
      ['info', 'scan cycle'],
    ]);
    expect(lines[0]!.fields).toMatchObject({ profile: 'swing', asOfMs: T0, cycleIntervalMs: null, symbolsScanned: 3, rows: 3, topSymbol: 'BTC/USDT:USDT', topScore: 99, errorsSinceLastCycle: 0, symbolsTracked: null });
    expect(lines[1]!.fields, 'the second cycle: its interval, the health and the alerts in between').toMatchObject({
      asOfMs: T0 + 60_000,
      cycleIntervalMs: 60_000,
      errorsSinceLastCycle: 1,
      warningsSinceLastCycle: 1,
      symbolsTracked: 12,
      symbolsStale: 1,
      rateLimited429: 3,
      breakersOpen: ['blofin'],
    });

    stop();
    engine.emit({ event: 'ranking', data: snapshot(rows, T0 + 120_000) });
    expect(lines.length, 'nothing after unsubscribing').toBe(2);
    host.close();
  });

  it('tracks cycles per profile and ignores snapshots before the first cycle or going back in time', () => {
    const track = createCycleTracker();
    const rows = [rankingRow('BTC/USDT:USDT', 1)];
    expect(track({ ...snapshot(rows), asOfMs: null }), 'no cycle yet').toBeNull();
    expect(track(snapshot(rows, T0))?.cycleIntervalMs).toBeNull();
    expect(track({ ...snapshot(rows, T0 + 5_000), profile: 'scalp' })?.cycleIntervalMs, 'another profile has its own clock').toBeNull();
    expect(track(snapshot(rows, T0 - 1)), 'older than the last').toBeNull();
    expect(track(snapshot(rows, T0 + 30_000))?.cycleIntervalMs).toBe(30_000);
    expect(track(snapshot([], T0 + 60_000)), 'an empty cycle still counts').toMatchObject({ rows: 0, topSymbol: null, topScore: null });
    expect(track({ ...snapshot(rows, T0 + 90_000), computeMs: 12.5 })?.computeMs, 'the compute time the engine measured').toBe(12.5);
    expect(track(snapshot(rows, T0 + 120_000))?.computeMs, 'an on-demand ranking says nothing').toBeNull();
  });

  it('over a running sim, writes JSON lines with real cycle figures to the log file', async () => {
    const fx = await startApiFixture();
    try {
      const file = join(fx.home, 'logs', 'cycles.log');
      const { logger, flush } = createFileLogger(file, 'info');
      const stop = logScanCycles(fx.host, logger);
      const lines = await until('two scan cycle lines in the file', () => {
        flush();
        let text = '';
        try {
          text = readFileSync(file, 'utf8');
        } catch {
          return null;
        }
        const parsed = text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
        return parsed.length >= 2 ? parsed : null;
      });
      stop();
      const second = lines[1]!;
      expect(second, 'an info line with the cycle figures').toMatchObject({ level: 30, msg: 'scan cycle', profile: expect.any(String), topSymbol: expect.any(String), errorsSinceLastCycle: expect.any(Number) });
      expect(second.cycleIntervalMs, 'cycles are apart in market time').toBe((second.asOfMs as number) - (lines[0]!.asOfMs as number));
      expect(second.symbolsScanned, 'the sim universe was scanned').toBeGreaterThan(0);
      expect(second.computeMs, 'the real engine reports how long the ranking took').toEqual(expect.any(Number));
    } finally {
      await fx.stop();
    }
  }, 120_000);
});
