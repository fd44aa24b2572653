import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_DRAWINGS_PER_SYMBOL } from '@perpscope/shared';
import { silentLogger } from '@perpscope/sdk';
import { openStore } from '../../../sdk/src/store/index.js';
import { createHost } from '../../src/host/index.js';
import { adaptDrawings } from '../../src/host/storeAdapter.js';
import { bareEngine, memorySecrets } from '../support/fakes.js';

const BTC = 'BTC/USDT:USDT';
const ETH = 'ETH/USDT:USDT';

describe('drawings.list/save/delete over the SQLite store', () => {
  const home = mkdtempSync(join(tmpdir(), 'perpscope-drawings-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  const hostOver = (store: ReturnType<typeof openStore>) =>
    createHost({ engine: bareEngine(), secrets: memorySecrets(), logger: silentLogger, store: { drawings: adaptDrawings(store.drawings, () => 1_000) } });

  it('keeps drawings per symbol across a reopen of the store, replaces by id and deletes', async () => {
    const first = openStore({ home });
    const host = hostOver(first);
    const hline = { id: 'd1', kind: 'hline', price: 75_843 } as const;
    const trend = { id: 'd2', kind: 'trend', from: { timeMs: 1_000, price: 1 }, to: { timeMs: 2_000, price: 2 } } as const;
    expect(await host.call('drawings.save', { symbol: BTC, drawing: hline })).toEqual({ ok: true, value: { drawing: hline } });
    expect((await host.call('drawings.save', { symbol: BTC, drawing: trend })).ok).toBe(true);
    expect((await host.call('drawings.save', { symbol: ETH, drawing: { id: 'e1', kind: 'hline', price: 3_000 } })).ok).toBe(true);
    // Moving the line keeps its id and its place in the list.
    expect((await host.call('drawings.save', { symbol: BTC, drawing: { ...hline, price: 76_000 } })).ok).toBe(true);
    first.close();

    const second = openStore({ home });
    const reopened = hostOver(second);
    expect(await reopened.call('drawings.list', { symbol: BTC })).toEqual({ ok: true, value: { symbol: BTC, drawings: [{ ...hline, price: 76_000 }, trend] } });
    expect(await reopened.call('drawings.delete', { symbol: BTC, id: 'd1' })).toEqual({ ok: true, value: { deleted: true } });
    expect(await reopened.call('drawings.delete', { symbol: BTC, id: 'd1' })).toEqual({ ok: true, value: { deleted: false } });
    expect(await reopened.call('drawings.list', { symbol: BTC })).toEqual({ ok: true, value: { symbol: BTC, drawings: [trend] } });
    expect(await reopened.call('drawings.list', { symbol: ETH }), 'the other symbol untouched').toEqual({ ok: true, value: { symbol: ETH, drawings: [{ id: 'e1', kind: 'hline', price: 3_000 }] } });
    second.close();
  });

  it('refuses a malformed drawing naming the field, and a new one past the per-symbol cap', async () => {
    const store = openStore({ home });
    const host = hostOver(store);
    const bad = await host.call('drawings.save', { symbol: BTC, drawing: { id: 'x', kind: 'hline', price: 'high' } as never });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(JSON.stringify(bad.error)).toContain('price');
    const sym = 'SOL/USDT:USDT';
    for (let i = 0; i < MAX_DRAWINGS_PER_SYMBOL; i++) expect((await host.call('drawings.save', { symbol: sym, drawing: { id: `s${i}`, kind: 'hline', price: i + 1 } })).ok).toBe(true);
    const over = await host.call('drawings.save', { symbol: sym, drawing: { id: 'one-more', kind: 'hline', price: 1 } });
    expect(over.ok).toBe(false);
    if (!over.ok) expect(over.error.message).toContain(`at most ${MAX_DRAWINGS_PER_SYMBOL} drawings`);
    expect((await host.call('drawings.save', { symbol: sym, drawing: { id: 's0', kind: 'hline', price: 9 } })).ok, 'replacing one is allowed at the cap').toBe(true);
    // A row the contract no longer accepts is left out of the list rather than sent.
    store.drawings.save(sym, 's1', { id: 's1', kind: 'ray', price: 1 }, 2_000);
    const listed = await host.call('drawings.list', { symbol: sym });
    expect(listed.ok && listed.value.drawings.map((d) => d.id).includes('s1')).toBe(false);
    expect(listed.ok && listed.value.drawings.length).toBe(MAX_DRAWINGS_PER_SYMBOL - 1);
    store.close();
  });
});
