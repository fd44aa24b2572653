import { describe, expect, it } from 'vitest';
import { ProtectionManager } from '../../sdk/src/trading/index.js';
import { entryRisk } from '../../sdk/test/trading/helpers.js';
import { ledgerMatchesExchange, startLiveRig, SYMBOL } from '../../sdk/test/trading/liveRig.js';

const TRADES = 200;
const WALL_BUDGET_MS = 240_000;
const STOP_DEADLINE_MS = 5_000;
const soak = process.env.PERPSCOPE_SOAK === '1';

// About 6,000 requests, a minute or two on a shared 2-core machine: `pnpm test` (scripts/test.sh)
// sets PERPSCOPE_SOAK=1; a bare `vitest run` skips it.
describe.skipIf(!soak)('soak: 200 trades through ccxt blofin under random faults (set PERPSCOPE_SOAK=1)', () => {
  it('ends with 0 duplicate orders, 0 lost fills, every position stopped within N s, and the ledger equal to the exchange', async () => {
    const rig = await startLiveRig({ maxLookups: 6, lookupBaseMs: 20, readRetry: { attempts: 6, baseMs: 20 } }, 77, 500, 30);
    let seed = 99;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    // The venue's lot is in contracts; amounts here are base units.
    const lot = (rig.ex.market(SYMBOL).precision.amount ?? 0.001) * (rig.ex.market(SYMBOL).contractSize ?? 1);
    const pm = new ProtectionManager({ broker: rig.broker, store: rig.store, clock: rig.clock, roundAmount: (_s, a) => Math.floor(a / lot + 1e-9) * lot });
    const unprotectedMs: number[] = [];
    const errors: string[] = [];
    let filled = 0;
    // One random fault per trade, landing before the entry, the protection or the close.
    const inject = (): void => {
      const f = random();
      if (f < 0.15) rig.sim.faults.dropWebsockets();
      else if (f < 0.4) rig.sim.faults.burst429({ count: 1 + Math.floor(random() * 3) });
      else if (f < 0.6) rig.sim.faults.failHttp({ status: 502 + Math.floor(random() * 2), count: 1 + Math.floor(random() * 2) });
      else if (f < 0.85) rig.sim.faults.acceptThenTimeout({ count: 1 });
      else rig.sim.faults.timeoutRequests({ count: 1 });
    };
    const started = Date.now();
    try {
      await rig.broker.start();
      for (let i = 0; filled < TRADES && Date.now() - started < WALL_BUDGET_MS; i++) {
        const tradeId = `soak${i}`;
        const phase = Math.floor(random() * 3);
        try {
          const book = await rig.ex.fetchOrderBook(SYMBOL, 5);
          if (phase === 0) inject();
          const px = ((book.bids[0]?.[0] ?? 0) + (book.asks[0]?.[0] ?? 0)) / 2;
          const side = i % 2 === 0 ? 'long' : 'short';
          const entry = await rig.broker.placeOrder({ symbol: SYMBOL, side: side === 'long' ? 'buy' : 'sell', type: 'market', amountBase: rig.amountBase, tradeId, leg: 'entry', risk: entryRisk(SYMBOL, side, px) });
          if (entry.filledBase <= 0) continue;
          filled++;
          const openedAt = Date.now();
          const dir = side === 'long' ? 1 : -1;
          if (phase === 1) inject();
          await pm.arm({ tradeId, symbol: SYMBOL, side, entryPrice: entry.avgFillPrice ?? px, sizeBase: entry.filledBase, initialStopPrice: px * (1 - dir * 0.05), takeProfits: [{ price: px * (1 + dir * 0.1), fraction: 1 }], breakEven: null, trailing: null });
          await pm.sync(STOP_DEADLINE_MS);
          const stop = rig.store.orders.listByTrade('live', tradeId).find((o) => o.purpose === 'stop_loss' && o.state === 'ACK');
          const flat = !(await rig.broker.fetchPositions()).some((p) => p.symbol === SYMBOL);
          unprotectedMs.push(stop || flat ? Date.now() - openedAt : Number.POSITIVE_INFINITY);
          if (phase === 2) inject();
          await rig.broker.closePosition(SYMBOL, { tradeId });
          await pm.sync(STOP_DEADLINE_MS);
        } catch (err) {
          errors.push((err as Error).message);
          await rig.broker.reconcile().catch(() => undefined);
        }
      }
      rig.sim.faults.reset();
      await rig.broker.reconcile();
      await pm.sync(STOP_DEADLINE_MS);
      await rig.broker.reconcile();
      expect(filled, `trades filled (errors on the way: ${errors.length})`).toBeGreaterThanOrEqual(TRADES);
      const ids = [...rig.sim.accountSnapshot().orders, ...rig.sim.accountSnapshot().triggers].map((o) => o.clientOrderId).filter((id) => id);
      expect(new Set(ids).size, '0 duplicate orders').toBe(ids.length);
      expect(ledgerMatchesExchange(rig.sim, rig.store, rig.ex), 'ledger == exchange, 0 lost fills').toEqual([]);
      expect(Math.max(...unprotectedMs), `no position without its stop for more than ${STOP_DEADLINE_MS} ms`).toBeLessThanOrEqual(STOP_DEADLINE_MS);
      expect(rig.sim.accountSnapshot().triggers.filter((t) => t.state === 'live'), 'no stop left without a position').toEqual([]);
    } finally {
      await rig.stop();
    }
  }, 300_000);
});
