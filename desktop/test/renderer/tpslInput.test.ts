import { describe, expect, it } from 'vitest';
import { issueText, pnlAtPrice, resolveTpsl, tpslValueFromPrice } from '../../src/renderer/lib/tpslInput.js';
import { freshPriced, staleMeasuredFields, ticketBasis, timingParams, validateTiming } from '../../src/renderer/lib/ticketValidation.js';

const long = { side: 'long' as const, entryPrice: 100, leverage: 10 };
const short = { side: 'short' as const, entryPrice: 100, leverage: 10 };

describe('TP/SL typed as price, % from entry or ROE %', () => {
  it('reads a % from the entry in the direction the side sets', () => {
    expect(resolveTpsl('tp', 'pct', '5', long)).toMatchObject({ ok: true, price: 105, movePct: 5, roePct: 50 });
    expect(resolveTpsl('sl', 'pct', '2', long)).toMatchObject({ ok: true, price: 98, movePct: -2, roePct: -20 });
    expect(resolveTpsl('tp', 'pct', '5', short)).toMatchObject({ ok: true, price: 95, movePct: 5 });
    expect(resolveTpsl('sl', 'pct', '2', short)).toMatchObject({ ok: true, price: 102, movePct: -2 });
  });

  it('reads ROE as the price move times the leverage', () => {
    const tp = resolveTpsl('tp', 'roe', '50', long);
    expect(tp.ok && tp.price).toBeCloseTo(105, 9);
    const sl = resolveTpsl('sl', 'roe', '30', short);
    expect(sl.ok && sl.price).toBeCloseTo(103, 9);
    expect(sl.ok && sl.roePct).toBeCloseTo(-30, 9);
    // At 1x ROE and % from entry agree.
    const one = resolveTpsl('tp', 'roe', '4', { ...long, leverage: 1 });
    expect(one.ok && one.price).toBeCloseTo(104, 9);
  });

  it('takes a price as it is, on the right side of the entry only', () => {
    expect(resolveTpsl('tp', 'price', '110', long)).toMatchObject({ ok: true, price: 110, movePct: 10, roePct: 100 });
    const wrong = resolveTpsl('tp', 'price', '90', long, 'takeProfitPrice');
    expect(wrong.ok).toBe(false);
    if (wrong.ok) return;
    expect(issueText(wrong.issue)).toBe('takeProfitPrice: got 90; expected a take-profit above the entry 100 of a long');
    const sl = resolveTpsl('sl', 'price', '99', short);
    expect(!sl.ok && sl.issue.expected).toBe('a stop-loss above the entry 100 of a short');
  });

  it('refuses text, a distance <= 0, and a stop that would reach a zero price, naming field, value and expectation', () => {
    const text = resolveTpsl('sl', 'pct', 'abc', long);
    expect(!text.ok && issueText(text.issue)).toBe('stopLoss: got "abc"; expected a number (% from entry)');
    const zero = resolveTpsl('tp', 'roe', '0', long);
    expect(!zero.ok && zero.issue.expected).toMatch(/distance > 0 %/);
    const negative = resolveTpsl('tp', 'pct', '-3', long);
    expect(!negative.ok && negative.issue.value).toBe('-3 %');
    const far = resolveTpsl('sl', 'roe', '1000', long);
    expect(!far.ok && far.issue.expected).toBe('less than 1000 % ROE at 10x: the price would reach zero');
    // A short's stop is above the entry: no zero bound.
    expect(resolveTpsl('sl', 'pct', '150', short)).toMatchObject({ ok: true, price: 250 });
    const noEntry = resolveTpsl('tp', 'pct', '5', { ...long, entryPrice: 0 });
    expect(!noEntry.ok && noEntry.issue.expected).toMatch(/entry price > 0/);
  });

  it('gives the P&L at a level and round-trips a price to each mode', () => {
    expect(pnlAtPrice('long', 100, 2, 105)).toBe(10);
    expect(pnlAtPrice('short', 100, 2, 105)).toBe(-10);
    expect(tpslValueFromPrice('tp', 'pct', 105, long)).toBeCloseTo(5, 9);
    expect(tpslValueFromPrice('sl', 'roe', 98, long)).toBeCloseTo(20, 9);
    expect(tpslValueFromPrice('sl', 'price', 98, long)).toBe(98);
  });
});

describe('TP/SL checked against the mark, the liquidation price, and with an unknown entry or leverage', () => {
  it('checks the side against the mark of a position in profit, measuring % from the entry', () => {
    // A long from 100 now at 120: a break-even or trailing stop above the entry is fine below the mark.
    const inProfit = { ...long, refPrice: 120, refLabel: 'mark' };
    expect(resolveTpsl('sl', 'price', '105', inProfit)).toMatchObject({ ok: true, price: 105, movePct: 5 });
    const above = resolveTpsl('sl', 'price', '125', inProfit, 'stopLoss');
    expect(!above.ok && issueText(above.issue)).toBe('stopLoss: got 125; expected a stop-loss below the mark 120 of a long');
    // 10 % from the entry is 110, already under the mark: a take-profit there would fire at once.
    const tp = resolveTpsl('tp', 'pct', '10', inProfit);
    expect(!tp.ok && tp.issue.expected).toBe('a take-profit above the mark 120 of a long');
    expect(resolveTpsl('tp', 'pct', '30', inProfit)).toMatchObject({ ok: true, price: 130 });
  });

  it('refuses a stop at or past the liquidation price, saying why', () => {
    const withLiq = { ...long, liquidationPrice: 91 };
    const at = resolveTpsl('sl', 'price', '91', withLiq, 'stopLoss');
    expect(!at.ok && issueText(at.issue)).toBe('stopLoss: got 91; expected a stop-loss above the liquidation price 91: the position would be liquidated before it fires');
    expect(resolveTpsl('sl', 'pct', '5', withLiq)).toMatchObject({ ok: true, price: 95 });
    const shortPast = resolveTpsl('sl', 'pct', '12', { ...short, liquidationPrice: 109 });
    expect(!shortPast.ok && shortPast.issue.expected).toMatch(/below the liquidation price 109/);
    expect(resolveTpsl('tp', 'price', '80', { ...short, liquidationPrice: 109 }), 'a take-profit is not bound by it').toMatchObject({ ok: true });
  });

  it('takes a plain price while the entry is unknown (the host checks it), but not % or ROE', () => {
    const noEntry = { side: 'long' as const, entryPrice: 0, leverage: null };
    expect(resolveTpsl('tp', 'price', '123', noEntry)).toEqual({ ok: true, price: 123, movePct: null, roePct: null });
    const pct = resolveTpsl('sl', 'pct', '2', noEntry, 'stopLossPrice');
    expect(!pct.ok && pct.issue.expected).toMatch(/^an entry price > 0 to measure % from entry from/);
  });

  it('refuses ROE with an unknown leverage instead of assuming 1x', () => {
    const noLev = { ...long, leverage: null };
    const roe = resolveTpsl('tp', 'roe', '50', noLev);
    expect(!roe.ok && roe.issue.expected).toMatch(/a known leverage >= 1 to measure ROE from/);
    expect(resolveTpsl('tp', 'pct', '5', noLev)).toEqual({ ok: true, price: 105, movePct: 5, roePct: null });
  });
});

describe('ticket TP/SL measured only from a preview of this ticket', () => {
  const btc = { symbol: 'BTC/USDT:USDT', priceUsd: 100, leverage: 5, liquidationPrice: 81 };

  it('drops a preview of another unified symbol, and measures nothing without one', () => {
    expect(freshPriced(btc, 'ETH/USDT:USDT'), 'another symbol typed').toBeNull();
    expect(freshPriced(btc, ' BTC/USDT:USDT ')).toBe(btc);
    expect(freshPriced(btc, 'btc'), 'a short name is what the preview resolved').toBe(btc);
    const none = ticketBasis({ side: 'buy', type: 'market', limitPrice: undefined, leverage: undefined, fresh: null });
    expect(none).toMatchObject({ entryPrice: 0, leverage: null, liquidationPrice: null });
    expect(resolveTpsl('tp', 'pct', '5', none).ok, '% waits for the preview').toBe(false);
    expect(resolveTpsl('sl', 'price', '90', none), 'a plain price goes to the host as typed').toMatchObject({ ok: true, price: 90 });
    const fresh = ticketBasis({ side: 'sell', type: 'market', limitPrice: undefined, leverage: undefined, fresh: btc });
    expect(fresh).toMatchObject({ side: 'short', entryPrice: 100, leverage: 5, liquidationPrice: 81, entryFromPreview: true, leverageFromPreview: true });
    const limit = ticketBasis({ side: 'buy', type: 'limit', limitPrice: 95, leverage: 3, fresh: null });
    expect(limit).toMatchObject({ entryPrice: 95, leverage: 3, entryFromPreview: false, leverageFromPreview: false });
  });

  it('refuses at send time a % or ROE level measured from a preview of another symbol', () => {
    const levels = [{ kind: 'tp' as const, mode: 'pct' as const, raw: '5' }, { kind: 'sl' as const, mode: 'price' as const, raw: '90' }];
    const fromPreview = { entryFromPreview: true, leverageFromPreview: true };
    expect(staleMeasuredFields(levels, fromPreview, 'BTC/USDT:USDT', 'ETH/USDT:USDT')).toEqual(['tp']);
    expect(staleMeasuredFields(levels, fromPreview, null, 'ETH/USDT:USDT'), 'no preview at all').toEqual(['tp']);
    expect(staleMeasuredFields(levels, fromPreview, 'ETH/USDT:USDT', 'ETH/USDT:USDT')).toEqual([]);
    // A limit's % is measured from its own price; its ROE still needs the preview's leverage unless typed.
    const roe = [{ kind: 'sl' as const, mode: 'roe' as const, raw: '20' }, { kind: 'tp' as const, mode: 'pct' as const, raw: '5' }];
    expect(staleMeasuredFields(roe, { entryFromPreview: false, leverageFromPreview: true }, null, 'ETH/USDT:USDT')).toEqual(['sl']);
    expect(staleMeasuredFields(roe, { entryFromPreview: false, leverageFromPreview: false }, null, 'ETH/USDT:USDT')).toEqual([]);
  });
});

describe('ticket post-only and time in force', () => {
  it('accepts a post-only GTC limit and IOC/FOK limits, and sends only what differs from a plain GTC limit', () => {
    expect(validateTiming({ type: 'limit', postOnly: true, timeInForce: 'GTC' })).toEqual({});
    expect(validateTiming({ type: 'limit', postOnly: false, timeInForce: 'FOK' })).toEqual({});
    expect(timingParams({ type: 'limit', postOnly: true, timeInForce: 'GTC' })).toEqual({ postOnly: true });
    expect(timingParams({ type: 'limit', postOnly: false, timeInForce: 'IOC' })).toEqual({ timeInForce: 'IOC' });
    expect(timingParams({ type: 'limit', postOnly: false, timeInForce: 'GTC' })).toEqual({});
    expect(timingParams({ type: 'market', postOnly: true, timeInForce: 'IOC' }), 'a market order carries neither').toEqual({});
  });

  it('refuses post-only on a market order, IOC/FOK on a market order, and IOC/FOK with post-only', () => {
    expect(validateTiming({ type: 'market', postOnly: true, timeInForce: 'GTC' })).toEqual({ postOnly: 'postOnly: got on (market order); expected a limit order: a market order always takes liquidity' });
    expect(validateTiming({ type: 'market', postOnly: false, timeInForce: 'FOK' }).timeInForce).toBe('timeInForce: got FOK (market order); expected GTC for a market order; IOC and FOK are for limit orders');
    expect(validateTiming({ type: 'limit', postOnly: true, timeInForce: 'IOC' })).toEqual({ timeInForce: 'timeInForce: got IOC with post-only; expected GTC: a post-only order rests on the book, IOC and FOK never rest' });
  });
});

describe('rankings venue column', () => {
  it('sorts by venue, then by rank within it, rows without one last', async () => {
    const { viewRows } = await import('../../src/renderer/lib/rankingView.js');
    const { RANK_COLUMN_IDS, toggleColumn } = await import('../../src/renderer/lib/rankColumns.js');
    const row = (symbol: string, rank: number, exchange?: string) => ({ symbol, rank, ...(exchange ? { exchange } : {}) }) as Parameters<typeof viewRows>[0][number];
    const rows = [row('A', 3, 'blofin'), row('B', 1, 'binanceusdm'), row('C', 2, 'blofin'), row('D', 4)];
    const filter = { search: '', symbols: null, maxManipScore: null };
    expect(viewRows(rows, filter, 'exchange', 'asc').map((r) => r.symbol)).toEqual(['B', 'C', 'A', 'D']);
    expect(viewRows(rows, filter, 'exchange', 'desc').map((r) => r.symbol)).toEqual(['C', 'A', 'B', 'D']);
    expect(RANK_COLUMN_IDS, 'the column chooser offers it').toContain('venue');
    expect(toggleColumn([], 'venue'), 'and it can be hidden').toEqual(['venue']);
  });
});
