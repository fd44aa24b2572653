import { describe, expect, it } from 'vitest';
import { runPanic } from '../../sdk/src/cli/commands/panic.js';
import { SystemClock } from '../../sdk/src/core/clock.js';
import { createBlofinClient, startSimExchange } from '../../sdk/src/sim/index.js';
import { openStore } from '../../sdk/src/store/index.js';
import { KillSwitch } from '../../sdk/src/trading/index.js';
import { captureIo } from '../../sdk/test/cli/testIo.js';
import { SIM_KEY, tempDir } from '../../sdk/test/trading/helpers.js';

describe('perpscope panic with the exchange down', () => {
  it('engages and persists the kill switch before touching the network, and reports what it could not do', async () => {
    const t = tempDir();
    // A client aimed at an exchange that has gone away: its port is closed.
    const sim = await startSimExchange({ symbols: 2, seed: 5, startTimeMs: Date.UTC(2026, 0, 5), historyBars: 10, apiKey: SIM_KEY });
    const exchange = createBlofinClient(sim, { enableRateLimit: false, timeout: 2_000 });
    await sim.stop();
    try {
      const io = captureIo(false);
      const report = await runPanic({ live: true, exchange: 'blofin', home: t.dir }, io, { exchange: exchange as never });
      expect(report.failures, 'the exchange could not be reached').toEqual([expect.objectContaining({ target: 'exchange', error: expect.stringContaining('kill switch is on') })]);
      expect(report.closed).toEqual([]);
      expect(JSON.parse(io.lines[0] ?? '{}')).toMatchObject({ type: 'panic', ledger: 'live', killSwitch: true });
      // What a running `perpscope run` on this home reads: the persisted switch is on.
      const store = openStore({ home: t.dir });
      try {
        const state = new KillSwitch({ store, clock: new SystemClock() }).state();
        expect(state).toMatchObject({ on: true, reason: 'panic' });
        expect(store.events.list(), 'the panic is in the event log').toEqual(expect.arrayContaining([expect.objectContaining({ type: 'panic_engaged' })]));
      } finally {
        store.close();
      }
    } finally {
      await exchange.close();
      t.cleanup();
    }
  });
});
