import { describe, expect, it } from 'vitest';
import type { OrderView, PositionView, SignalView } from '@perpscope/shared';
import { chartLevels, layoutLabels, stretchesAxis } from '../../src/renderer/lib/chartLevels.js';

const SYM = 'BTC/USDT:USDT';
const position: PositionView = {
  symbol: SYM, side: 'long', status: 'open', sizeBase: 0.002, entryPrice: 100_000, markPrice: 101_000, unrealizedPnlUsd: 2, realizedPnlUsd: 0,
  leverage: 3, liquidationPrice: 67_000, stopLossPrice: 95_000, takeProfitPrice: 110_000, openedAtMs: 1, updatedAtMs: 2,
};
function order(id: string, type: OrderView['type'], price: number, over: Partial<OrderView> = {}): OrderView {
  return { id, clientOrderId: id, symbol: SYM, side: 'sell', type, status: 'open', amountBase: 0.002, filledBase: 0, price, avgFillPrice: null, reduceOnly: true, createdAtMs: 1, updatedAtMs: 1, reason: null, ...over };
}
const signal = { id: 's1', symbol: SYM, side: 'long', entryPrice: 99_000, stopPrice: 97_000, targetPrices: [104_000, 108_000] } as unknown as SignalView;

describe('renderer: the chart\'s position and order lines', () => {
  it('draws the entry with side, size and uPnL, each working trigger as a draggable line, and the signal faint', () => {
    const lines = chartLevels(SYM, position, [order('tp', 'take_profit', 110_000), order('sl', 'stop_loss', 95_000)], signal);
    expect(lines.find((l) => l.kind === 'entry')?.label, 'entry label').toMatch(/^LONG 0\.002.*uPnL \+2/);
    expect(lines.filter((l) => l.orderId).map((l) => [l.kind, l.orderId, l.price]), 'draggable triggers').toEqual([['tp', 'tp', 110_000], ['sl', 'sl', 95_000]]);
    const sig = lines.filter((l) => l.kind.startsWith('signal'));
    expect(sig.length, 'signal entry, stop and two targets').toBe(4);
    expect(sig.every((l) => l.secondary), 'the signal is secondary while a position is open').toBe(true);
  });

  it('draws the signal at full strength without a position, and skips other symbols and finished orders', () => {
    const lines = chartLevels(SYM, null, [order('done', 'take_profit', 1, { status: 'canceled' }), order('eth', 'limit', 2, { symbol: 'ETH/USDT:USDT' })], signal);
    expect(lines.map((l) => l.kind)).toEqual(['signal-entry', 'signal-sl', 'signal-tp', 'signal-tp']);
    expect(lines.some((l) => l.secondary)).toBe(false);
  });

  it('a working limit order is a line but not draggable (only stop-loss and take-profit are moved)', () => {
    const [limit] = chartLevels(SYM, null, [order('l1', 'limit', 90_000, { side: 'buy', reduceOnly: false })], null);
    expect(limit?.label).toMatch(/^LIMIT BUY/);
    expect(limit?.orderId).toBeNull();
  });

  it('draws the liquidation price, which never stretches the price axis; none without one', () => {
    const lines = chartLevels(SYM, position, [], null, { priceTick: 1 });
    const liq = lines.find((l) => l.kind === 'liq');
    expect(liq?.price).toBe(67_000);
    expect(liq?.label).toBe('LIQ @ 67,000');
    expect(liq && stretchesAxis(liq), 'a third below the market: drawn when in view only').toBe(false);
    expect(liq?.orderId, 'not draggable').toBeNull();
    expect(lines.filter((l) => l.kind !== 'liq').every(stretchesAxis)).toBe(true);
    expect(chartLevels(SYM, { ...position, liquidationPrice: null }, [], null).some((l) => l.kind === 'liq')).toBe(false);
    expect(chartLevels(SYM, { ...position, liquidationPrice: 0 }, [], null).some((l) => l.kind === 'liq'), 'a zero (cross margin, none) draws nothing').toBe(false);
  });

  it("labels follow the market's tick and lot: BTC with a tick of 1 reads 75,892, not 75891.86", () => {
    const btc = { ...position, entryPrice: 75_843.4, sizeBase: 0.0123456 };
    const lines = chartLevels(SYM, btc, [order('sl', 'stop_loss', 75_891.86, { amountBase: 0.0123456 })], null, { priceTick: 1, amountStep: 0.001 });
    expect(lines.find((l) => l.kind === 'entry')?.label).toMatch(/^LONG 0\.012 @ 75,843 /);
    expect(lines.find((l) => l.kind === 'sl')?.label).toBe('SL 0.012 @ 75,892');
  });
});

describe('renderer: label layout', () => {
  it('keeps labels apart, in the order of their lines, and inside the chart', () => {
    const tops = layoutLabels([100, 101, 102, 300], 16, 400);
    const sorted = [...tops].sort((a, b) => a - b);
    expect(tops, 'same order as the lines').toEqual(sorted);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 1]!, 'no overlap').toBeGreaterThanOrEqual(16 - 1e-9);
    expect(tops[3], 'a lone label stays centred on its line').toBe(292);
  });

  it('pulls labels back from the bottom edge and never above the top', () => {
    const tops = layoutLabels([395, 396, 2], 16, 400);
    expect(tops[2], 'clamped to the top').toBe(0);
    expect(Math.max(...tops), 'within the bottom edge').toBeLessThanOrEqual(384);
    expect(Math.abs(tops[0]! - tops[1]!)).toBeGreaterThanOrEqual(16);
  });
});
