import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { runEvents } from '../../src/cli/commands/events.js';
import { runCli } from '../../src/cli/runCli.js';
import { SimulatedClock } from '../../src/core/clock.js';
import { openStore, type StoredEvent } from '../../src/store/index.js';
import { captureIo } from './testIo.js';

const T0 = Date.UTC(2025, 0, 10, 12, 0, 0);
const HOUR = 3_600_000;

/** A home whose log holds five events over four hours, of three types, two symbols and both ledgers. */
function seededHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'perpscope-events-'));
  const store = openStore({ home });
  store.events.append({ atMs: T0 - 4 * HOUR, type: 'kill_switch', payload: { on: true, reason: 'manual' } });
  store.events.append({ atMs: T0 - 3 * HOUR, type: 'funding', ledger: 'paper', symbol: 'BTC/USDT:USDT', payload: { rate: 0.0001, paymentUsd: -0.4 } });
  store.events.append({ atMs: T0 - 2 * HOUR, type: 'stop_moved', ledger: 'paper', symbol: 'ETH/USDT:USDT', payload: { from: 3000, to: 3050 } });
  store.events.append({ atMs: T0 - HOUR, type: 'funding', ledger: 'live', symbol: 'ETH/USDT:USDT', payload: { rate: -0.0002, paymentUsd: 0.9 } });
  store.events.append({ atMs: T0 - 1_000, type: 'alert', ledger: 'live', payload: { level: 'error', reason: 'trading_halted', message: 'x'.repeat(400) } });
  store.close();
  return home;
}

const parsed = (lines: readonly string[]) => lines.map((l) => JSON.parse(l) as StoredEvent);

describe('perpscope events', () => {
  it('prints every event as one JSON object per line when piped, in sequence order', async () => {
    const home = seededHome();
    const io = captureIo(false);
    expect(await runEvents({ home }, io)).toBe(5);
    const events = parsed(io.lines);
    expect(events.map((e) => e.type)).toEqual(['kill_switch', 'funding', 'stop_moved', 'funding', 'alert']);
    expect(events.map((e) => e.seq), 'strictly increasing sequence numbers').toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));
    expect(events[1]).toMatchObject({ ledger: 'paper', symbol: 'BTC/USDT:USDT', payload: { rate: 0.0001, paymentUsd: -0.4 } });
  });

  it('narrows by a span back from now, by type, symbol and ledger, each filter applying together', async () => {
    const home = seededHome();
    const clock = new SimulatedClock(T0);
    const since = async (o: Parameters<typeof runEvents>[0]) => {
      const io = captureIo(false);
      await runEvents({ home, ...o }, io, { clock });
      return parsed(io.lines);
    };
    expect((await since({ since: { agoMs: 2.5 * HOUR } })).map((e) => e.type), 'the last two and a half hours').toEqual(['stop_moved', 'funding', 'alert']);
    expect((await since({ since: { atMs: T0 - 3 * HOUR } })).length, 'an absolute time is inclusive').toBe(4);
    expect((await since({ types: ['funding'] })).map((e) => e.ledger)).toEqual(['paper', 'live']);
    expect((await since({ types: ['funding', 'alert'], ledger: 'live' })).map((e) => e.type)).toEqual(['funding', 'alert']);
    expect((await since({ symbol: 'ETH/USDT:USDT', since: { agoMs: 90 * 60_000 } })).map((e) => e.type)).toEqual(['funding']);
    expect(await since({ symbol: 'DOGE/USDT:USDT' }), 'no match prints nothing when piped').toEqual([]);
  });

  it('--limit alone gives the newest events, with --since the first ones from then; both oldest first', async () => {
    const home = seededHome();
    const newest = captureIo(false);
    await runEvents({ home, limit: 2 }, newest);
    expect(parsed(newest.lines).map((e) => e.type)).toEqual(['funding', 'alert']);
    const first = captureIo(false);
    await runEvents({ home, limit: 2, since: { atMs: T0 - 3 * HOUR } }, first, { clock: new SimulatedClock(T0) });
    expect(parsed(first.lines).map((e) => e.type)).toEqual(['funding', 'stop_moved']);
  });

  it('renders a table in a terminal with long payloads cut, and says when nothing matches', async () => {
    const home = seededHome();
    const io = { ...captureIo(true), columns: 200 };
    await runEvents({ home, types: ['alert'] }, io);
    const table = io.lines.join('\n');
    expect(table).toContain('trading_halted');
    expect(table, 'a 400-character message is cut').toContain('…');
    expect(table).not.toContain('x'.repeat(200));
    const none = captureIo(true);
    await runEvents({ home, types: ['nothing_like_this'] }, none);
    expect(none.lines.join('\n')).toMatch(/^no events in .* match$/);
  });

  it('--follow prints events appended after it started, until interrupted', async () => {
    const home = seededHome();
    let interrupt = () => {};
    const io = { ...captureIo(false), interrupted: new Promise<void>((r) => (interrupt = r)) };
    const running = runEvents({ home, follow: true, types: ['alert'] }, io, { followPollMs: 20 });
    await vi.waitFor(() => expect(io.lines).toHaveLength(1), { timeout: 10_000 });
    const writer = openStore({ home });
    writer.events.append({ atMs: T0, type: 'funding', payload: {} });
    writer.events.append({ atMs: T0 + 1, type: 'alert', payload: { level: 'warn', reason: 'manipulation' } });
    writer.close();
    await vi.waitFor(() => expect(io.lines).toHaveLength(2), { timeout: 10_000 });
    expect(parsed(io.lines)[1]?.payload, 'only the new alert; the funding event is filtered out').toEqual({ level: 'warn', reason: 'manipulation' });
    interrupt();
    expect(await running).toBe(2);
  });

  it('refuses a bad --since or --ledger naming the flag, the value and what was expected', async () => {
    const home = seededHome();
    const bad = captureIo(false);
    expect(await runCli(['--home', home, 'events', '--since', 'yesterday'], bad)).not.toBe(0);
    expect(bad.errors.join('\n')).toMatch(/--since: got "yesterday", expected a span back from now \(30m, 12h, 7d, 2w\) or an ISO date/);
    const ledger = captureIo(false);
    expect(await runCli(['--home', home, 'events', '--ledger', 'demo'], ledger)).not.toBe(0);
    expect(ledger.errors.join('\n')).toMatch(/demo.*paper, live/s);
    const ok = captureIo(false);
    expect(await runCli(['--home', home, 'events', '--since', '2025-01-10T10:30:00Z', '--type', 'funding'], ok)).toBe(0);
    expect(parsed(ok.lines).map((e) => e.ledger)).toEqual(['live']);
  });
});
