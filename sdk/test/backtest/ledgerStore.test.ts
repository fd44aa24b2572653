import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { IN_MEMORY, openStore, type Store } from '../../src/store/index.js';
import type { OrderIntent } from '../../src/store/repositories/orders.js';

// The backtest's ledger is a private in-memory store, and the order cache drops only what a write
// can change. Both must leave every read exactly what the database holds.

const intent = (clientOrderId: string, symbol: string, tradeId: string, createdAtMs: number): OrderIntent => ({
  clientOrderId,
  ledger: 'paper',
  exchange: 'binanceusdm',
  symbol,
  side: 'sell',
  type: 'stop_market',
  purpose: 'stop_loss',
  tradeId,
  amountBase: 1,
  price: null,
  triggerPrice: 90,
  reduceOnly: true,
  params: {},
  createdAtMs,
});

const opened: { store: Store; cleanup?: () => void }[] = [];
afterEach(() => {
  for (const o of opened.splice(0)) {
    o.store.close();
    o.cleanup?.();
  }
});

function memoryStore(): Store {
  const store = openStore({ file: IN_MEMORY });
  opened.push({ store });
  return store;
}

function fileStore(): Store {
  const dir = mkdtempSync(join(tmpdir(), 'perpscope-ledger-'));
  const store = openStore({ file: join(dir, 'ledger.sqlite') });
  opened.push({ store, cleanup: () => rmSync(dir, { recursive: true, force: true }) });
  return store;
}

const ids = (orders: readonly { clientOrderId: string }[]) => orders.map((o) => o.clientOrderId);

describe('the in-memory ledger store', () => {
  it('opens migrated, keeps its journal in memory, and is private to its connection', () => {
    const a = memoryStore();
    const b = memoryStore();
    expect(a.file).toBe(':memory:');
    expect(a.pragmas().journalMode).toBe('memory');
    expect(a.pragmas().foreignKeys).toBe(true);
    expect(a.schemaVersion()).toBe(b.schemaVersion());
    expect(a.schemaVersion()).toBeGreaterThan(0);
    a.orders.recordIntent(intent('o1', 'BTC/USDT:USDT', 'T1', 1_000));
    expect(ids(a.orders.listOpen('paper'))).toEqual(['o1']);
    expect(b.orders.listOpen('paper'), 'another in-memory store shares nothing').toEqual([]);
    expect(a.integrityCheck().ok).toBe(true);
  });
});

describe.each([
  ['in memory', memoryStore],
  ['in a file', fileStore],
])('open-order cache %s: a write drops what it can change and nothing is served stale', (_name, open) => {
  it('keeps other symbols and trades cached, and every read equals the database', () => {
    const store = open();
    const o = store.orders;
    o.recordIntent(intent('a1', 'BTC/USDT:USDT', 'TA', 1_000));
    o.recordIntent(intent('b1', 'ETH/USDT:USDT', 'TB', 1_001));
    const bySymbol = (symbol: string) => o.listOpen('paper', { exchange: 'binanceusdm', symbol });
    // Fill every cache entry, then write to BTC only.
    const ethBefore = bySymbol('ETH/USDT:USDT');
    expect(ids(bySymbol('BTC/USDT:USDT'))).toEqual(['a1']);
    expect(ids(o.listOpen('paper'))).toEqual(['a1', 'b1']);
    expect(ids(o.listOpen('paper', { exchange: 'binanceusdm' }))).toEqual(['a1', 'b1']);
    expect(ids(o.listByTrade('paper', 'TA'))).toEqual(['a1']);
    expect(o.get('b1')?.state).toBe('NEW');

    o.transition('a1', 'ACK', { atMs: 1_002 });
    o.recordIntent(intent('a2', 'BTC/USDT:USDT', 'TA', 1_003));
    expect(bySymbol('BTC/USDT:USDT').map((x) => [x.clientOrderId, x.state])).toEqual([
      ['a1', 'ACK'],
      ['a2', 'NEW'],
    ]);
    expect(ids(o.listOpen('paper')), 'the ledger-wide list').toEqual(['a1', 'b1', 'a2']);
    expect(ids(o.listOpen('paper', { exchange: 'binanceusdm' })), 'the venue-wide list').toEqual(['a1', 'b1', 'a2']);
    expect(ids(o.listOpen('paper', { symbol: 'BTC/USDT:USDT' })), 'the symbol across venues').toEqual(['a1', 'a2']);
    expect(o.listByTrade('paper', 'TA').map((x) => x.state), "the written trade's orders").toEqual(['ACK', 'NEW']);
    expect(o.get('a1')?.state).toBe('ACK');
    expect(bySymbol('ETH/USDT:USDT')[0], 'another symbol stays cached: the same frozen order').toBe(ethBefore[0]);

    o.transition('a1', 'FILLED', { atMs: 1_004, filledBase: 1, avgFillPrice: 90 });
    o.transition('b1', 'CANCELLED', { atMs: 1_005 });
    expect(ids(bySymbol('BTC/USDT:USDT'))).toEqual(['a2']);
    expect(bySymbol('ETH/USDT:USDT')).toEqual([]);
    expect(ids(o.listOpen('paper'))).toEqual(['a2']);
    expect(o.listByTrade('paper', 'TB').map((x) => x.state)).toEqual(['CANCELLED']);

    // A write rolled back inside a transaction leaves nothing stale either.
    expect(() =>
      store.transaction(() => {
        o.transition('a2', 'CANCELLED', { atMs: 1_006 });
        expect(bySymbol('BTC/USDT:USDT'), 'inside the transaction the write shows').toEqual([]);
        throw new Error('abort');
      }),
    ).toThrow('abort');
    expect(bySymbol('BTC/USDT:USDT').map((x) => x.state)).toEqual(['NEW']);
    expect(o.get('a2')?.state).toBe('NEW');
  });
});

describe('open-order cache in a file', () => {
  it("drops every entry when another connection commits (the in-memory store has no other connection)", () => {
    const store = fileStore();
    store.orders.recordIntent(intent('a1', 'BTC/USDT:USDT', 'TA', 1_000));
    expect(store.orders.listOpen('paper', { exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT' })[0]?.state).toBe('NEW');
    const other = new Database(store.file);
    other.prepare(`UPDATE orders SET state = 'CANCELLED' WHERE client_order_id = 'a1'`).run();
    other.close();
    expect(store.orders.listOpen('paper', { exchange: 'binanceusdm', symbol: 'BTC/USDT:USDT' })).toEqual([]);
    expect(store.orders.get('a1')?.state).toBe('CANCELLED');
  });
});
