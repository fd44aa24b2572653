import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { IN_MEMORY, OrderState, openStore, type OrderIntent, type StoredPosition } from '../../src/store/index.js';
import { useStore } from './storeFixture.js';

const position = (symbol: string, over: Partial<StoredPosition> = {}): StoredPosition => ({
  ledger: 'paper',
  exchange: 'binance',
  symbol,
  side: 'long',
  sizeBase: 1,
  entryPrice: 100,
  leverage: 2,
  marginMode: 'cross',
  realizedPnlUsd: 0,
  liquidationPrice: null,
  tradeId: `T-${symbol}`,
  openedAtMs: 1_000,
  updatedAtMs: 1_000,
  extra: { lastFundingMs: 0, plan: { stops: [1, 2] } },
  ...over,
});

describe('settings.peek (cached, read-only settings)', () => {
  const store = useStore();

  it('serves shared frozen values that no write can leave stale: own writes, deletes, a rolled-back transaction, another connection', () => {
    const s = store().settings;
    expect(s.peek('plans'), 'an unset key').toBeUndefined();
    s.set('plans', { T1: { stopPrice: 90, legs: [1, 2] } }, 1_000);
    const first = s.peek('plans') as { T1: { stopPrice: number; legs: number[] } };
    expect(first).toEqual({ T1: { stopPrice: 90, legs: [1, 2] } });
    expect(s.peek('plans'), 'served from the cache between writes').toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first.T1) && Object.isFrozen(first.T1.legs), 'a shared value cannot be changed by a reader').toBe(true);
    expect(() => {
      first.T1.stopPrice = 1;
    }, 'writing to a peeked value throws instead of corrupting the cache').toThrow(TypeError);
    expect(s.get('plans'), 'get still hands out a private copy').not.toBe(s.get('plans'));

    s.set('plans', { T1: { stopPrice: 95, legs: [1, 2] } }, 1_001);
    expect((s.peek('plans') as typeof first).T1.stopPrice, 'own write').toBe(95);

    expect(() =>
      store().transaction(() => {
        s.set('plans', { T1: { stopPrice: 99, legs: [] } }, 1_002);
        expect((s.peek('plans') as typeof first).T1.stopPrice, 'inside the transaction the write shows').toBe(99);
        throw new Error('abort');
      }),
    ).toThrow('abort');
    expect((s.peek('plans') as typeof first).T1.stopPrice, 'the rollback left no stale value').toBe(95);

    const other = new Database(store().file);
    other.prepare(`UPDATE settings SET value_json = '{"T1":{"stopPrice":80,"legs":[]}}' WHERE key = 'plans'`).run();
    other.close();
    expect((s.peek('plans') as typeof first).T1.stopPrice, 'another connection committed').toBe(80);

    expect(s.delete('plans')).toBe(true);
    expect(s.peek('plans'), 'deleted').toBeUndefined();
    s.set('plans', 3, 1_003);
    expect(s.peek('plans'), 'an unset key cached as unset is refreshed by a set').toBe(3);
  });
});

describe('positions (cached reads)', () => {
  const store = useStore();

  it('reads positions from a cache that no write can leave stale: own upserts and removes, a rolled-back transaction, another connection', () => {
    const p = store().positions;
    p.upsert(position('ETH/USDT:USDT'));
    p.upsert(position('BTC/USDT:USDT', { side: 'short' }));
    const listed = p.list('paper');
    expect(listed.map((x) => x.symbol), 'ordered by exchange and symbol').toEqual(['BTC/USDT:USDT', 'ETH/USDT:USDT']);
    expect(p.get('paper', 'binance', 'ETH/USDT:USDT'), 'the same shared object').toBe(listed[1]);
    expect(Object.isFrozen(listed[1]) && Object.isFrozen(listed[1]!.extra) && Object.isFrozen(listed[1]!.extra.plan), 'shared positions cannot be changed by a reader').toBe(true);
    listed.pop();
    expect(p.list('paper'), 'a caller changing the returned array leaves the cache alone').toHaveLength(2);
    expect(p.list('live'), 'another ledger').toEqual([]);
    expect(p.list('paper', 'bybit'), 'filtered by exchange').toEqual([]);

    p.upsert({ ...p.get('paper', 'binance', 'ETH/USDT:USDT')!, sizeBase: 3, liquidationPrice: 40 });
    expect(p.get('paper', 'binance', 'ETH/USDT:USDT')).toMatchObject({ sizeBase: 3, liquidationPrice: 40 });
    expect(p.remove('paper', 'binance', 'BTC/USDT:USDT')).toBe(true);
    expect(p.get('paper', 'binance', 'BTC/USDT:USDT'), 'own remove').toBeUndefined();

    expect(() =>
      store().transaction(() => {
        p.remove('paper', 'binance', 'ETH/USDT:USDT');
        expect(p.get('paper', 'binance', 'ETH/USDT:USDT'), 'inside the transaction the remove shows').toBeUndefined();
        expect(p.list('paper')).toEqual([]);
        throw new Error('abort');
      }),
    ).toThrow('abort');
    expect(p.get('paper', 'binance', 'ETH/USDT:USDT')?.sizeBase, 'the rollback left no stale removal').toBe(3);

    const other = new Database(store().file);
    other.prepare(`UPDATE positions SET size_base = 7 WHERE symbol = 'ETH/USDT:USDT'`).run();
    other.close();
    expect(p.get('paper', 'binance', 'ETH/USDT:USDT')?.sizeBase, 'another connection committed').toBe(7);
    expect(p.list('paper')[0]?.sizeBase).toBe(7);
  });
});

describe('caches inside a transaction on a private in-memory database (a backtest ledger)', () => {
  const order = (clientOrderId: string, symbol: string): OrderIntent => ({
    clientOrderId,
    ledger: 'paper',
    exchange: 'binance',
    symbol,
    side: 'sell',
    type: 'stop_market',
    purpose: 'stop_loss',
    tradeId: `T-${symbol}`,
    amountBase: 1,
    price: null,
    triggerPrice: 90,
    reduceOnly: true,
    params: { leverage: 2 },
    createdAtMs: 1_000,
  });

  it('serves what was kept before the transaction, shows its own writes, and keeps nothing a rollback undoes', () => {
    const store = openStore({ file: IN_MEMORY });
    try {
      const { settings, positions, orders } = store;
      settings.set('account', { balanceUsd: 100 }, 1_000);
      positions.upsert(position('ETH/USDT:USDT'));
      orders.recordIntent(order('psA', 'ETH/USDT:USDT'));
      orders.transition('psA', OrderState.Ack, { atMs: 1_001 });
      const account = settings.peek('account');
      const eth = positions.get('paper', 'binance', 'ETH/USDT:USDT');
      const open = orders.listOpen('paper', { exchange: 'binance', symbol: 'ETH/USDT:USDT' });
      const byId = orders.get('psA');
      expect(open.map((o) => o.clientOrderId)).toEqual(['psA']);

      expect(() =>
        store.transaction(() => {
          expect(settings.peek('account'), 'a kept setting is served inside the transaction').toBe(account);
          expect(positions.get('paper', 'binance', 'ETH/USDT:USDT'), 'a kept position is served').toBe(eth);
          expect(orders.get('psA'), 'a kept order is served').toBe(byId);
          expect(orders.listOpen('paper', { exchange: 'binance', symbol: 'ETH/USDT:USDT' })[0], 'a kept open-order list is served').toBe(open[0]);

          settings.set('account', { balanceUsd: 50 }, 1_002);
          positions.upsert({ ...eth!, sizeBase: 4 });
          orders.transition('psA', OrderState.Cancelled, { atMs: 1_002, reason: 'user_cancel' });
          positions.upsert(position('SOL/USDT:USDT'));
          expect(settings.peek('account'), 'its own setting write shows').toEqual({ balanceUsd: 50 });
          expect(positions.get('paper', 'binance', 'ETH/USDT:USDT')?.sizeBase, 'its own position write shows').toBe(4);
          expect(positions.get('paper', 'binance', 'SOL/USDT:USDT')?.symbol, 'a position it added shows').toBe('SOL/USDT:USDT');
          expect(orders.get('psA')?.state, 'its own order write shows').toBe(OrderState.Cancelled);
          expect(orders.listOpen('paper', { exchange: 'binance', symbol: 'ETH/USDT:USDT' }), 'the cancelled order left the open list').toEqual([]);
          expect(orders.listOpen('paper'), 'and the ledger-wide one').toEqual([]);
          throw new Error('abort');
        }),
      ).toThrow('abort');

      expect(settings.peek('account'), 'rolled back: the setting').toEqual({ balanceUsd: 100 });
      expect(positions.get('paper', 'binance', 'ETH/USDT:USDT')?.sizeBase, 'rolled back: the position').toBe(1);
      expect(positions.get('paper', 'binance', 'SOL/USDT:USDT'), 'rolled back: the added position').toBeUndefined();
      expect(orders.get('psA')?.state, 'rolled back: the order').toBe(OrderState.Ack);
      expect(orders.listOpen('paper', { exchange: 'binance', symbol: 'ETH/USDT:USDT' }).map((o) => o.clientOrderId), 'rolled back: the open list').toEqual(['psA']);
      expect(orders.listOpen('paper').map((o) => o.clientOrderId)).toEqual(['psA']);
    } finally {
      store.close();
    }
  });
});
