import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OrderBook } from '@perpscope/shared';
import { SimulatedClock } from '../../src/core/clock.js';
import { openStore, type Store } from '../../src/store/index.js';
import { TemporaryError } from '../../src/core/errors.js';
import { ErrorCode } from '@perpscope/shared';
import { exitReasonOf, PaperBroker, ProtectionManager, type ProtectionPlan } from '../../src/trading/index.js';
import { entryRisk, permissiveRisk, tempDir } from './helpers.js';

const SYMBOL = 'ABC/USDT:USDT';
const book = (mid: number): OrderBook => ({ symbol: SYMBOL, timestampMs: 0, bids: [[mid - 0.01, 100]], asks: [[mid + 0.01, 100]] }) as OrderBook;
const tape = (price: number, atMs: number) => [{ symbol: SYMBOL, id: String(atMs), timestampMs: atMs, price, amount: 100, side: 'sell' }] as never;

describe('ProtectionManager (paper)', () => {
  let dir: { dir: string; cleanup: () => void };
  let store: Store;
  let clock: SimulatedClock;
  let broker: PaperBroker;
  let pm: ProtectionManager;

  const price = async (p: number): Promise<void> => {
    await clock.advance(1_000);
    broker.onOrderBook(SYMBOL, book(p));
    broker.onTrades(SYMBOL, tape(p, clock.nowMs()));
    await pm.onPrice(SYMBOL, p);
  };
  const open = async (tradeId: string): Promise<ProtectionPlan> => {
    await broker.placeOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: 2, tradeId, leg: 'entry', risk: entryRisk(SYMBOL, 'long', 100) });
    return {
      tradeId,
      symbol: SYMBOL,
      side: 'long',
      entryPrice: 100.01,
      sizeBase: 2,
      initialStopPrice: 98,
      takeProfits: [
        { price: 103, fraction: 0.5 },
        { price: 110, fraction: 0.5 },
      ],
      breakEven: { afterR: 1, bufferBps: 10 },
      trailing: { mode: 'bps', bps: 400, minStepBps: 50 },
    };
  };
  const openProtective = (tradeId: string) => store.orders.listByTrade('paper', tradeId).filter((o) => o.reduceOnly && (o.state === 'ACK' || o.state === 'PARTIAL'));

  beforeEach(() => {
    dir = tempDir();
    store = openStore({ home: dir.dir });
    clock = new SimulatedClock(1_700_000_000_000);
    broker = new PaperBroker({ store, clock, risk: permissiveRisk(clock), exchange: 'blofin', market: () => ({ makerFee: 0, takerFee: 0 }) });
    pm = new ProtectionManager({ broker, store, clock });
    broker.onOrderBook(SYMBOL, book(100));
  });
  afterEach(() => {
    store.close();
    dir.cleanup();
  });

  it('arms a reduce-only stop for the whole position and a 50/50 TP ladder', async () => {
    expect(await pm.arm(await open('t1'))).toBe(true);
    const orders = openProtective('t1').sort((a, b) => (a.triggerPrice ?? 0) - (b.triggerPrice ?? 0));
    expect(orders.map((o) => [o.purpose, o.type, o.amountBase, o.triggerPrice])).toEqual([
      ['stop_loss', 'stop_market', 2, 98],
      ['take_profit', 'take_profit_market', 1, 103],
      ['take_profit', 'take_profit_market', 1, 110],
    ]);
  });

  it('scales out at TP1, moves the stop to break-even after 1R + buffer, and trails only by the minimum step', async () => {
    await pm.arm(await open('t1'));
    await price(101);
    expect(pm.plans()[0]?.stopPrice, 'below 1R: unchanged').toBe(98);
    await price(102.1);
    const be = 100.01 * (1 + 10 / 10_000);
    expect(pm.plans()[0]?.stopPrice, 'break-even + buffer after 1R').toBeCloseTo(be, 9);
    const stops = store.orders.listByTrade('paper', 't1').filter((o) => o.purpose === 'stop_loss');
    expect(stops.map((s) => s.state).sort(), 'new stop placed, old one cancelled').toEqual(['ACK', 'CANCELLED']);
    await price(103.2);
    expect(store.positions.get('paper', 'blofin', SYMBOL)?.sizeBase, 'TP1 took half').toBeCloseTo(1, 9);
    expect(pm.plans()[0]?.stopPrice, 'a 4 % trail from 103.2 is below break-even: kept').toBeCloseTo(be, 9);
    await price(108);
    expect(pm.plans()[0]?.stopPrice, 'trailing 4 % under 108').toBeCloseTo(108 * 0.96, 9);
    const before = pm.plans()[0]?.stopAttempt;
    await price(108.1);
    expect(pm.plans()[0]?.stopAttempt, 'a 10 bps nudge is below the minimum step').toBe(before);
    // Each stop names what placed it, so its fill's exit reason says which stop closed the trade.
    const legs = store.orders
      .listByTrade('paper', 't1')
      .filter((o) => o.purpose === 'stop_loss')
      .map((o) => [o.params.leg, o.state]);
    expect(legs).toEqual([
      ['sl', 'CANCELLED'],
      ['breakeven', 'CANCELLED'],
      ['trail', 'ACK'],
    ]);
    const tp1 = store.orders.listByTrade('paper', 't1').find((o) => o.purpose === 'take_profit' && o.state === 'FILLED');
    expect(exitReasonOf(tp1)).toBe('tp1');
    await price(100);
    const closing = store.orders.listByTrade('paper', 't1').find((o) => o.purpose === 'stop_loss' && o.state === 'FILLED');
    expect(exitReasonOf(closing), 'the trailed stop closed the rest').toBe('trail');
  });

  it('trails at most once per amend interval, however often prices arrive', async () => {
    const plan = await open('t2');
    await pm.arm({ ...plan, breakEven: null, takeProfits: [], trailing: { mode: 'bps', bps: 400, minStepBps: 50, minAmendIntervalMs: 5_000 } });
    const mark = async (p: number, afterMs: number) => {
      await clock.advance(afterMs);
      broker.onOrderBook(SYMBOL, book(p));
      await pm.onPrice(SYMBOL, p);
    };
    await mark(104, 1_000);
    expect(pm.plans()[0]?.stopPrice, 'the first trail').toBeCloseTo(104 * 0.96, 9);
    await mark(106, 1_000);
    await mark(108, 1_000);
    expect(pm.plans()[0]?.stopPrice, 'two marks within 5 s of the last amend: held').toBeCloseTo(104 * 0.96, 9);
    await mark(108, 3_000);
    expect(pm.plans()[0]?.stopPrice, '5 s after the last amend, the stop catches up with 108').toBeCloseTo(108 * 0.96, 9);
    const moves = store.events.list({ type: 'stop_moved' }).filter((e) => (e.payload as { tradeId: string }).tradeId === 't2');
    const to = moves.map((e) => (e.payload as { to: number }).to);
    expect(to, 'each amend is in the event log').toHaveLength(2);
    expect(to[0]).toBeCloseTo(104 * 0.96, 9);
    expect(to[1]).toBeCloseTo(108 * 0.96, 9);
  });

  it('a trader\'s move of a planned stop becomes the plan\'s stop: break-even goes on from it, never back to the old level', async () => {
    const plan = await open('m1');
    await pm.arm({ ...plan, trailing: null });
    expect(await pm.moveStopTo('nope', 99), 'no plan: the caller amends the order itself').toBeNull();
    const moved = await pm.moveStopTo('m1', 97);
    expect(moved?.stopPrice, 'looser is the trader\'s call').toBe(97);
    expect(openProtective('m1').filter((o) => o.purpose === 'stop_loss').map((o) => o.triggerPrice), 'one stop, at the new level').toEqual([97]);
    await price(101);
    expect(pm.plans()[0]?.stopPrice, 'under 1 R from the entry (against the first stop at 98): not at break-even yet').toBe(97);
    await price(102.2);
    expect(pm.plans()[0]?.stopPrice, 'break-even from the moved stop').toBeCloseTo(100.01 * 1.001, 9);
    await expect(pm.moveStopTo('m1', Number.NaN)).rejects.toThrow(/stopPrice/);
  });

  it('a drag and a price arriving together take turns: one stop works afterwards, at the later move', async () => {
    const plan = await open('m2');
    await pm.arm({ ...plan, breakEven: null, trailing: { mode: 'bps', bps: 200, minStepBps: 1 } });
    broker.onOrderBook(SYMBOL, book(104));
    // Both start before either has awaited anything: without turns both would replace the first stop.
    const [dragged] = await Promise.all([pm.moveStopTo('m2', 99), pm.onPrice(SYMBOL, 104)]);
    expect(dragged?.stopPrice, 'the drag went first').toBe(99);
    const stops = openProtective('m2').filter((o) => o.purpose === 'stop_loss');
    expect(stops.map((o) => o.triggerPrice), 'one stop working: the trail from 104 after the drag, 2% under it').toEqual([expect.closeTo(104 * 0.98, 9)]);
    expect(pm.plans()[0]?.stopPrice).toBeCloseTo(104 * 0.98, 9);
  });

  it('cancels stops and take-profits when the position closes, and never recreates them', async () => {
    await pm.arm(await open('t1'));
    const close = await broker.closePosition(SYMBOL, { tradeId: 't1' });
    expect(exitReasonOf(close), 'a close without a reason is the trader\'s own').toBe('manual');
    await pm.sync();
    expect(openProtective('t1'), 'no stop without a position').toEqual([]);
    expect(pm.plans()).toEqual([]);
    const count = store.orders.listByTrade('paper', 't1').length;
    await pm.sync();
    await price(90);
    expect(await pm.arm(await open('t1')), 'a closed plan is not re-armed').toBe(false);
    expect(store.orders.listByTrade('paper', 't1').filter((o) => o.purpose === 'stop_loss' || o.purpose === 'take_profit').length).toBe(3);
    expect(store.orders.listByTrade('paper', 't1').length, 'nothing new for the closed trade').toBe(count);
  });

  describe('a stop the venue could not take for a passing reason', () => {
    /** The broker, with its next `failures` stop placements failing as an outage does. */
    const flaky = (failures: number) => {
      let left = failures;
      const place = broker.placeOrder.bind(broker);
      broker.placeOrder = (req) => {
        if (req.type === 'stop_market' && left-- > 0) return Promise.reject(new TemporaryError(ErrorCode.ExchangeUnavailable, 'blofin is down for maintenance'));
        return place(req);
      };
    };
    /** Runs `armed` to its end, moving the clock through each backoff wait as it is entered. */
    const settle = async <T,>(armed: Promise<T>): Promise<T> => {
      let done = false;
      void armed.finally(() => (done = true)).catch(() => undefined);
      for (let i = 0; i < 100 && !done; i++) {
        await new Promise((r) => setImmediate(r));
        if (!done) await clock.advance(500);
      }
      return armed;
    };
    const retries = (tradeId: string) => store.events.list({ type: 'stop_retry' }).filter((e) => (e.payload as { tradeId: string }).tradeId === tradeId);

    it('is tried again after a backoff, and the position stays open with its stop', async () => {
      const plan = await open('r1');
      flaky(1);
      expect(await settle(pm.arm(plan)), 'protected on the second try').toBe(true);
      expect(retries('r1').map((e) => (e.payload as { retry: number; waitMs: number }).waitMs), 'one retry after 500 ms, in the event log').toEqual([500]);
      expect(openProtective('r1').some((o) => o.purpose === 'stop_loss'), 'the stop works').toBe(true);
      expect(store.positions.get('paper', 'blofin', SYMBOL)?.sizeBase, 'no market exit').toBeCloseTo(2, 9);
    });

    const steps = (tradeId: string) =>
      store.events
        .list({})
        .filter((e) => e.type.startsWith('stop_') && (e.payload as { tradeId?: string }).tradeId === tradeId)
        .map((e) => e.type);

    it('once the retries are spent, holds the stop on the mark, and exits at market when the mark crosses it', async () => {
      const plan = await open('r2');
      flaky(100);
      expect(await settle(pm.arm(plan)), 'no stop on the venue').toBe(false);
      expect(retries('r2').map((e) => (e.payload as { waitMs: number }).waitMs), 'waited 500 ms, then 2 s').toEqual([500, 2_000]);
      expect(store.positions.get('paper', 'blofin', SYMBOL)?.sizeBase, 'not exited: the mark trigger holds the stop').toBeCloseTo(2, 9);
      expect(openProtective('r2').map((o) => o.purpose), 'the take-profits still go out').toEqual(['take_profit', 'take_profit']);
      await price(99);
      expect(store.positions.get('paper', 'blofin', SYMBOL)?.sizeBase, 'above the stop: still held').toBeCloseTo(2, 9);
      await price(97.5);
      expect(store.positions.get('paper', 'blofin', SYMBOL), 'the mark crossed 98: closed at market').toBeUndefined();
      expect(exitReasonOf(store.orders.listByTrade('paper', 'r2').find((o) => o.purpose === 'exit'))).toBe('stop_fallback');
      expect(steps('r2'), 'every step in the event log').toEqual(['stop_retry', 'stop_retry', 'stop_mark_trigger', 'stop_mark_triggered', 'stop_fallback']);
    });

    it('puts the stop back on the venue when a later try succeeds, and the hold ends', async () => {
      const plan = await open('r3');
      flaky(4);
      expect(await settle(pm.arm(plan))).toBe(false);
      // 5 s between tries: prices within that time only watch the mark.
      await price(99.5);
      expect(openProtective('r3').some((o) => o.purpose === 'stop_loss'), 'not yet tried again').toBe(false);
      // The try at 5 s fails as well (the fourth failure), the one at 10 s goes through.
      for (let i = 0; i < 10; i++) await price(99.5);
      expect(openProtective('r3').filter((o) => o.purpose === 'stop_loss').map((o) => o.triggerPrice), 'the stop is back at 98').toEqual([98]);
      expect(pm.plans()[0]?.markTrigger, 'the hold ended').toBeUndefined();
      expect(steps('r3')).toEqual(['stop_retry', 'stop_retry', 'stop_mark_trigger', 'stop_retry', 'stop_restored']);
      expect(store.positions.get('paper', 'blofin', SYMBOL)?.sizeBase, 'never exited').toBeCloseTo(2, 9);
    });

    it('moves a held stop by break-even too: the mark is then checked against the new level', async () => {
      const plan = await open('r5');
      flaky(100);
      expect(await settle(pm.arm({ ...plan, trailing: null })), 'no stop on the venue').toBe(false);
      await price(102.2);
      const held = pm.plans()[0];
      expect(held?.markTrigger, 'still held').toBeDefined();
      expect(held?.stopPrice, '1 R up: the held stop is at break-even (entry + 10 bps)').toBeCloseTo(100.01 * 1.001, 9);
      const moved = store.events.list({ type: 'stop_moved' }).filter((e) => (e.payload as { tradeId: string }).tradeId === 'r5');
      expect(moved.map((e) => e.payload)).toEqual([expect.objectContaining({ from: 98, held: true })]);
      await price(99.9);
      expect(store.positions.get('paper', 'blofin', SYMBOL), 'the mark fell through break-even, far above the first stop at 98: closed').toBeUndefined();
      expect(exitReasonOf(store.orders.listByTrade('paper', 'r5').find((o) => o.purpose === 'exit'))).toBe('stop_fallback');
    });

    it('refuses a trader\'s move of a held stop without changing it', async () => {
      const plan = await open('r6');
      flaky(100);
      expect(await settle(pm.arm({ ...plan, trailing: null, breakEven: null }))).toBe(false);
      await expect(pm.moveStopTo('r6', 99)).rejects.toMatchObject({ details: { reason: 'stop_held_by_mark_trigger' } });
      expect(pm.plans()[0]?.stopPrice, 'the held level is unchanged').toBe(98);
    });

    it('exits at market when the hold runs out with the venue still refusing', async () => {
      const plan = await open('r4');
      flaky(1_000);
      expect(await settle(pm.arm(plan))).toBe(false);
      for (let i = 0; i < 70 && store.positions.get('paper', 'blofin', SYMBOL); i++) await price(99.5);
      expect(store.positions.get('paper', 'blofin', SYMBOL), 'closed after the 60 s hold').toBeUndefined();
      const fallback = store.events.list({ type: 'stop_fallback' })[0];
      const trigger = store.events.list({ type: 'stop_mark_trigger' })[0];
      expect((fallback?.atMs ?? 0) - (trigger?.atMs ?? 0), 'the hold lasted 60 s').toBe(60_000);
      expect(steps('r4').filter((t) => t === 'stop_retry').length, 'two backoff retries, then one try every 5 s of the hold').toBe(2 + 11);
    });
  });

  it('exits at market when the stop price is already crossed', async () => {
    const plan = await open('t1');
    await price(97);
    expect(await pm.arm({ ...plan, initialStopPrice: 98 })).toBe(false);
    expect(store.positions.get('paper', 'blofin', SYMBOL), 'emergency exit').toBeUndefined();
    expect(store.events.list({ type: 'alert' }).map((e) => (e.payload as { reason: string }).reason)).toContain('emergency_exit');
    const exit = store.orders.listByTrade('paper', 't1').find((o) => o.purpose === 'exit');
    expect(exitReasonOf(exit), 'no stop could be placed').toBe('stop_fallback');
  });

  it('exits a position whose stop is missing past the deadline', async () => {
    const plan = await open('t1');
    await pm.arm(plan);
    const stop = store.orders.listByTrade('paper', 't1').find((o) => o.purpose === 'stop_loss');
    await broker.cancelOrder(stop?.clientOrderId ?? '');
    await clock.advance(10_000);
    await pm.sync(5_000);
    expect(store.positions.get('paper', 'blofin', SYMBOL)).toBeUndefined();
  });
});
