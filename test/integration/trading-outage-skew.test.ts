import { afterEach, describe, expect, it } from 'vitest';
import { PerpscopeError } from '../../sdk/src/core/errors.js';
import type { SimDialectName } from '../../sdk/src/sim/index.js';
import type { BrokerEvent } from '../../sdk/src/trading/index.js';
import { entryRisk } from '../../sdk/test/trading/helpers.js';
import { LIVE_DIALECTS, liveClientFor, startLiveRig, SYMBOL, type LiveRig } from '../../sdk/test/trading/liveRig.js';

let rig: LiveRig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

async function mid(r: LiveRig): Promise<number> {
  const book = await r.ex.fetchOrderBook(SYMBOL, 5);
  return ((book.bids[0]?.[0] ?? 0) + (book.asks[0]?.[0] ?? 0)) / 2;
}

const entry = (r: LiveRig, tradeId: string, px: number) => ({
  symbol: SYMBOL,
  side: 'buy' as const,
  type: 'market' as const,
  amountBase: r.amountBase,
  tradeId,
  leg: 'entry',
  risk: entryRisk(SYMBOL, 'long', px),
});

async function refusal(p: Promise<unknown>): Promise<PerpscopeError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof PerpscopeError) return err;
    throw err;
  }
  throw new Error('expected the order to be refused');
}

/**
 * How each venue refuses a signed request stamped outside its window: ccxt's class, the code in
 * its message, and the request log's `status code` for the refusal and for an accepted private
 * answer (Binance's and HTX's successes carry no code). HTX's gateway answers a stale timestamp
 * with `api-signature-not-valid`, which ccxt's htx files as AuthenticationError.
 */
const TIMESTAMP_REFUSAL: Readonly<Record<SimDialectName, { ccxtClass: string; code: string; logged: string; ok: string }>> = {
  blofin: { ccxtClass: 'InvalidNonce', code: '152405', logged: '200 152405', ok: '200 0' },
  binanceusdm: { ccxtClass: 'InvalidNonce', code: '-1021', logged: '400 -1021', ok: '200 ' },
  bybit: { ccxtClass: 'InvalidNonce', code: '10002', logged: '200 10002', ok: '200 0' },
  htx: { ccxtClass: 'AuthenticationError', code: 'Invalid Timestamp', logged: '200 ', ok: '200 ' },
};

for (const dialect of LIVE_DIALECTS) {
  describe(`outages and clock skew through ccxt ${dialect} against SimExchange (${dialect} dialect)`, () => {
    it('RELIABILITY 13: an outage pauses entries (exits still go out); reconciliation runs before entries resume', async () => {
      rig = await startLiveRig({ dialect });
      const r = rig;
      await r.broker.start();
      const px = await mid(r);
      // Resting entry far below the market: the exchange will cancel it while we cannot see it.
      const resting = await r.broker.placeOrder({ ...entry(r, 'resting', px), type: 'limit', price: Number(r.ex.priceToPrecision(SYMBOL, px * 0.97)) });
      expect(resting.state, 'resting limit acknowledged').toBe('ACK');
      await r.broker.placeOrder(entry(r, 'held', px));

      r.sim.faults.failHttp({ status: 503, count: 1_000 });
      await expect(r.broker.fetchAccount(), 'reads fail during the outage').rejects.toThrow();
      expect(r.broker.paused()?.reason, 'the outage paused new entries').toBe('exchange_unavailable');
      const createsBefore = r.createRequests();
      const refused = await refusal(r.broker.placeOrder(entry(r, 'during-outage', px)));
      expect(refused.details.reason, 'machine-readable refusal').toBe('exchange_unavailable');
      expect(r.createRequests(), 'nothing sent for the refused entry').toBe(createsBefore);
      expect(r.store.orders.listByTrade('live', 'during-outage'), 'no intent recorded for the refused entry').toEqual([]);

      // The exchange is back, but the broker has not probed yet. While down, the resting order was cancelled.
      r.sim.faults.reset();
      const other = liveClientFor(r.sim, { enableRateLimit: false });
      await other.loadMarkets();
      await other.cancelOrder(resting.exchangeOrderId ?? '', SYMBOL);
      await other.close();
      expect(r.store.orders.get(resting.clientOrderId)?.state, 'the ledger has not seen the cancel yet').toBe('ACK');

      // A reduce-only exit does not wait for the probe.
      const exit = await r.broker.placeOrder({ ...entry(r, 'held', px), side: 'sell', reduceOnly: true, purpose: 'exit', leg: 'close' });
      expect(exit.state, 'exit went through while entries were paused').toBe('FILLED');
      expect(r.broker.paused(), 'an exit does not end the pause').not.toBeNull();

      const events: string[] = [];
      r.broker.on((e: BrokerEvent) => {
        if (e.type === 'order') events.push(`${e.order.clientOrderId}:${e.order.state}`);
      });
      const next = await r.broker.placeOrder(entry(r, 'after-outage', px));
      expect(next.state, 'entry accepted after recovery').toBe('FILLED');
      expect(r.broker.paused(), 'pause cleared').toBeNull();
      const cancelSeen = events.indexOf(`${resting.clientOrderId}:CANCELLED`);
      const entrySent = events.indexOf(`${next.clientOrderId}:NEW`);
      expect(cancelSeen, 'reconciliation applied the cancel made while down').toBeGreaterThanOrEqual(0);
      expect(entrySent, 'the next entry was recorded').toBeGreaterThan(cancelSeen);
      expect(r.store.orders.get(resting.clientOrderId)?.state).toBe('CANCELLED');
      expect(await r.ledgerMatches()).toEqual([]);
    });

    it('RELIABILITY 15: clock skew is measured from the Date header and corrected; a timestamp-rejected create is retried once under the same id', async () => {
      rig = await startLiveRig({ dialect });
      const r = rig;
      await r.broker.start();
      expect(Math.abs(r.broker.clockSync.measuredOffsetMs), 'no skew measured without the fault').toBeLessThan(2_000);
      expect(r.broker.clockSync.offsetMs, 'and none applied: the header cannot resolve less than a second, so every process on the machine keeps one clock').toBe(0);
      const refusedAs = TIMESTAMP_REFUSAL[dialect];
      // Past every venue's window: HTX takes timestamps within 5 minutes, the others within a minute or less.
      const skewMs = dialect === 'htx' ? 400_000 : 120_000;
      // Markets are read before the skew: Bybit's loadMarkets with a key makes a signed request.
      const plain = liveClientFor(r.sim, { enableRateLimit: false });
      await plain.loadMarkets();
      r.sim.faults.clockSkew(skewMs);

      // Without correction a signed request is refused for its timestamp.
      const rejected = await plain.fetchBalance().then(
        () => null,
        (err: unknown) => err as Error,
      );
      expect(rejected?.constructor.name, `uncorrected timestamps are rejected as ccxt ${refusedAs.ccxtClass}`).toBe(refusedAs.ccxtClass);
      expect(rejected?.message, "with the venue's timestamp code").toContain(refusedAs.code);
      await plain.close();

      const logBefore = r.sim.requestLog().length;
      const account = await r.broker.fetchAccount();
      expect(account.equityUsd, 'the private read succeeded after correction').toBeGreaterThan(0);
      const privateAnswers = r.sim
        .requestLog()
        .slice(logBefore)
        .filter((e) => e.private)
        .map((e) => `${e.status} ${e.code ?? ''}`);
      // Refused for the timestamp (once per read in flight: Bybit's account read sends two at once), then, after one re-measure, accepted.
      if (refusedAs.logged !== refusedAs.ok) {
        const firstOk = privateAnswers.indexOf(refusedAs.ok);
        expect(firstOk, `refused first, then accepted: ${privateAnswers.join(', ')}`).toBeGreaterThan(0);
        expect(privateAnswers.slice(0, firstOk).every((a) => a === refusedAs.logged), 'only timestamp refusals before').toBe(true);
        expect(privateAnswers.slice(firstOk).every((a) => a === refusedAs.ok), 'and none after the correction').toBe(true);
      } else expect(privateAnswers.length, 'a refused read and its accepted retry (the log keeps no HTX err-code to tell them apart)').toBeGreaterThanOrEqual(2);
      expect(Math.abs(r.broker.clockSync.offsetMs - skewMs), 'measured skew within 2 s of the injected one').toBeLessThan(2_000);

      // The clock jumps the other way: the create is rejected for its timestamp (so never accepted),
      // re-measured, and sent once more under the same client id.
      const px = await mid(r);
      const createsBefore = r.createRequests();
      // Shift the clock between the pre-trade reads and the create itself.
      const off = r.broker.on((e: BrokerEvent) => {
        if (e.type === 'order' && e.order.state === 'SENT') r.sim.faults.clockSkew(-skewMs);
      });
      const order = await r.broker.placeOrder(entry(r, 'skewed-create', px));
      off();
      expect(order.state, 'the order filled after the correction').toBe('FILLED');
      expect(r.createRequests() - createsBefore, 'one rejected create, one accepted').toBe(2);
      expect(Math.abs(r.broker.clockSync.offsetMs + skewMs), 'measured the new skew').toBeLessThan(2_000);
      // The exchange-side checks read the venue with a client of their own, which does not correct its clock.
      r.sim.faults.clockSkew(0);
      expect(await r.exchangeOrders(order.clientOrderId), 'exactly one exchange order').toHaveLength(1);
      expect(await r.ledgerMatches()).toEqual([]);
    });

    it('RELIABILITY: a burst of refused orders halts new entries with an alert (exits still go out) until resumed', async () => {
      rig = await startLiveRig({ dialect, broker: { errorBurst: { maxErrors: 3, windowMs: 60_000 } } });
      const r = rig;
      await r.broker.start();
      const alerts: Extract<BrokerEvent, { type: 'alert' }>[] = [];
      r.broker.on((e) => e.type === 'alert' && alerts.push(e));
      const px = await mid(r);
      await r.broker.placeOrder(entry(r, 'held', px));
      // Far more than the 100,000 USDT account carries: the exchange refuses each one itself.
      const oversized = (i: number) => ({ ...entry(r, `oversized-${i}`, px), amountBase: r.amountBase * 9_000 });
      for (let i = 0; i < 3; i++) {
        const res = await r.broker.placeOrder(oversized(i)).catch((e: unknown) => e);
        expect(res instanceof PerpscopeError ? res.code : (res as { state: string }).state, 'the exchange refused it').not.toBe('FILLED');
      }
      expect(r.broker.halted()?.reason, 'three refusals in a minute halt entries').toBe('error_burst');
      expect(alerts.map((a) => a.reason)).toContain('trading_halted');
      const creates = r.createRequests();
      const refused = await refusal(r.broker.placeOrder(entry(r, 'after-burst', px)));
      expect(refused.details.reason, 'machine-readable').toBe('trading_halted');
      expect(r.createRequests(), 'nothing sent').toBe(creates);
      const exit = await r.broker.closePosition(SYMBOL, { tradeId: 'held' });
      expect(exit?.state, 'an exit still goes out').toBe('FILLED');
      r.broker.resume();
      expect(r.broker.halted()).toBeNull();
      const again = await r.broker.placeOrder(entry(r, 'resumed', px));
      expect(again.state, 'entries resume').toBe('FILLED');
    });
  });
}
