import { describe, expect, it } from 'vitest';
import { runPanic } from '../../sdk/src/cli/commands/panic.js';
import { createBlofinClient } from '../../sdk/src/sim/index.js';
import { entryRisk } from '../../sdk/test/trading/helpers.js';
import { startLiveRig, SYMBOL } from '../../sdk/test/trading/liveRig.js';
import { captureIo } from '../../sdk/test/cli/testIo.js';

describe('perpscope panic --live (ccxt blofin against SimExchange)', () => {
  it('reconciles, cancels resting orders and closes the position reduce-only on the exchange', async () => {
    const rig = await startLiveRig();
    try {
      // A "previous process" opened a position and left a resting order behind.
      await rig.broker.start();
      const book = await rig.ex.fetchOrderBook(SYMBOL, 5);
      const px = book.asks[0]![0]!;
      await rig.broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: rig.amountBase, tradeId: 'p1', leg: 'entry', risk: entryRisk(SYMBOL, 'long', px) });
      await rig.broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', price: px * 0.9, amountBase: rig.amountBase, tradeId: 'p2', leg: 'entry', risk: entryRisk(SYMBOL, 'long', px * 0.9) });
      await rig.broker.stop();
      const open = () => rig.sim.accountSnapshot().positions.filter((p) => Number(p.positions) !== 0);
      expect(open().length, 'a position is open before panic').toBe(1);

      const io = captureIo(false);
      const exchange = createBlofinClient(rig.sim, { enableRateLimit: false, timeout: 2_000 });
      try {
        const report = await runPanic({ live: true, exchange: 'blofin', home: rig.dir }, io, { exchange: exchange as never });
        expect(report.failures).toEqual([]);
        expect(report.closed).toEqual([SYMBOL]);
        expect(report.cancelled.length, 'the resting limit was cancelled').toBe(1);
        expect(JSON.parse(io.lines[0]!)).toMatchObject({ type: 'panic', ledger: 'live', killSwitch: true });
      } finally {
        await exchange.close();
      }
      expect(open(), 'flat on the exchange after panic').toEqual([]);
      const liveOrders = rig.sim.accountSnapshot().orders.filter((o) => o.state === 'live' || o.state === 'partially_filled');
      expect(liveOrders, 'no resting order left on the exchange').toEqual([]);
    } finally {
      await rig.stop();
    }
  });
});
