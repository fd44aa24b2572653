import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { quoteVolumeOf, tickerFromCcxt } from '../../src/market/ccxtConvert.js';

// A USDT-margined swap ticker as HTX's /linear-swap-ex/market/detail/batch_merged sends it:
// `vol` counts contracts, `amount` is coin, `trade_turnover` is the quote turnover.
const RAW = {
  id: 1_700_000_000,
  ts: 1_700_000_000_123,
  ask: [2050.5, 120],
  bid: [2050.4, 80],
  contract_code: 'ETH-USDT',
  open: '2000.1',
  close: '2050.4',
  low: '1990.2',
  high: '2070.8',
  amount: '152340.27',
  count: 98231,
  vol: '15234027',
  trade_turnover: '311234567.8912',
  business_type: 'swap',
  number_of: '98231',
  trade_partition: 'USDT',
};
const CONTRACT_SIZE = 0.01;
const MARKET = { id: 'ETH-USDT', symbol: 'ETH/USDT:USDT', base: 'ETH', quote: 'USDT', settle: 'USDT', type: 'swap', swap: true, linear: true, contract: true, contractSize: CONTRACT_SIZE, precision: {}, limits: {} };

/** The ticker through ccxt's own htx parser, as the market-data layer receives it. */
function parsed(raw: Record<string, unknown>) {
  const ex = new ccxt.htx();
  return ex.parseTicker(raw, MARKET as unknown as Parameters<typeof ex.parseTicker>[1]);
}

describe('HTX contract tickers (ccxt htx maps vol to quoteVolume and amount to baseVolume)', () => {
  it('ccxt still reports the contract count as the quote volume, which the conversion must not trust', () => {
    expect(parsed(RAW).quoteVolume).toBe(15_234_027);
    expect(parsed(RAW).baseVolume).toBe(152_340.27);
  });

  it('the 24h quote volume is trade_turnover and the base volume is the coin amount, not rescaled', () => {
    const t = tickerFromCcxt(parsed(RAW), CONTRACT_SIZE, 0).value!;
    expect(t.quoteVolume24h).toBeCloseTo(311_234_567.8912, 4);
    expect(t.baseVolume24h).toBeCloseTo(152_340.27, 8);
    expect(t.bidSize, 'touch sizes are still contracts, scaled to coin').toBeCloseTo(80 * CONTRACT_SIZE, 12);
    expect(t.quoteVolume24h / t.baseVolume24h, 'the implied average price lies in the day range').toBeGreaterThan(1990.2);
    expect(t.quoteVolume24h / t.baseVolume24h).toBeLessThan(2070.8);
  });

  it('without trade_turnover (or outside HTX) the ccxt fields are used as before', () => {
    const { trade_turnover: _turnover, ...noTurnover } = RAW;
    expect(quoteVolumeOf(parsed(noTurnover), CONTRACT_SIZE)).toBe(15_234_027);
    const other = { ...parsed(RAW), info: { instId: 'ETH-USDT', volCurrencyQuote24h: '5' } };
    expect(quoteVolumeOf(other, CONTRACT_SIZE)).toBe(15_234_027);
    expect(tickerFromCcxt(other, CONTRACT_SIZE, 0).value?.baseVolume24h).toBeCloseTo(152_340.27 * CONTRACT_SIZE, 8);
  });
});
