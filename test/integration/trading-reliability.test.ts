import { afterEach, describe, expect, it } from 'vitest';
import type { SimDialectName } from '../../sdk/src/sim/index.js';
import { openStore } from '../../sdk/src/store/index.js';
import { CcxtBroker, deriveClientOrderId } from '../../sdk/src/trading/index.js';
import { entryRisk, permissiveRisk } from '../../sdk/test/trading/helpers.js';
import { KEY, LIVE_DIALECTS, liveClientFor, startLiveRig, SYMBOL, wireClientId, type LiveRig } from '../../sdk/test/trading/liveRig.js';
import { until as waitUntil } from '../support/sim.js';

let rig: LiveRig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

async function mid(r: LiveRig): Promise<number> {
  const book = await r.ex.fetchOrderBook(SYMBOL, 5);
  return ((book.bids[0]?.[0] ?? 0) + (book.asks[0]?.[0] ?? 0)) / 2;
}

const entry = (r: LiveRig, tradeId: string, px: number, leg = 'entry') => ({
  symbol: SYMBOL,
  side: 'buy' as const,
  type: 'market' as const,
  amountBase: r.amountBase,
  tradeId,
  leg,
  risk: entryRisk(SYMBOL, 'long', px),
});

/** A limit price on the market's tick, `factor` times `px`. */
const priceAt = (r: LiveRig, px: number, factor: number): number => Number(r.ex.priceToPrecision(SYMBOL, px * factor));

/** Each dialect's refusal of an order the margin cannot carry, as its own code or text in the ledger's lastError. */
const INSUFFICIENT: Readonly<Record<SimDialectName, RegExp>> = { blofin: /Insufficient/, binanceusdm: /-2019/, bybit: /110007/, htx: /1047/ };

/** The private order channel the follower subscribes to, by each dialect's name for it (what `sim.privateSubscriptions` counts). */
const ORDER_CHANNEL: Readonly<Record<SimDialectName, string>> = { blofin: 'orders', binanceusdm: 'ORDER_TRADE_UPDATE', bybit: 'order', htx: 'orders' };

for (const dialect of LIVE_DIALECTS) {
  // HTX stores only an integer hashed from our client id: an order the ledger never recorded cannot be named, so it is reported foreign, never adopted.
  const adoptsOrphans = dialect !== 'htx';

  describe(`trading reliability through ccxt ${dialect} against SimExchange (${dialect} dialect)`, () => {
    it('RELIABILITY 1: the intent is committed first; a crash before or after the request leaves exactly one order after restart', async () => {
      rig = await startLiveRig({ dialect });
      await rig.broker.start();
      const px = await mid(rig);
      // Crash just before the request: the intent is committed (and marked SENT), nothing reached the exchange.
      const before = rig.broker.orders.record(entry(rig, 'crash-before', px)).order;
      rig.broker.orders.move(before, 'SENT', { reason: 'sending' });
      // Crash just after the request: the exchange holds the order, the ledger still says SENT.
      const after = rig.broker.orders.record(entry(rig, 'crash-after', px)).order;
      rig.broker.orders.move(after, 'SENT', { reason: 'sending' });
      await rig.rawOrder('market', 'buy', rig.amountContracts, undefined, after.clientOrderId);
      const restarted = rig.reopen();
      await restarted.start();
      for (const id of [before.clientOrderId, after.clientOrderId]) {
        expect(await rig.exchangeOrders(id), `exactly one exchange order for ${id}`).toHaveLength(1);
        expect(rig.store.orders.get(id)?.state, 'resolved by client id').toBe('FILLED');
        expect(rig.store.orders.transitions(id)[0]?.toState, 'the intent is the first record').toBe('NEW');
      }
      expect(rig.createRequests(), 'one create for the before-crash order after the lookup, one made before the after-crash').toBe(2);
      expect(await rig.ledgerMatches()).toEqual([]);
    });

    it('RELIABILITY 2: accept-then-timeout sends exactly one create and goes UNKNOWN until resolved', async () => {
      rig = await startLiveRig({ dialect });
      await rig.broker.start();
      const px = await mid(rig);
      rig.sim.faults.acceptThenTimeout({ count: 1 });
      const order = await rig.broker.placeOrder(entry(rig, 'timeout', px));
      expect(rig.createRequests(), 'never a blind resend').toBe(1);
      const states = rig.store.orders.transitions(order.clientOrderId).map((t) => t.toState);
      expect(states, 'NEW -> SENT -> UNKNOWN -> resolved').toEqual(['NEW', 'SENT', 'UNKNOWN', 'FILLED']);
      expect(rig.store.orders.transitions(order.clientOrderId)[2]?.reason).toBe('timeout');
      expect(await rig.ledgerMatches()).toEqual([]);
    });

    it('RELIABILITY 3: an order hidden from the first 2 lookups is adopted; still hidden after N lookups it is LOST, then adopted by reconciliation', async () => {
      rig = await startLiveRig({ dialect, broker: { maxLookups: 4 } });
      await rig.broker.start();
      const px = await mid(rig);
      // The fault counts lookup requests; Bybit's gateway asks order/realtime, then order/history, per lookup.
      const perLookup = dialect === 'bybit' ? 2 : 1;
      rig.sim.faults.acceptThenTimeout({ count: 1 });
      rig.sim.faults.hideOrdersFromLookups({ count: 2 * perLookup });
      const found = await rig.broker.placeOrder(entry(rig, 'hidden', px));
      expect(found.state).toBe('FILLED');
      expect(rig.store.orders.get(found.clientOrderId)?.lookupAttempts, 'two misses, then found').toBe(3);
      expect(rig.createRequests(), 'no second create').toBe(1);

      rig.sim.faults.acceptThenTimeout({ count: 1 });
      rig.sim.faults.hideOrdersFromLookups({ count: 4 * perLookup });
      const lost = await rig.broker.placeOrder(entry(rig, 'lost', px));
      expect(lost.state, 'not found after maxLookups').toBe('LOST');
      expect(rig.createRequests()).toBe(2);
      const report = await rig.broker.reconcile();
      expect(report.errors).toEqual([]);
      expect(rig.store.orders.get(lost.clientOrderId)?.state, 'a LOST order found later is adopted').toBe('FILLED');
      expect(rig.createRequests(), 'still no resend').toBe(2);
      expect(await rig.ledgerMatches()).toEqual([]);
    });

    it('RELIABILITY 4: a duplicate client-id rejection adopts the existing order', async () => {
      rig = await startLiveRig({ dialect });
      await rig.broker.start();
      const px = await mid(rig);
      const id = deriveClientOrderId({ ledger: 'live', tradeId: 'dup', leg: 'entry', attempt: 0 });
      // Binance refuses a client id only while an order carrying it is open (-4116): there the first order rests.
      const rests = dialect === 'binanceusdm';
      const price = rests ? priceAt(rig, px, 0.7) : undefined;
      await rig.rawOrder(rests ? 'limit' : 'market', 'buy', rig.amountContracts, price, id);
      const order = await rig.broker.placeOrder(rests ? { ...entry(rig, 'dup', px), type: 'limit', price } : entry(rig, 'dup', px));
      expect(order.clientOrderId).toBe(id);
      expect(order.state, 'adopted as the exchange has it').toBe(rests ? 'ACK' : 'FILLED');
      expect(rig.store.orders.transitions(id).map((t) => t.reason), 'the rejection was recognised as a duplicate id').toContain('duplicate_id');
      expect(await rig.exchangeOrders(id)).toHaveLength(1);
      expect(await rig.ledgerMatches()).toEqual([]);
    });

    it(`RELIABILITY 5: reconciliation at start ${adoptsOrphans ? 'adopts an orphan with our prefix' : 'reports an orphan as foreign (HTX cannot name it)'} and applies fills made while down`, async () => {
      rig = await startLiveRig({ dialect });
      await rig.broker.start();
      const px = await mid(rig);
      await rig.broker.placeOrder(entry(rig, 'before-down', px));
      // While the app is down: an order of ours the ledger never saw (its db write was lost) and a manual fill.
      const orphan = deriveClientOrderId({ ledger: 'live', tradeId: 'orphan', leg: 'entry', attempt: 0 });
      await rig.rawOrder('limit', 'buy', rig.amountContracts, priceAt(rig, px, 0.7), orphan);
      await rig.rawOrder('market', 'buy', rig.amountContracts * 2, undefined, 'manual1');
      const restarted = rig.reopen();
      await restarted.start();
      if (adoptsOrphans) expect(rig.store.orders.get(orphan)?.state, 'orphan adopted').toBe('ACK');
      else expect(rig.store.orders.get(orphan), 'an integer id cannot name it: not adopted').toBeUndefined();
      expect(await rig.ledgerMatches(), 'ledger == exchange, positions == exchange').toEqual([]);
      const pos = rig.store.positions.get('live', rig.exchangeId, SYMBOL);
      expect(pos?.sizeBase).toBeCloseTo(rig.amountBase * 3, 9);
      // On reconnect it runs again and changes nothing.
      const again = await restarted.reconcile();
      expect(again.adopted).toEqual([]);
      expect(again.fillsApplied).toBe(0);
      expect(again.positionsCorrected).toEqual([]);
      if (!adoptsOrphans) expect(again.foreignOrders, 'the orphan is reported, under its HTX client id').toContain(wireClientId(rig.sim, orphan));
    });

    it('RELIABILITY 5: following the private stream, updates refresh the ledger and a dropped socket triggers reconciliation on reconnect', async () => {
      rig = await startLiveRig({ dialect });
      await rig.broker.start();
      const px = await mid(rig);
      const follower = rig.broker.follow();
      const until = (what: string, ok: () => boolean): Promise<true> => waitUntil(what, () => (ok() ? true : null), 45_000);
            try {
        // Updates sent before the sim has the follower's subscription are not delivered: wait for it.
        await until('the follower to subscribe to orders', () => rig!.sim.privateSubscriptions(ORDER_CHANNEL[dialect]) >= 1);
        const resting = await rig.broker.placeOrder({ ...entry(rig, 'stream', px), type: 'limit', price: priceAt(rig, px, 0.7) });
        expect(resting.state).toBe('ACK');
        // Cancelled outside the app (the exchange's web UI): the stream tells us.
        await rig.ex.cancelOrder(resting.exchangeOrderId ?? '', SYMBOL);
        await until('the stream update', () => rig!.store.orders.get(resting.clientOrderId)?.state === 'CANCELLED');

        const second = await rig.broker.placeOrder({ ...entry(rig, 'stream-2', px), type: 'limit', price: priceAt(rig, px, 0.7) });
        expect(second.state).toBe('ACK');
        rig.sim.faults.dropWebsockets();
        // While the socket is down: one of our orders is cancelled outside the app and, where an orphan can be named, one is placed.
        await rig.ex.cancelOrder(second.exchangeOrderId ?? '', SYMBOL);
        const orphan = deriveClientOrderId({ ledger: 'live', tradeId: 'while-dropped', leg: 'entry', attempt: 0 });
        if (adoptsOrphans) await rig.rawOrder('market', 'buy', rig.amountContracts, undefined, orphan);
        await until('reconciliation after the reconnect', () => follower.reconnects() >= 1 && rig!.store.orders.get(second.clientOrderId)?.state === 'CANCELLED' && (!adoptsOrphans || rig!.store.orders.get(orphan) !== undefined));
        if (adoptsOrphans) expect(rig.store.orders.get(orphan)?.state).toBe('FILLED');
        expect(await rig.ledgerMatches()).toEqual([]);
      } finally {
        await rig.broker.stop();
      }
    });

    it('RELIABILITY 6: orders belong to trades by client id, never by a time window', async () => {
      rig = await startLiveRig({ dialect });
      await rig.broker.start();
      const px = await mid(rig);
      // Two trades on one symbol in flight at once (the policy here allows it): a plain second entry,
      // so the test does not depend on which of the two reaches the exchange first.
      const [a, b] = await Promise.all([rig.broker.placeOrder(entry(rig, 'tradeA', px)), rig.broker.placeOrder(entry(rig, 'tradeB', px))]);
      await rig.rawOrder('market', 'buy', rig.amountContracts, undefined, 'foreign1');
      await rig.broker.reconcile();
      expect(rig.store.orders.listByTrade('live', 'tradeA').map((o) => o.clientOrderId)).toEqual([a.clientOrderId]);
      expect(rig.store.orders.listByTrade('live', 'tradeB').map((o) => o.clientOrderId)).toEqual([b.clientOrderId]);
      for (const o of [a, b]) {
        const fills = rig.store.fills.forOrder(o.clientOrderId);
        expect(fills.reduce((s, f) => s + f.amountBase, 0), 'each trade owns exactly its fills').toBeCloseTo(rig.amountBase, 9);
      }
      const foreign = rig.store.fills.since('live', 0).filter((f) => f.clientOrderId === null);
      expect(foreign.reduce((s, f) => s + f.amountBase, 0), 'a concurrent foreign fill belongs to no trade').toBeCloseTo(rig.amountBase, 9);
    });

    it('RELIABILITY 7: partial and repeated fills are counted once; position = sum of unique fills', async () => {
      rig = await startLiveRig({ dialect });
      await rig.broker.start();
      const px = await mid(rig);
      rig.sim.faults.partialFills({ ratio: 0.5 });
      const order = await rig.broker.placeOrder({ ...entry(rig, 'partial', px), amountBase: rig.amountBase * 2 });
      rig.sim.faults.partialFills({ ratio: 1 });
      expect(order.filledBase, 'half filled').toBeCloseTo(rig.amountBase, 9);
      for (let i = 0; i < 3; i++) {
        await rig.broker.reconcile();
        await rig.broker.orders.refresh(order.clientOrderId);
      }
      // The same fills delivered again, reversed (websocket replay after REST).
      const again = await rig.broker.gateway.fills(rig.store.orders.get(order.clientOrderId)!);
      expect(rig.broker.orders.applyFills(again.reverse().map((f) => rig!.broker.orders.toFill(f, order))), 'nothing new').toEqual([]);
      const fills = rig.store.fills.since('live', 0);
      const sum = fills.reduce((s, f) => s + (f.side === 'buy' ? f.amountBase : -f.amountBase), 0);
      expect(rig.store.positions.get('live', rig.exchangeId, SYMBOL)?.sizeBase).toBeCloseTo(sum, 9);
      expect(await rig.ledgerMatches()).toEqual([]);
    });

    it('RELIABILITY 8: a cancel that loses the race against a fill ends FILLED', async () => {
      rig = await startLiveRig({ dialect });
      await rig.broker.start();
      const px = await mid(rig);
      // The ledger saw the ack but not yet the fill when the cancel went out.
      const { order } = rig.broker.orders.record(entry(rig, 'race', px));
      const placed = await rig.rawOrder('market', 'buy', rig.amountContracts, undefined, order.clientOrderId);
      rig.broker.orders.move(order, 'ACK', { reason: 'acknowledged', exchangeOrderId: placed.id });
      const after = await rig.broker.cancelOrder(order.clientOrderId);
      expect(after.state).toBe('FILLED');
      expect(after.filledBase).toBeCloseTo(rig.amountBase, 9);
      expect(await rig.ledgerMatches()).toEqual([]);
    });

    it('RELIABILITY 11: reads retry through 5xx and 429 with backoff; a write never retries blindly', async () => {
      rig = await startLiveRig({ dialect, broker: { maxLookups: 2 } });
      await rig.broker.start();
      const px = await mid(rig);
      const before = rig.positionsRequests();
      rig.sim.faults.failHttp({ status: 502, count: 2 });
      await expect(rig.broker.fetchPositions()).resolves.toEqual([]);
      expect(rig.positionsRequests() - before, 'two failures then success').toBe(3);
      // Each dialect's own rate-limit answer (BloFin 429, Binance 429 -1003, Bybit 10006, HTX 429 1032).
      rig.sim.faults.burst429({ count: 2 });
      await expect(rig.broker.fetchAccount()).resolves.toMatchObject({ equityUsd: expect.any(Number) });

      // The create itself fails with a 5xx: no retry; the order is looked up, not resent.
      const account = await rig.broker.fetchAccount();
      const positions = await rig.broker.fetchPositions();
      expect(account.equityUsd > 0 && positions.length === 0).toBe(true);
      const creates = rig.createRequests();
      const probe = rig.broker.orders.record(entry(rig, 'write-5xx', px)).order;
      rig.sim.faults.failHttp({ status: 503, count: 1 });
      const result = await rig.broker.orders.submit(probe.clientOrderId);
      expect(rig.createRequests() - creates, 'one create attempt (the failed one)').toBe(1);
      expect(result.state, 'not found after the lookups: lost, never resent').toBe('LOST');
    });

    it('RELIABILITY 11: InsufficientFunds skips the order with a reason', async () => {
      rig = await startLiveRig({ dialect });
      await rig.broker.start();
      const px = await mid(rig);
      const alerts: string[] = [];
      rig.broker.on((e) => e.type === 'alert' && alerts.push(e.reason));
      // The venue's lot is in contracts; amounts here are base units.
      const lot = (rig.ex.market(SYMBOL).precision.amount ?? 0.001) * (rig.ex.market(SYMBOL).contractSize ?? 1);
      const huge = Math.ceil(500_000 / px / lot) * lot;
      const order = await rig.broker.placeOrder({ ...entry(rig, 'too-big', px), amountBase: huge });
      expect(order.state).toBe('REJECTED');
      expect(order.lastError, "the venue's own insufficient-margin refusal").toMatch(INSUFFICIENT[dialect]);
      expect(alerts).toContain('insufficient_funds');
      expect(rig.store.orders.transitions(order.clientOrderId).at(-1)?.reason).toBe('insufficient_funds');
    });

    it('RELIABILITY 11: AuthenticationError halts trading and tells the user', async () => {
      rig = await startLiveRig({ dialect });
      // The right key with the wrong secret: each venue refuses the signature (BloFin 152409, Binance -1022, Bybit 10004, HTX api-signature-not-valid).
      const bad = liveClientFor(rig.sim, { enableRateLimit: false, timeout: 1_500, apiKey: KEY.apiKey, secret: 'wrong-secret', password: KEY.password });
      const store = openStore({ file: `${rig.dir}/bad.sqlite` });
      const broker = new CcxtBroker({ store, clock: rig.clock, risk: permissiveRisk(rig.clock), exchange: bad, exchangeId: dialect, readRetry: { baseMs: 10 } });
      // The markets as the good client read them: Bybit's loadMarkets with a key already reads a signed currency list.
      bad.setMarkets(rig.ex.markets);
      const px = await mid(rig);
      await expect(broker.placeOrder(entry(rig, 'auth', px))).rejects.toMatchObject({ code: 'AUTHENTICATION_FAILED' });
      expect(broker.halted()?.message).toMatch(/refused the API key/);
      const creates = rig.createRequests();
      await expect(broker.placeOrder(entry(rig, 'auth2', px))).rejects.toThrow(/Trading is halted/);
      expect(rig.createRequests(), 'nothing sent while halted').toBe(creates);
      await bad.close();
      store.close();
    });
  });
}
