import { describe, expect, it } from 'vitest';
import type { Market, Ticker } from '@perpscope/shared';
import { DEFAULT_UNIVERSE_GATES, diffUniverse, rankUniverse, spreadBpsOf, UniverseReason, type UniverseGates } from '../../src/market/universe.js';

function market(base: string, over: Partial<Market> = {}): Market {
  return {
    symbol: `${base}/USDT:USDT`,
    id: `${base}-USDT`,
    base,
    quote: 'USDT',
    settle: 'USDT',
    type: 'swap',
    linear: true,
    active: true,
    contractSize: 1,
    tickSize: 0.01,
    lotSize: 1,
    minAmount: 1,
    makerFee: 0.0002,
    takerFee: 0.0006,
    ...over,
  };
}

function ticker(symbol: string, quoteVolume24h: number, last = 10, spreadBps = 2): Ticker {
  const half = (last * spreadBps) / 20_000;
  return { symbol, timestampMs: 0, last, bid: last - half, ask: last + half, baseVolume24h: quoteVolume24h / last, quoteVolume24h };
}

const gates = (over: Partial<UniverseGates> = {}): UniverseGates => ({ ...DEFAULT_UNIVERSE_GATES, ...over });

const markets = [
  market('BTC'),
  market('ETH'),
  market('SOL'),
  market('PEPE'),
  market('BTCDOM', { id: 'BTCDOM-USDT' }),
  market('HALT', { active: false }),
  market('USDCX', { settle: 'USDC', quote: 'USDC', symbol: 'USDCX/USDC:USDC' }),
  market('SPOT', { type: 'spot', symbol: 'SPOT/USDT' }),
];
const tickers = new Map<string, Ticker>(
  [
    ticker('BTC/USDT:USDT', 9e9, 90_000, 0.5),
    ticker('ETH/USDT:USDT', 5e9, 3_000, 1),
    ticker('SOL/USDT:USDT', 1e9, 150, 3),
    ticker('PEPE/USDT:USDT', 2e9, 0.00001, 40),
    ticker('BTCDOM/USDT:USDT', 3e9, 5_000, 5),
    ticker('HALT/USDT:USDT', 8e9, 1, 1),
    ticker('USDCX/USDC:USDC', 9e9, 1, 1),
    ticker('SPOT/USDT', 9e9, 1, 1),
  ].map((t) => [t.symbol, t]),
);
const symbols = (g: UniverseGates) => rankUniverse(markets, tickers, g).members.map((m) => m.base);

describe('rankUniverse', () => {
  it('ranks active USDT swaps by 24h quote volume', () => {
    const { members, rejected } = rankUniverse(markets, tickers, gates());
    expect(members.map((m) => [m.base, m.rank])).toEqual([['BTC', 1], ['ETH', 2], ['BTCDOM', 3], ['PEPE', 4], ['SOL', 5]]);
    expect(rejected.get('HALT/USDT:USDT'), 'a halted market is out').toBe(UniverseReason.inactive);
    expect(rejected.get('USDCX/USDC:USDC')).toBe(UniverseReason.notSwap);
    expect(rejected.get('SPOT/USDT')).toBe(UniverseReason.notSwap);
  });

  it('applies each gate with its reason', () => {
    const r1 = rankUniverse(markets, tickers, gates({ minQuoteVolumeUsd: 2.5e9 }));
    expect(r1.members.map((m) => m.base)).toEqual(['BTC', 'ETH', 'BTCDOM']);
    expect(r1.rejected.get('SOL/USDT:USDT')).toBe(UniverseReason.belowMinQuoteVolume);
    const r2 = rankUniverse(markets, tickers, gates({ minPrice: 0.01 }));
    expect(r2.rejected.get('PEPE/USDT:USDT')).toBe(UniverseReason.belowMinPrice);
    const r3 = rankUniverse(markets, tickers, gates({ maxSpreadBps: 4 }));
    expect(r3.members.map((m) => m.base)).toEqual(['BTC', 'ETH', 'SOL']);
    expect(r3.rejected.get('PEPE/USDT:USDT')).toBe(UniverseReason.spreadTooWide);
    expect(r3.rejected.get('BTCDOM/USDT:USDT')).toBe(UniverseReason.spreadTooWide);
    const r4 = rankUniverse(markets, tickers, gates({ topN: 2 }));
    expect(r4.members.map((m) => m.base)).toEqual(['BTC', 'ETH']);
    expect(r4.rejected.get('BTCDOM/USDT:USDT')).toBe(UniverseReason.outsideTopN);
  });

  it('matches include/exclude lists and globs against base, exchange id and symbol', () => {
    expect(symbols(gates({ exclude: ['BTCDOM-*'] })), 'glob on the exchange id').toEqual(['BTC', 'ETH', 'PEPE', 'SOL']);
    expect(symbols(gates({ exclude: ['pepe'] })), 'base, case-insensitive').toEqual(['BTC', 'ETH', 'BTCDOM', 'SOL']);
    expect(symbols(gates({ exclude: ['SOL/USDT:USDT'] })), 'unified symbol').toEqual(['BTC', 'ETH', 'BTCDOM', 'PEPE']);
    expect(symbols(gates({ include: ['BTC*'] }))).toEqual(['BTC', 'BTCDOM']);
    expect(symbols(gates({ include: ['BTC*'], exclude: ['*DOM'] })), 'exclude wins over include').toEqual(['BTC']);
    const r = rankUniverse(markets, tickers, gates({ include: ['ETH'] }));
    expect(r.rejected.get('BTC/USDT:USDT')).toBe(UniverseReason.notIncluded);
  });

  it('keeps only blue chips in blue-chip mode', () => {
    const r = rankUniverse(markets, tickers, gates({ blueChipOnly: true, blueChipBases: ['btc', 'SOL'] }));
    expect(r.members.map((m) => m.base)).toEqual(['BTC', 'SOL']);
    expect(r.rejected.get('ETH/USDT:USDT')).toBe(UniverseReason.notBlueChip);
  });

  it('rejects markets without a ticker, and without quotes when the spread gate is on', () => {
    const noTicker = rankUniverse([market('NEW')], new Map(), gates());
    expect(noTicker.rejected.get('NEW/USDT:USDT')).toBe(UniverseReason.noTicker);
    const t: Ticker = { symbol: 'NEW/USDT:USDT', timestampMs: 0, last: 1, baseVolume24h: 1, quoteVolume24h: 1 };
    const noQuote = rankUniverse([market('NEW')], new Map([[t.symbol, t]]), gates({ maxSpreadBps: 10 }));
    expect(noQuote.rejected.get('NEW/USDT:USDT')).toBe(UniverseReason.noQuotes);
  });

  it('computes spread in bps of mid', () => {
    expect(spreadBpsOf({ bid: 99.5, ask: 100.5 })).toBeCloseTo(100, 10);
    expect(spreadBpsOf({ bid: undefined, ask: 1 })).toBeNaN();
  });
});

describe('diffUniverse', () => {
  it('lists added and removed members with reasons (delisted, halted, gated out)', () => {
    const before = rankUniverse(markets, tickers, gates()).members;
    const after = [
      ...markets.filter((m) => m.base !== 'SOL' && m.base !== 'ETH'),
      market('ETH', { active: false }),
      market('NEW'),
    ];
    const t2 = new Map(tickers);
    t2.set('NEW/USDT:USDT', ticker('NEW/USDT:USDT', 4e9));
    t2.set('PEPE/USDT:USDT', ticker('PEPE/USDT:USDT', 1, 0.00001, 40));
    const change = diffUniverse(before, rankUniverse(after, t2, gates({ minQuoteVolumeUsd: 1_000 })), 123);
    expect(change.atMs).toBe(123);
    expect(change.added).toEqual([{ symbol: 'NEW/USDT:USDT', rank: 2 }]);
    expect(change.removed).toEqual([
      { symbol: 'ETH/USDT:USDT', reason: UniverseReason.inactive },
      { symbol: 'PEPE/USDT:USDT', reason: UniverseReason.belowMinQuoteVolume },
      { symbol: 'SOL/USDT:USDT', reason: UniverseReason.delisted },
    ]);
  });
});
