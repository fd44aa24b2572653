import { describe, expect, it } from 'vitest';
import { buildTrades, type TradeFill } from '../../src/backtest/trades.js';
import { Ledger, type OrderPurpose } from '../../src/store/index.js';
import { exitReasonOf } from '../../src/trading/exitReason.js';

const S = 'BTC/USDT:USDT';
let seq = 0;
function fill(side: 'buy' | 'sell', price: number, amountBase: number, atMs: number, over: Partial<TradeFill> = {}): TradeFill {
  seq++;
  return { ledger: Ledger.Paper, exchange: 'x', fillId: `f${String(seq).padStart(3, '0')}`, clientOrderId: `c${seq}`, exchangeOrderId: null, symbol: S, side, price, amountBase, feeCost: price * amountBase * 0.0005, feeCurrency: 'USDT', liquidity: 'taker', atMs, tradeId: 't1', exitReason: null, ...over };
}

describe('exit reasons from the closing order', () => {
  const order = (purpose: OrderPurpose, leg?: string) => ({ purpose, params: leg === undefined ? {} : { leg } });
  it('names the ladder step, the kind of stop and the kind of close; an entry is no exit', () => {
    expect(exitReasonOf(order('take_profit', 'tp1'))).toBe('tp1');
    expect(exitReasonOf(order('take_profit', 'tp2'))).toBe('tp2');
    expect(exitReasonOf(order('stop_loss', 'sl'))).toBe('sl');
    expect(exitReasonOf(order('stop_loss', 'breakeven'))).toBe('breakeven');
    expect(exitReasonOf(order('stop_loss', 'trail'))).toBe('trail');
    expect(exitReasonOf(order('exit', 'manual'))).toBe('manual');
    expect(exitReasonOf(order('exit', 'panic'))).toBe('panic');
    expect(exitReasonOf(order('exit', 'stop_fallback'))).toBe('stop_fallback');
    expect(exitReasonOf(order('exit', 'close')), 'a close recorded before reasons were named').toBe('manual');
    expect(exitReasonOf(order('entry', 'entry'))).toBeNull();
    expect(exitReasonOf(order('pyramid', 'pyramid1'))).toBeNull();
    expect(exitReasonOf(null), 'a fill without its order').toBe('other');
  });
});

describe('round trips from fills', () => {
  it('a long with two take-profits: one trade, price PnL, every fee, funding while open, R from the first stop', () => {
    const fills = [fill('buy', 100, 2, 1_000), fill('sell', 110, 1, 2_000, { exitReason: 'tp1' }), fill('sell', 120, 1, 3_000, { exitReason: 'tp2' })];
    const funding = [
      { symbol: S, atMs: 1_500, paymentUsd: -0.5 },
      { symbol: S, atMs: 9_000, paymentUsd: -7 }, // after the close: not this trade's
      { symbol: 'ETH/USDT:USDT', atMs: 1_500, paymentUsd: -3 },
    ];
    const [t, ...rest] = buildTrades(fills, funding, new Map([['t1', { strategy: 'breakout', regime: 'trend', initialStopPrice: 95 }]]));
    expect(rest).toEqual([]);
    expect(t!.side).toBe('long');
    expect(t!.sizeBase).toBe(2);
    expect(t!.entryPrice).toBe(100);
    expect(t!.exitPrice).toBe(115);
    expect(t!.grossPnlUsd).toBe(30); // (110 - 100) + (120 - 100)
    const fees = 0.0005 * (200 + 110 + 120);
    expect(t!.feesUsd).toBeCloseTo(fees, 12);
    expect(t!.fundingUsd).toBe(-0.5);
    expect(t!.netPnlUsd).toBeCloseTo(30 - fees - 0.5, 12);
    expect(t!.rMultiple).toBeCloseTo((30 - fees - 0.5) / (5 * 2), 12);
    expect(t!.returnPct).toBeCloseTo(((30 - fees - 0.5) / 200) * 100, 12);
    expect(t!.holdMs).toBe(2_000);
    expect(t!.exitReason, 'the last closing fill names it').toBe('tp2');
    expect(t!.strategy).toBe('breakout');
  });

  it('a fill that flips the side closes one trade and opens the next; a liquidation is named', () => {
    const fills = [
      fill('sell', 100, 1, 1_000, { tradeId: 'a' }),
      fill('buy', 90, 3, 2_000, { tradeId: 'b', exitReason: 'manual' }),
      fill('sell', 80, 2, 3_000, { tradeId: null, exitReason: null, clientOrderId: null, fillId: 'liq_BTC_3000' }),
    ];
    const trades = buildTrades(fills, [], new Map());
    expect(trades.map((x) => [x.tradeId, x.side, x.sizeBase, x.grossPnlUsd, x.exitReason])).toEqual([
      ['a', 'short', 1, 10, 'manual'],
      ['b', 'long', 2, -20, 'liquidation'],
    ]);
    expect(trades[1]!.rMultiple).toBeNull();
    expect(trades[1]!.strategy).toBe('unknown');
  });

  it('a position still open is left out; closing at the end of data is named', () => {
    const fills = [fill('buy', 100, 1, 1_000), fill('sell', 101, 1, 5_000, { exitReason: 'manual' }), fill('buy', 100, 1, 6_000, { tradeId: 't2' })];
    const trades = buildTrades(fills, [], new Map(), 5_000);
    expect(trades).toHaveLength(1);
    expect(trades[0]!.exitReason).toBe('end_of_data');
  });
});
