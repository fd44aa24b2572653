import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { StoreError } from '../../src/core/errors.js';
import type { Fill, OrderIntent, StoredPosition } from '../../src/store/index.js';
import { useStore } from './storeFixture.js';

const intent = (clientOrderId: string, over: Partial<OrderIntent> = {}): OrderIntent => ({
  clientOrderId,
  ledger: 'live',
  exchange: 'blofin',
  symbol: 'BTC/USDT:USDT',
  side: 'buy',
  type: 'market',
  purpose: 'entry',
  tradeId: 'T1',
  amountBase: 0.5,
  price: null,
  triggerPrice: null,
  reduceOnly: false,
  params: { marginMode: 'cross' },
  createdAtMs: 1_000,
  ...over,
});

const fill = (fillId: string, over: Partial<Fill> = {}): Fill => ({
  ledger: 'live',
  exchange: 'blofin',
  fillId,
  clientOrderId: 'psA',
  exchangeOrderId: 'X1',
  symbol: 'BTC/USDT:USDT',
  side: 'buy',
  price: 100,
  amountBase: 0.25,
  feeCost: 0.015,
  feeCurrency: 'USDT',
  liquidity: 'taker',
  atMs: 2_000,
  ...over,
});

describe('orders ledger', () => {
  const store = useStore();

  it('open orders and orders by id are read from a cache that no write can leave stale: own writes, a rolled-back transaction, another connection', () => {
    const o = store().orders;
    o.recordIntent(intent('psA'));
    o.transition('psA', 'SENT', { atMs: 1_001 });
    o.transition('psA', 'ACK', { atMs: 1_002 });
    const open = o.listOpen('live', { exchange: 'blofin', symbol: 'BTC/USDT:USDT' });
    expect(open.map((x) => x.clientOrderId)).toEqual(['psA']);
    expect(Object.isFrozen(open[0]), 'shared objects cannot be changed by a reader').toBe(true);
    expect(o.get('psA')).toBe(o.get('psA'));

    o.transition('psA', 'PARTIAL', { atMs: 1_003, filledBase: 0.1 });
    expect(o.get('psA')?.filledBase, 'own write').toBe(0.1);
    expect(o.listOpen('live', { exchange: 'blofin', symbol: 'BTC/USDT:USDT' })[0]?.state).toBe('PARTIAL');

    expect(() =>
      store().transaction(() => {
        o.transition('psA', 'FILLED', { atMs: 1_004, filledBase: 0.5 });
        expect(o.listOpen('live', { exchange: 'blofin' }), 'inside the transaction the write shows').toEqual([]);
        expect(o.get('psA')?.state).toBe('FILLED');
        throw new Error('abort');
      }),
    ).toThrow('abort');
    expect(o.get('psA')?.state, 'the rollback left no stale FILLED').toBe('PARTIAL');
    expect(o.listOpen('live', { exchange: 'blofin', symbol: 'BTC/USDT:USDT' }).map((x) => x.state)).toEqual(['PARTIAL']);

    const other = new Database(store().file);
    other.prepare(`UPDATE orders SET state = 'CANCELLED' WHERE client_order_id = 'psA'`).run();
    other.close();
    expect(o.get('psA')?.state, 'another connection committed').toBe('CANCELLED');
    expect(o.listOpen('live', { exchange: 'blofin', symbol: 'BTC/USDT:USDT' })).toEqual([]);
  });

  it('records an intent in NEW, idempotently on the client order id', () => {
    const first = store().orders.recordIntent(intent('psA'));
    expect(first.created).toBe(true);
    expect(first.order).toMatchObject({ clientOrderId: 'psA', state: 'NEW', filledBase: 0, lookupAttempts: 0, params: { marginMode: 'cross' } });
    const again = store().orders.recordIntent(intent('psA', { amountBase: 9 }));
    expect(again.created, 'a retry reuses the stored intent').toBe(false);
    expect(again.order.amountBase, 'the first intent is kept').toBe(0.5);
    expect(store().orders.transitions('psA').map((t) => [t.fromState, t.toState])).toEqual([[null, 'NEW']]);
  });

  it('walks NEW -> SENT -> UNKNOWN -> ACK -> PARTIAL -> FILLED and records every step', () => {
    const o = store().orders;
    o.recordIntent(intent('psA'));
    o.transition('psA', 'SENT', { atMs: 1_001 });
    o.transition('psA', 'UNKNOWN', { atMs: 1_002, reason: 'timeout', lastError: 'RequestTimeout' });
    expect(o.noteLookupAttempt('psA', 1_003)).toBe(1);
    expect(o.noteLookupAttempt('psA', 1_004)).toBe(2);
    o.transition('psA', 'ACK', { atMs: 1_005, reason: 'lookup_found', exchangeOrderId: 'X1', lastError: null });
    o.transition('psA', 'PARTIAL', { atMs: 1_006, filledBase: 0.2, avgFillPrice: 100 });
    const progressed = o.transition('psA', 'PARTIAL', { atMs: 1_007, filledBase: 0.4, avgFillPrice: 100.5 });
    expect(progressed.filledBase, 'same-state move updates progress').toBe(0.4);
    const done = o.transition('psA', 'FILLED', { atMs: 1_008, filledBase: 0.5, avgFillPrice: 100.6 });
    expect(done).toMatchObject({ state: 'FILLED', exchangeOrderId: 'X1', filledBase: 0.5, avgFillPrice: 100.6, lookupAttempts: 2, lastError: null, updatedAtMs: 1_008 });
    expect(o.transitions('psA').map((t) => `${t.fromState ?? '-'}>${t.toState}`), 'one row per state change, none for progress').toEqual([
      '->NEW',
      'NEW>SENT',
      'SENT>UNKNOWN',
      'UNKNOWN>ACK',
      'ACK>PARTIAL',
      'PARTIAL>FILLED',
    ]);
    expect(o.transitions('psA')[2]).toMatchObject({ reason: 'timeout', atMs: 1_002 });
    expect(o.getByExchangeId('live', 'blofin', 'X1')?.clientOrderId).toBe('psA');
  });

  it('refuses to leave a final state and changes nothing', () => {
    const o = store().orders;
    o.recordIntent(intent('psA'));
    o.transition('psA', 'FILLED', { atMs: 2, filledBase: 0.5 });
    expect(() => o.transition('psA', 'ACK', { atMs: 3 })).toThrow(StoreError);
    expect(() => o.transition('psA', 'CANCELLED', { atMs: 3 })).toThrow(/cannot move from FILLED to CANCELLED/);
    expect(o.get('psA')?.state).toBe('FILLED');
    expect(o.transitions('psA')).toHaveLength(2);
  });

  it('lets a LOST order be adopted when reconciliation finds it', () => {
    const o = store().orders;
    o.recordIntent(intent('psA'));
    o.transition('psA', 'UNKNOWN', { atMs: 2 });
    o.transition('psA', 'LOST', { atMs: 3 });
    expect(o.transition('psA', 'FILLED', { atMs: 4, reason: 'reconciled', filledBase: 0.5 }).state).toBe('FILLED');
  });

  it('keeps paper and live ledgers apart and lists open orders and trades', () => {
    const o = store().orders;
    o.recordIntent(intent('live1'));
    o.recordIntent(intent('live2', { symbol: 'ETH/USDT:USDT', tradeId: 'T2', createdAtMs: 1_100 }));
    o.recordIntent(intent('paper1', { ledger: 'paper', tradeId: 'T1' }));
    o.recordIntent(intent('live3', { tradeId: 'T1', purpose: 'stop_loss', type: 'stop_market', side: 'sell', reduceOnly: true, triggerPrice: 95, createdAtMs: 1_200 }));
    o.transition('live1', 'FILLED', { atMs: 5, filledBase: 0.5 });
    expect(o.listOpen('live').map((x) => x.clientOrderId)).toEqual(['live2', 'live3']);
    expect(o.listOpen('live', { symbol: 'ETH/USDT:USDT' }).map((x) => x.clientOrderId)).toEqual(['live2']);
    expect(o.listOpen('paper').map((x) => x.clientOrderId)).toEqual(['paper1']);
    expect(o.listByTrade('live', 'T1').map((x) => x.clientOrderId), 'orders belong to trades by id, per ledger').toEqual(['live1', 'live3']);
    expect(o.listByState('live', 'FILLED').map((x) => x.clientOrderId)).toEqual(['live1']);
    expect(o.get('live3')).toMatchObject({ reduceOnly: true, triggerPrice: 95, purpose: 'stop_loss' });
  });

  it('lists the newest orders of one venue in every state, newest first, up to a limit', () => {
    const o = store().orders;
    o.recordIntent(intent('a', { createdAtMs: 1_000 }));
    o.recordIntent(intent('b', { createdAtMs: 3_000 }));
    o.recordIntent(intent('c', { createdAtMs: 2_000 }));
    o.recordIntent(intent('other-venue', { exchange: 'bybit', createdAtMs: 9_000 }));
    o.recordIntent(intent('paper', { ledger: 'paper', createdAtMs: 9_000 }));
    o.transition('b', 'CANCELLED', { atMs: 4_000 });
    o.transition('a', 'REJECTED', { atMs: 4_000, lastError: 'too small' });
    expect(o.listRecent('live', 'blofin', 10).map((x) => [x.clientOrderId, x.state]), 'final states included').toEqual([['b', 'CANCELLED'], ['c', 'NEW'], ['a', 'REJECTED']]);
    expect(o.listRecent('live', 'blofin', 2).map((x) => x.clientOrderId)).toEqual(['b', 'c']);
    expect(o.listRecent('paper', 'blofin', 10).map((x) => x.clientOrderId)).toEqual(['paper']);
  });

  it('rejects a non-positive amount at the schema level', () => {
    expect(() => store().orders.recordIntent(intent('bad', { amountBase: 0 }))).toThrow(/CHECK constraint/);
  });
});

describe('fills', () => {
  const store = useStore();

  it('stores each exchange fill id once, so duplicates are counted once', () => {
    store().orders.recordIntent(intent('psA'));
    expect(store().fills.insert(fill('f1'))).toBe(true);
    expect(store().fills.insert(fill('f1', { amountBase: 99 })), 'a replayed fill is ignored').toBe(false);
    const fresh = store().fills.insertMany([fill('f2', { atMs: 2_500 }), fill('f1'), fill('f2'), fill('f3', { atMs: 3_000 })]);
    expect(fresh.map((f) => f.fillId)).toEqual(['f2', 'f3']);
    const all = store().fills.forOrder('psA');
    expect(all.map((f) => f.fillId)).toEqual(['f1', 'f2', 'f3']);
    expect(all.reduce((s, f) => s + f.amountBase, 0), 'position = sum of unique fills').toBe(0.75);
    expect(store().fills.get('live', 'blofin', 'f1')).toEqual(fill('f1'));
    expect(store().fills.since('live', 2_500).map((f) => f.fillId)).toEqual(['f2', 'f3']);
  });

  it('lists the newest fills of one venue first, up to a limit', () => {
    store().orders.recordIntent(intent('psA'));
    store().fills.insertMany([fill('f1', { atMs: 1_000 }), fill('f3', { atMs: 3_000 }), fill('f2', { atMs: 2_000 }), fill('elsewhere', { exchange: 'bybit', atMs: 9_000 })]);
    expect(store().fills.recent('live', 'blofin', 10).map((f) => f.fillId)).toEqual(['f3', 'f2', 'f1']);
    expect(store().fills.recent('live', 'blofin', 1).map((f) => f.fillId)).toEqual(['f3']);
    expect(store().fills.recent('paper', 'blofin', 10)).toEqual([]);
  });

  it('keeps the same fill id apart across ledgers', () => {
    store().orders.recordIntent(intent('psA'));
    expect(store().fills.insert(fill('f1'))).toBe(true);
    expect(store().fills.insert(fill('f1', { ledger: 'paper', clientOrderId: null }))).toBe(true);
  });

  it('refuses a fill for an order that is not in the ledger', () => {
    expect(() => store().fills.insert(fill('f1', { clientOrderId: 'nope' }))).toThrow(/FOREIGN KEY/);
  });
});

describe('positions and account snapshots', () => {
  const store = useStore();
  const position: StoredPosition = {
    ledger: 'paper',
    exchange: 'blofin',
    symbol: 'BTC/USDT:USDT',
    side: 'long',
    sizeBase: 0.5,
    entryPrice: 100.2,
    leverage: 3,
    marginMode: 'isolated',
    realizedPnlUsd: -0.3,
    liquidationPrice: 68.1,
    tradeId: 'T1',
    openedAtMs: 1_000,
    updatedAtMs: 1_500,
    extra: { stopPrice: 97, tp: [103, 106] },
  };

  it('round-trips one position per symbol and removes it on close', () => {
    store().positions.upsert(position);
    store().positions.upsert({ ...position, sizeBase: 0.75, updatedAtMs: 2_000 });
    store().positions.upsert({ ...position, ledger: 'live' });
    expect(store().positions.get('paper', 'blofin', 'BTC/USDT:USDT')).toEqual({ ...position, sizeBase: 0.75, updatedAtMs: 2_000 });
    expect(store().positions.list('paper')).toHaveLength(1);
    expect(store().positions.list('live', 'other')).toEqual([]);
    expect(store().positions.remove('paper', 'blofin', 'BTC/USDT:USDT')).toBe(true);
    expect(store().positions.get('paper', 'blofin', 'BTC/USDT:USDT')).toBeUndefined();
    expect(store().positions.list('live')).toHaveLength(1);
  });

  it('stores account snapshots and finds the latest and the first of a day', () => {
    const snap = (atMs: number, equityUsd: number) => ({
      ledger: 'paper' as const,
      exchange: 'blofin',
      atMs,
      equityUsd,
      balanceUsd: 1_000,
      availableUsd: 900,
      unrealizedPnlUsd: equityUsd - 1_000,
      realizedPnlUsd: 0,
    });
    store().accountSnapshots.insert(snap(10, 1_000));
    const id = store().accountSnapshots.insert(snap(86_400_000 + 5, 1_010));
    store().accountSnapshots.insert(snap(86_400_000 + 50, 990));
    expect(store().accountSnapshots.latest('paper', 'blofin')?.equityUsd).toBe(990);
    expect(store().accountSnapshots.firstSince('paper', 'blofin', 86_400_000)).toEqual({ id, ...snap(86_400_000 + 5, 1_010), payload: {} });
    expect(store().accountSnapshots.range('paper', 'blofin', 0, 86_400_000 + 5).map((s) => s.equityUsd)).toEqual([1_000, 1_010]);
    expect(store().accountSnapshots.latest('live', 'blofin')).toBeUndefined();
  });
});

describe('event log', () => {
  const store = useStore();

  it('appends with increasing sequence numbers and lists by type and cursor', () => {
    const a = store().events.append({ atMs: 1, type: 'signal', symbol: 'BTC/USDT:USDT', payload: { score: 6 } });
    const b = store().events.append({ atMs: 2, type: 'order', ledger: 'live', payload: { id: 'psA' } });
    const c = store().events.append({ atMs: 3, type: 'signal' });
    expect([a, b, c]).toEqual([1, 2, 3]);
    expect(store().events.lastSeq()).toBe(3);
    expect(store().events.list({ type: 'signal' }).map((e) => e.seq)).toEqual([1, 3]);
    expect(store().events.list({ afterSeq: 1 })[0]).toEqual({ seq: 2, atMs: 2, type: 'order', ledger: 'live', symbol: null, payload: { id: 'psA' } });
  });

  it('rejects UPDATE and DELETE at the database level', () => {
    store().events.append({ atMs: 1, type: 'order', payload: { id: 'psA' } });
    store().orders.recordIntent(intent('psA'));
    const db = new Database(store().file);
    expect(() => db.prepare(`UPDATE events SET type = 'forged'`).run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM events').run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM order_transitions').run(), 'order history is append-only too').toThrow(/append-only/);
    expect(() => db.prepare(`UPDATE order_transitions SET to_state = 'FILLED'`).run()).toThrow(/append-only/);
    db.close();
    expect(store().events.list()).toHaveLength(1);
    expect(store().orders.transitions('psA')).toHaveLength(1);
  });
});
