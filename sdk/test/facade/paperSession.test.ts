import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '@perpscope/shared';
import { InvalidInputError, openPerpscope, PerpscopeError, RiskRejectedError, type Perpscope, type PerpscopeConfigInput, type RankingRow, type TradingSession } from '../../src/index.js';
import { SIM_START_MS } from '../../../test/support/sim.js';
import { rejection } from './rejection.js';

const CONFIG = { exchange: 'sim', timeframes: ['15m'], sim: { symbols: 20, seed: 7, startTimeMs: SIM_START_MS, rateLimitScale: 20 } } satisfies PerpscopeConfigInput;
const UNIFIED = /^[A-Z0-9]+\/USDT:USDT$/;
/** `BTC/USDT:USDT` as a trader types it: `BTCUSDT`. */
const compact = (symbol: string) => symbol.replace(/:USDT$/, '').replace('/', '');

describe('openPerpscope: scan and paper trading through the trading stack', () => {
  const home = mkdtempSync(join(tmpdir(), 'perpscope-facade-'));
  let ps: Perpscope;
  let paper: TradingSession;
  let rows: RankingRow[];

  beforeAll(async () => {
    ps = openPerpscope(CONFIG, { home, env: {} });
    rows = await ps.scan({ top: 8 });
    paper = await ps.trade.paper();
  }, 120_000);
  afterAll(async () => {
    await ps?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  /** Symbols already traded: RiskPolicy's per-symbol cooldown would refuse them again. */
  const used = new Set<string>();
  /** The first ranked symbol not traded yet, with its mid read from the order flow just fetched. */
  async function liquidSymbol(): Promise<{ symbol: string; mid: number }> {
    const row = rows.find((r) => !used.has(r.symbol));
    if (!row) throw new Error('no untraded ranked symbol left');
    used.add(row.symbol);
    const flow = await ps.engine.refreshOrderFlow(row.symbol);
    const mid = ((flow.bookTop?.bids[0]?.[0] ?? NaN) + (flow.bookTop?.asks[0]?.[0] ?? NaN)) / 2;
    expect(mid, 'the sim serves a book').toBeGreaterThan(0);
    return { symbol: row.symbol, mid };
  }

  it('scan returns ranked rows, best first, with the order flow of the rows read', () => {
    expect(rows.map((r) => r.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const r of rows) expect(r.symbol).toMatch(UNIFIED);
    for (let i = 1; i < rows.length; i++) expect(rows[i - 1]!.score).toBeGreaterThanOrEqual(rows[i]!.score);
    for (const r of rows) expect(r.metrics.spreadBps, `${r.symbol}: the book was read, so the spread is known`).toBeGreaterThan(0);
    expect(ps.store.file, 'the store lives in the given home').toBe(join(home, 'perpscope.db'));
  });

  it('bad input names the field, the value and what was expected', async () => {
    const side = await rejection(() => paper.placeOrder({ symbol: 'BTCUSDT', side: 'up' as never, notionalUsd: 50 }));
    expect(side).toBeInstanceOf(InvalidInputError);
    expect((side as InvalidInputError).issues).toEqual([expect.objectContaining({ path: 'side', received: '"up"' })]);
    const size = await rejection(() => paper.placeOrder({ symbol: 'BTCUSDT', side: 'buy' }));
    expect((size as InvalidInputError).issues[0], 'no size given').toMatchObject({ path: 'notionalUsd', expected: expect.stringContaining('amountBase') });
    const limit = await rejection(() => paper.placeOrder({ symbol: 'BTCUSDT', side: 'buy', type: 'limit', notionalUsd: 50 }));
    expect((limit as InvalidInputError).issues[0]).toMatchObject({ path: 'price', expected: expect.stringContaining('limit price') });
    const unknown = await rejection(() => paper.placeOrder({ symbol: 'NOPECOINUSDT', side: 'buy', notionalUsd: 50 }));
    expect(unknown).toBeInstanceOf(InvalidInputError);
    expect((unknown as InvalidInputError).code).toBe(ErrorCode.UnknownSymbol);
    expect((unknown as InvalidInputError).issues[0]).toMatchObject({ path: 'symbol', received: '"NOPECOINUSDT"' });
    const scan = await rejection(() => ps.scan({ top: 0 }));
    expect((scan as InvalidInputError).issues[0]).toMatchObject({ path: 'top', received: '0' });
    const again = await rejection(() => ps.trade.paper());
    expect((again as PerpscopeError).message, 'one session at a time').toContain('already open');
    expect(await paper.positions(), 'nothing was placed').toEqual([]);
  });

  it('a market order given as BTCUSDT with sl and tp fills, shows in positions with its reduce-only exits, and close flattens it', async () => {
    const { symbol, mid } = await liquidSymbol();
    const order = await paper.placeOrder({ symbol: compact(symbol), side: 'long', notionalUsd: 50, sl: mid * 0.8, tp: mid * 1.2 });
    expect(order).toMatchObject({ symbol, side: 'buy', type: 'market', purpose: 'entry', state: 'FILLED' });
    expect(order.filledBase * order.avgFillPrice!, 'sized at the 50 USD ticket').toBeLessThanOrEqual(50 * (1 + 1e-9));
    const position = (await paper.positions()).find((p) => p.symbol === symbol);
    expect(position).toMatchObject({ symbol, side: 'long' });
    expect(position!.sizeBase).toBeCloseTo(order.filledBase, 12);
    const exits = paper.orders(compact(symbol));
    expect(exits.find((o) => o.type === 'stop_market'), 'the stop placed once the entry filled').toMatchObject({ side: 'sell', reduceOnly: true, purpose: 'stop_loss', tradeId: order.tradeId });
    expect(exits.find((o) => o.type === 'stop_market')!.triggerPrice! / (mid * 0.8), 'the ticket stop, on the tick grid').toBeCloseTo(1, 3);
    expect(exits.find((o) => o.type === 'take_profit_market'), 'and the take-profit').toMatchObject({ side: 'sell', reduceOnly: true, purpose: 'take_profit' });

    const closing = await paper.close(symbol);
    expect(closing).toMatchObject({ symbol, side: 'sell', reduceOnly: true, state: 'FILLED' });
    expect((await paper.positions()).some((p) => p.symbol === symbol), 'flat after close').toBe(false);
    await vi.waitFor(() => expect(paper.orders(symbol), 'the leftover exits are cancelled once flat').toEqual([]), { timeout: 30_000, interval: 50 });
    expect((await paper.account()).balanceUsd, 'two taker fees paid out of the paper balance').toBeLessThan(10_000);
  });

  it('a RiskPolicy refusal surfaces as a typed error, and nothing is placed', async () => {
    const { symbol } = await liquidSymbol();
    const refused = await rejection(() => paper.placeOrder({ symbol, side: 'sell', notionalUsd: 5_000 }));
    expect(refused, String(refused)).toBeInstanceOf(RiskRejectedError);
    expect((refused as RiskRejectedError).code).toBe(ErrorCode.RiskRejected);
    expect((refused as RiskRejectedError).message).toContain('risk.sizing.maxManualNotionalUsd');
    expect((await paper.positions()).some((p) => p.symbol === symbol)).toBe(false);
  });

  it('panic turns the kill switch on and flattens; the next order is refused with KILL_SWITCH_ACTIVE until the switch is cleared', async () => {
    const { symbol, mid } = await liquidSymbol();
    await paper.placeOrder({ symbol, side: 'buy', notionalUsd: 40, sl: mid * 0.8 });
    expect((await paper.positions()).map((p) => p.symbol)).toContain(symbol);

    const report = await paper.panic();
    expect(report.closed).toEqual([symbol]);
    expect(report.cancelled.length, 'its stop was cancelled').toBeGreaterThanOrEqual(1);
    expect(report.failures).toEqual([]);
    expect(await paper.positions()).toEqual([]);
    const status = await paper.status();
    expect(status.killSwitch).toMatchObject({ on: true, sources: ['setting'], reason: 'panic' });

    const blocked = await rejection(() => paper.placeOrder({ symbol, side: 'buy', notionalUsd: 40 }));
    expect(blocked).toBeInstanceOf(PerpscopeError);
    expect((blocked as PerpscopeError).code).toBe(ErrorCode.KillSwitchActive);
    expect(await paper.positions()).toEqual([]);

    expect(paper.setKillSwitch(false).on).toBe(false);
    // Another symbol: the one just closed is in RiskPolicy's cooldown.
    const next = await liquidSymbol();
    const order = await paper.placeOrder({ symbol: next.symbol, side: 'buy', notionalUsd: 40 });
    expect(order.state, 'allowed again once cleared').toBe('FILLED');
    await paper.close(next.symbol);
  });

  it('panic turns the kill switch on before any exchange read: an order sent meanwhile is refused', async () => {
    const { broker } = paper.stack;
    let release!: (positions: Awaited<ReturnType<typeof broker.fetchPositions>>) => void;
    const silent = vi.spyOn(broker, 'fetchPositions').mockReturnValueOnce(new Promise((resolve) => (release = resolve)));
    try {
      const panicking = paper.panic();
      expect(paper.stack.killSwitch.isOn(), 'on while the position read has not answered').toBe(true);
      const { symbol } = await liquidSymbol();
      const blocked = await rejection(() => paper.placeOrder({ symbol, side: 'buy', notionalUsd: 40 }));
      expect((blocked as PerpscopeError).code).toBe(ErrorCode.KillSwitchActive);
      release([]);
      expect((await panicking).failures).toEqual([]);
    } finally {
      silent.mockRestore();
      paper.setKillSwitch(false);
    }
  });

  it('a listener that throws neither stops the others nor the refresh loop that reports the kill switch', async () => {
    const seen: string[] = [];
    const offThrowing = paper.on(() => {
      throw new Error('a script bug');
    });
    const offSeen = paper.on((e) => {
      if (e.type === 'alert' && e.reason === 'kill_switch') seen.push(e.level === 'info' ? 'off' : 'on');
    });
    try {
      paper.setKillSwitch(true, 'listener test');
      await vi.waitFor(() => expect(seen).toContain('on'), { timeout: 30_000, interval: 50 });
      paper.setKillSwitch(false);
      await vi.waitFor(() => expect(seen, 'the refresh loop is still alive after the throw').toContain('off'), { timeout: 30_000, interval: 50 });
      const { symbol } = await liquidSymbol();
      const order = await paper.placeOrder({ symbol, side: 'buy', notionalUsd: 40 });
      expect(order.state).toBe('FILLED');
      await paper.close(symbol);
    } finally {
      offThrowing();
      offSeen();
      paper.setKillSwitch(false);
    }
  });
});
