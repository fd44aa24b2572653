import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '@perpscope/shared';
import { SimulatedClock } from '../../src/core/clock.js';
import { OrderError, TemporaryError } from '../../src/core/errors.js';
import { openStore, type Store, type StoredOrder } from '../../src/store/index.js';
import { deriveClientOrderId, isOwnClientOrderId, OrderLedger, type ExchangeOrderView, type OrderGateway } from '../../src/trading/index.js';
import { tempDir } from './helpers.js';

const SYMBOL = 'ABC/USDT:USDT';

/** A scripted exchange: each call pops the next scripted outcome. */
class FakeGateway implements OrderGateway {
  creates = 0;
  lookups = 0;
  createOutcome: () => Promise<{ exchangeOrderId: string | null }> = async () => ({ exchangeOrderId: 'x1' });
  lookupOutcome: (n: number) => ExchangeOrderView | null = () => null;
  async create(): Promise<{ exchangeOrderId: string | null }> {
    this.creates++;
    return this.createOutcome();
  }
  async lookup(): Promise<ExchangeOrderView | null> {
    this.lookups++;
    return this.lookupOutcome(this.lookups);
  }
  async cancel(): Promise<void> {
    throw new OrderError(ErrorCode.OrderNotFound, 'Cancel failed as the order has been filled');
  }
  async fills() {
    return [];
  }
}

describe('client order ids', () => {
  it('are deterministic, BloFin-valid and recognisable by prefix', () => {
    const parts = { ledger: 'live' as const, tradeId: 'BTC/USDT:USDT|long|1700000000000', leg: 'entry', attempt: 0 };
    const id = deriveClientOrderId(parts);
    expect(id, 'same parts, same id (a restart re-derives it)').toBe(deriveClientOrderId(parts));
    expect(id).toMatch(/^[A-Za-z0-9_]{1,32}$/);
    expect(deriveClientOrderId({ ...parts, attempt: 1 })).not.toBe(id);
    expect(deriveClientOrderId({ ...parts, ledger: 'paper' })).not.toBe(id);
    expect(isOwnClientOrderId(id)).toBe(true);
    expect(isOwnClientOrderId('manual1')).toBe(false);
    expect(() => deriveClientOrderId({ ...parts, attempt: -1 })).toThrow(/attempt/);
  });
});

describe('OrderLedger', () => {
  let dir: { dir: string; cleanup: () => void };
  let store: Store;
  let clock: SimulatedClock;
  let gw: FakeGateway;
  let ledger: OrderLedger;

  beforeEach(() => {
    dir = tempDir();
    store = openStore({ home: dir.dir });
    clock = new SimulatedClock(1_000_000);
    gw = new FakeGateway();
    ledger = new OrderLedger({ store, ledger: 'live', exchange: 'blofin', clock, gateway: gw, maxLookups: 3, lookupBaseMs: 100, random: () => 0.5 });
  });
  afterEach(() => {
    store.close();
    dir.cleanup();
  });

  const intent = (tradeId = 't1'): StoredOrder => ledger.record({ symbol: SYMBOL, side: 'buy', type: 'market', amountBase: 2, tradeId, leg: 'entry' }).order;

  it('resolves a timed-out send by lookups with exponential backoff, then LOST, never resending', async () => {
    gw.createOutcome = async () => {
      throw new TemporaryError(ErrorCode.RequestTimeout, 'timed out');
    };
    const order = intent();
    const done = ledger.submit(order.clientOrderId);
    // Backoff 100, 200 ms (jitter factor 1 with random 0.5): the third lookup is the last.
    for (let i = 0; i < 10; i++) await clock.advance(50);
    await clock.advance(1_000);
    const final = await done;
    expect(final.state).toBe('LOST');
    expect(gw.creates, 'one create only').toBe(1);
    expect(gw.lookups).toBe(3);
    expect(store.orders.transitions(order.clientOrderId).map((t) => t.toState)).toEqual(['NEW', 'SENT', 'UNKNOWN', 'LOST']);
    expect(await ledger.submit(order.clientOrderId), 'submit never resends a non-NEW order').toMatchObject({ state: 'LOST' });
    expect(gw.creates).toBe(1);
  });

  it('counts partial, duplicate and out-of-order fills once; position = sum of unique fills', () => {
    const order = intent();
    ledger.move(order, 'ACK', { reason: 'acknowledged', exchangeOrderId: 'x1' });
    const fill = (id: string, amount: number, price: number, atMs: number) => ledger.toFill({ fillId: id, exchangeOrderId: 'x1', symbol: SYMBOL, side: 'buy', price, amountBase: amount, feeCost: 0, feeCurrency: 'USDT', liquidity: 'taker', atMs }, order);
    const f1 = fill('f1', 0.5, 100, 1);
    const f2 = fill('f2', 1.5, 102, 2);
    expect(ledger.applyFills([f2]).length).toBe(1);
    expect(store.orders.get(order.clientOrderId)?.state, 'partial').toBe('PARTIAL');
    expect(ledger.applyFills([f2, f1, f2, f1]).map((f) => f.fillId), 'only f1 is new').toEqual(['f1']);
    const o = store.orders.get(order.clientOrderId);
    expect(o?.state).toBe('FILLED');
    expect(o?.avgFillPrice).toBeCloseTo((0.5 * 100 + 1.5 * 102) / 2, 12);
    const pos = store.positions.get('live', 'blofin', SYMBOL);
    expect(pos?.sizeBase).toBeCloseTo(2, 12);
    expect(pos?.entryPrice).toBeCloseTo(101.5, 12);
  });

  it('ends a cancel that raced a fill as FILLED', async () => {
    const order = intent();
    ledger.move(order, 'ACK', { reason: 'acknowledged', exchangeOrderId: 'x1' });
    gw.lookupOutcome = () => ({ exchangeOrderId: 'x1', status: 'filled', filledBase: 2, avgFillPrice: 100 });
    expect((await ledger.cancel(order.clientOrderId)).state).toBe('FILLED');
  });

  it('adopts the existing order on a duplicate client-id rejection', async () => {
    gw.createOutcome = async () => {
      throw new OrderError(ErrorCode.InvalidOrder, 'blofin {"code":"102002","msg":"Duplicate customized order ID"}');
    };
    gw.lookupOutcome = () => ({ exchangeOrderId: 'x9', status: 'open', filledBase: 0, avgFillPrice: null });
    const final = await ledger.submit(intent().clientOrderId);
    expect(final).toMatchObject({ state: 'ACK', exchangeOrderId: 'x9' });
    expect(gw.creates).toBe(1);
  });

  it('records a definitive rejection with its reason and does not look it up', async () => {
    gw.createOutcome = async () => {
      throw new OrderError(ErrorCode.InsufficientFunds, 'Insufficient USDT margin');
    };
    const final = await ledger.submit(intent().clientOrderId);
    expect(final.state).toBe('REJECTED');
    expect(final.lastError).toMatch(/Insufficient/);
    expect(gw.lookups).toBe(0);
  });
});
