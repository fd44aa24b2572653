import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type RankingRowView } from '@perpscope/shared';
import { openStore, silentLogger } from '@perpscope/sdk';
import { createHost, hostEngineFactory, type EngineRuntime, type Host, type HostSecretStore } from '../../src/host/index.js';
import { SIM_START_MS, until } from '../../../test/support/sim.js';

const CONFIG = { sim: { symbols: 20, seed: 11, acceleration: 60, rateLimitScale: 20, startTimeMs: SIM_START_MS }, timeframes: ['1m', '15m'], backfillBars: 100, universe: { minQuoteVolumeUsd: 0 } };

const noSecrets: HostSecretStore = {
  set: () => Promise.reject(new Error('not used')),
  get: () => Promise.resolve(null),
  delete: () => Promise.resolve(false),
  list: () => Promise.resolve([]),
};

describe('the trader desk commands over a SimExchange-backed host: preview, amend a trigger, history', () => {
  const home = mkdtempSync(join(tmpdir(), 'perpscope-desk-'));
  writeFileSync(join(home, 'config.json'), JSON.stringify(CONFIG));
  const factory = hostEngineFactory({ openStore, env: {}, orderFlowIntervalMs: 60_000 });
  let runtime: EngineRuntime;
  let host: Host;

  async function boot(): Promise<void> {
    runtime = await factory({ home, sim: true, logger: silentLogger });
    host = createHost({ engine: runtime.engine, secrets: noSecrets, ...(runtime.store ? { store: runtime.store } : {}) });
    await runtime.start();
  }
  async function shutdown(): Promise<void> {
    host.close();
    await runtime.stop();
  }
  async function liquidRow(nth: number): Promise<RankingRowView> {
    return until('a ranked liquid symbol', async () => {
      const res = await host.call('rankings.query', { sortBy: 'quoteVolume24hUsd', offset: nth, limit: 1 });
      const row = res.ok ? res.value.rows[0] : undefined;
      return row && row.lastPrice !== null ? row : null;
    });
  }
  async function value<T>(p: Promise<{ ok: true; value: T } | { ok: false; error: { message: string } }>): Promise<T> {
    const res = await p;
    if (!res.ok) throw new Error(res.error.message);
    return res.value;
  }

  beforeAll(boot);
  afterAll(async () => {
    await shutdown().catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  });

  it('previews a ticket in any symbol spelling, and the fill matches its notional and fee', async () => {
    const row = await liquidRow(0);
    const [base = ''] = row.symbol.split('/');
    const compact = `${base}USDT`;
    for (const spelling of [row.symbol, compact, compact.toLowerCase()]) {
      const p = await value(host.call('orders.preview', { symbol: spelling, side: 'buy', type: 'market', notionalUsd: 40 }));
      expect(p.symbol, `${spelling} resolves`).toBe(row.symbol);
    }
    const preview = await value(host.call('orders.preview', { symbol: compact, side: 'buy', type: 'market', notionalUsd: 40, leverage: 4 }));
    const notional = preview.notionalUsd!;
    expect(notional, 'the ticket notional, down to whole lots').toBeLessThanOrEqual(40 + 1e-9);
    expect(notional, 'less than 40 USD by under one lot').toBeGreaterThan(0);
    expect(preview.amountBase! * preview.priceUsd, 'amount at the price').toBeCloseTo(notional, 9);
    expect(preview.initialMarginUsd!, 'notional / leverage').toBeCloseTo(notional / 4, 9);
    expect(preview.liquidity, 'a market order takes').toBe('taker');
    expect(preview.feeUsd!, 'taker fee on the notional').toBeCloseTo(notional * preview.feeRate, 9);
    expect(preview.feeRate, 'the market has a taker fee').toBeGreaterThan(0);
    // 4x long: the margin (25 %) less maintenance (0.5 %) below the fill price.
    expect(preview.liquidationPrice!, 'isolated liquidation of a 4x long').toBeCloseTo(preview.priceUsd * (1 - 0.25 + 0.005), 6);
    expect(preview.availableUsd, 'a fresh paper account is free').toBeGreaterThan(0);

    const placed = await value(host.call('orders.place', { symbol: row.symbol, side: 'buy', type: 'market', notionalUsd: 40, leverage: 4 }));
    expect(placed.order.status).toBe('filled');
    const history = await value(host.call('orders.history', { limit: 20 }));
    const fills = history.fills.filter((f) => f.orderId === placed.order.id);
    const filledNotional = fills.reduce((s, f) => s + f.price * f.amountBase, 0);
    const fee = fills.reduce((s, f) => s + f.feeUsd, 0);
    // The fill is the preview less at most one lot (sizes round down to it) and the book's move between the two reads.
    expect(Math.abs(filledNotional - preview.notionalUsd!) / preview.notionalUsd!, `fill notional ${filledNotional} vs preview ${preview.notionalUsd}`).toBeLessThan(0.02);
    expect(Math.abs(fee - preview.feeUsd!) / preview.feeUsd!, `fill fee ${fee} vs preview ${preview.feeUsd}`).toBeLessThan(0.02);
    await value(host.call('positions.close', { symbol: row.symbol }));
  });

  it('refuses a preview of an unknown symbol, naming the field', async () => {
    const res = await host.call('orders.preview', { symbol: 'NOPE_NOT_LISTED', side: 'buy', type: 'market', notionalUsd: 40 });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error.code).toBe(ErrorCode.InvalidInput);
    expect(res.error.message, 'names the field and the value').toMatch(/symbol.*NOPE_NOT_LISTED/s);
  });

  it('moves a working take-profit: a new trigger at the new price, the old one cancelled', async () => {
    const row = await liquidRow(1);
    const price = row.lastPrice!;
    await value(host.call('orders.place', { symbol: row.symbol, side: 'buy', type: 'market', notionalUsd: 40, takeProfitPrice: price * 1.1, stopLossPrice: price * 0.9 }));
    const tp = await until('the take-profit is working', async () => {
      const s = await value(host.call('trading.status', {}));
      return s.orders.find((o) => o.symbol === row.symbol && o.type === 'take_profit') ?? null;
    });
    const moved = await value(host.call('orders.amendTrigger', { orderId: tp.id, triggerPrice: price * 1.2 }));
    expect(moved.replaced.id).toBe(tp.id);
    expect(moved.replaced.status, 'the old take-profit is cancelled').toBe('canceled');
    expect(moved.order.id, 'a new order').not.toBe(tp.id);
    expect(moved.order.price!, 'at the new price (within a tick)').toBeCloseTo(price * 1.2, 1);
    const after = await value(host.call('trading.status', {}));
    const working = after.orders.filter((o) => o.symbol === row.symbol && o.type === 'take_profit');
    expect(working.map((o) => o.id), 'exactly the new take-profit works').toEqual([moved.order.id]);
    expect(after.positions.find((p) => p.symbol === row.symbol)?.takeProfitPrice, 'the position shows the moved target').toBe(moved.order.price);

    const crossed = await host.call('orders.amendTrigger', { orderId: moved.order.id, triggerPrice: price * 0.5 });
    expect(crossed.ok, 'a take-profit under a long position\'s price has already triggered').toBe(false);
    const still = await value(host.call('trading.status', {}));
    expect(still.orders.some((o) => o.id === moved.order.id), 'a refused move leaves the working take-profit').toBe(true);
    await value(host.call('positions.close', { symbol: row.symbol }));
  });

  it('refuses to amend an unknown order or one that is no trigger', async () => {
    const missing = await host.call('orders.amendTrigger', { orderId: 'ps_missing', triggerPrice: 1 });
    expect(!missing.ok && missing.error.code).toBe(ErrorCode.OrderNotFound);
    const history = await value(host.call('orders.history', { limit: 50 }));
    const entry = history.orders.find((o) => o.type === 'market');
    expect(entry, 'an earlier market order').toBeDefined();
    const res = await host.call('orders.amendTrigger', { orderId: entry!.id, triggerPrice: 1 });
    expect(!res.ok && res.error.message, 'names the field and what was expected').toMatch(/orderId[\s\S]*stop-loss or take-profit/);
  });

  it('lists fills with fee, realized PnL, source and exit reason, and keeps them across a restart', async () => {
    const page = await value(host.call('history.list', {}));
    const closes = page.rows.filter((r) => r.kind === 'fill' && r.exitReason === 'manual');
    const entries = page.rows.filter((r) => r.kind === 'fill' && r.exitReason === null);
    expect(closes.length, 'two manual closes').toBeGreaterThanOrEqual(2);
    expect(entries.length, 'two entries').toBeGreaterThanOrEqual(2);
    for (const r of closes) {
      expect(r.source).toBe('manual');
      expect(r.realizedPnlUsd, 'a close realizes PnL').not.toBeNull();
      expect(r.feeUsd, 'a taker fee').toBeGreaterThan(0);
    }
    for (const r of entries) expect(r.realizedPnlUsd, 'an entry realizes nothing').toBeNull();
    const times = page.rows.map((r) => r.atMs);
    expect(times, 'newest first').toEqual([...times].sort((a, b) => b - a));
    const second = await value(host.call('history.list', { offset: 1, limit: 1 }));
    expect(second.rows.map((r) => r.id), 'paged').toEqual([page.rows[1]!.id]);
    expect(second.total).toBe(page.total);

    await shutdown();
    await boot();
    const again = await value(host.call('history.list', {}));
    expect(again.rows.map((r) => r.id), 'the same rows after a restart').toEqual(page.rows.map((r) => r.id));
  });
});
