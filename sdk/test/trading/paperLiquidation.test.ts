import { describe, expect, it } from 'vitest';
import type { OrderBook } from '@perpscope/shared';
import { PaperBroker } from '../../src/trading/index.js';
import { crossLiquidationPrice, liquidationPrice } from '../../src/trading/positionMath.js';
import { entryRisk, freshStorePerTest, permissiveRisk } from './helpers.js';

const A = 'AAA/USDT:USDT';
const B = 'BBB/USDT:USDT';
const MMR = 0.005;
/** A book whose ask and bid are both `price`: entries fill exactly there, so the numbers below are exact. */
const flat = (symbol: string, price: number): OrderBook => ({ symbol, timestampMs: 0, bids: [[price, 1_000]], asks: [[price, 1_000]] });

describe('paper liquidation price by margin mode (hand-computed)', () => {
  const fx = freshStorePerTest();
  const broker = (balanceUsd: number): PaperBroker => {
    const b = new PaperBroker({ store: fx.store, clock: fx.clock, risk: permissiveRisk(fx.clock), exchange: 'blofin', market: () => ({ makerFee: 0, takerFee: 0, maintenanceMarginRate: MMR }), initialBalanceUsd: balanceUsd });
    b.onOrderBook(A, flat(A, 100));
    b.onOrderBook(B, flat(B, 50));
    return b;
  };
  const open = async (b: PaperBroker, symbol: string, side: 'buy' | 'sell', amountBase: number, leverage: number, marginMode: 'cross' | 'isolated', price: number) => {
    const o = await b.placeOrder({ symbol, side, type: 'market', amountBase, tradeId: `${symbol}-${side}`, leg: 'entry', leverage, marginMode, risk: entryRisk(symbol, side === 'buy' ? 'long' : 'short', price) });
    expect(o.state, 'the entry filled').toBe('FILLED');
  };
  const liqOf = async (b: PaperBroker, symbol: string) => (await b.fetchPositions()).find((p) => p.symbol === symbol)?.liquidationPrice;

  it('isolated 10x long: entry x (1 - 1/10 + mmr), whatever the wallet holds; liquidated on the mark there', async () => {
    const b = broker(100_000);
    await open(b, A, 'buy', 10, 10, 'isolated', 100);
    // 100 x (1 - 0.1 + 0.005) = 90.5
    expect(await liqOf(b, A)).toBeCloseTo(90.5, 9);
    b.onMarkPrice(A, 90.6, fx.clock.nowMs());
    expect((await b.fetchPositions()).length, '90.6 is above the liquidation price').toBe(1);
    b.onMarkPrice(A, 90.4, fx.clock.nowMs());
    expect(await b.fetchPositions(), 'liquidated').toEqual([]);
    const fill = fx.store.fills.since('paper', 0).find((f) => f.side === 'sell');
    expect([fill?.side, fill?.price, fill?.amountBase], 'closed at the liquidation price').toEqual(['sell', 90.5, 10]);
    // The position's own 100 USD margin, less the 5 USD maintenance margin, is lost: 9.5 x 10.
    expect((await b.fetchAccount()).balanceUsd).toBeCloseTo(100_000 - 95, 6);
  });

  it('isolated 5x short: entry x (1 + 1/5 - mmr)', async () => {
    const b = broker(100_000);
    await open(b, A, 'sell', 10, 5, 'isolated', 100);
    // 100 x (1 + 0.2 - 0.005) = 119.5
    expect(await liqOf(b, A)).toBeCloseTo(119.5, 9);
  });

  it('cross 10x long: the wallet backs it, not the leverage', async () => {
    const b = broker(300);
    await open(b, A, 'buy', 10, 10, 'cross', 100);
    // Equity 300 + (P - 100) x 10 meets maintenance 0.005 x P x 10: P = (1000 - 300) / 9.95.
    expect(await liqOf(b, A)).toBeCloseTo(700 / 9.95, 9);
    expect(await liqOf(b, A), 'far below the isolated 90.5').toBeLessThan(71);
    b.onMarkPrice(A, 70.4, fx.clock.nowMs());
    expect((await b.fetchPositions()).length, '70.4 > 70.35: still open').toBe(1);
    b.onMarkPrice(A, 70.3, fx.clock.nowMs());
    expect(await b.fetchPositions(), 'liquidated below 70.35').toEqual([]);
  });

  it('cross 10x long fully backed by the wallet cannot be liquidated', async () => {
    const b = broker(1_000);
    await open(b, A, 'buy', 10, 10, 'cross', 100);
    // (1000 - 1000) / 9.95 = 0: no positive price liquidates it.
    expect(await liqOf(b, A)).toBeNull();
  });

  it('cross: another cross position losing moves the liquidation price; isolated margin is not the cross wallet', async () => {
    const b = broker(300);
    await open(b, A, 'buy', 10, 10, 'cross', 100);
    await open(b, B, 'buy', 10, 10, 'cross', 50);
    // Free equity for A: 300 + B's PnL 0 - B's maintenance 0.005 x 50 x 10 = 297.5.
    expect(await liqOf(b, A)).toBeCloseTo((1_000 - 297.5) / 9.95, 9);
    b.onMarkPrice(B, 40, fx.clock.nowMs());
    // B at 40: PnL -100, maintenance 2: free equity 198.
    expect(await liqOf(b, A), 'moves up as B loses').toBeCloseTo((1_000 - 198) / 9.95, 9);
  });

  it('isolated margin leaves the cross wallet', async () => {
    const b = broker(300);
    await open(b, B, 'buy', 10, 10, 'isolated', 50);
    await open(b, A, 'buy', 10, 10, 'cross', 100);
    // B locks 50 x 10 / 10 = 50 of the wallet: A is backed by 250.
    expect(await liqOf(b, A)).toBeCloseTo(750 / 9.95, 9);
    expect(await liqOf(b, B), 'B on its own margin').toBeCloseTo(50 * 0.905, 9);
  });

  it('the pure functions agree with the hand numbers', () => {
    expect(liquidationPrice({ side: 'long', entryPrice: 100, leverage: 10 }, MMR)).toBeCloseTo(90.5, 12);
    expect(crossLiquidationPrice({ side: 'long', entryPrice: 100, sizeBase: 10 }, 300, MMR)).toBeCloseTo(70.351758794, 8);
    // Short: equity 300 - (P - 100) x 10 meets 0.005 x P x 10: P = 1300 / 10.05.
    expect(crossLiquidationPrice({ side: 'short', entryPrice: 100, sizeBase: 10 }, 300, MMR)).toBeCloseTo(1_300 / 10.05, 9);
  });
});
