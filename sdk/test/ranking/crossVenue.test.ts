import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { crossVenueAssetKey, crossVenueRows, roundTripFeesBps, type BasisRow, type FundingSpreadRow, type VenueQuote } from '../../src/ranking/crossVenue.js';

const quote = (over: Partial<VenueQuote> & Pick<VenueQuote, 'venue'>): VenueQuote => ({
  symbol: 'BTC/USDT:USDT',
  price: 100,
  fundingRate: 0.0001,
  fundingIntervalHours: 8,
  takerFeeRate: 0.0005,
  ...over,
});

/** BTC on two venues: A cheaper with lower funding, B dearer with higher funding. */
const A = quote({ venue: 'a', price: 100, indexPrice: 99.9, fundingRate: 0.0001, takerFeeRate: 0.0005 });
const B = quote({ venue: 'b', price: 101, fundingRate: 0.0003, takerFeeRate: 0.0006 });

const fundingRows = (rows: readonly { measure: string }[]) => rows.filter((r): r is FundingSpreadRow => r.measure === 'fundingSpread');
const basisRows = (rows: readonly { measure: string }[]) => rows.filter((r): r is BasisRow => r.measure === 'basis');

describe('crossVenueAssetKey', () => {
  it('keys USDT-margined linear perps by base, and nothing else', () => {
    expect(crossVenueAssetKey('BTC/USDT:USDT')).toBe('BTC');
    expect(crossVenueAssetKey('1000PEPE/USDT:USDT'), 'a multiplier prefix is a different contract, kept apart').toBe('1000PEPE');
    expect(crossVenueAssetKey('BTC/USD:BTC'), 'inverse').toBeNull();
    expect(crossVenueAssetKey('BTC/USDT:USDT-250328'), 'dated future').toBeNull();
    expect(crossVenueAssetKey('BTC/USDT'), 'spot').toBeNull();
    expect(crossVenueAssetKey('BTC/USDC:USDC'), 'USDC-margined').toBeNull();
  });
});

describe('crossVenueRows', () => {
  it('funding spread: long the lower payer, short the higher, fees of 4 taker fills, payback and 24h net (hand-computed)', () => {
    const { rows, skipped } = crossVenueRows([A, B]);
    expect(skipped).toEqual([]);
    const [f] = fundingRows(rows);
    expect(f).toBeDefined();
    expect(f!.asset).toBe('BTC');
    expect(f!.long.venue).toBe('a');
    expect(f!.short.venue).toBe('b');
    // (0.0003 - 0.0001) per 8h = 2 bps = 0.02 %; x 1095 periods a year = 21.9 %.
    expect(f!.spreadPer8hBps).toBeCloseTo(2, 10);
    expect(f!.fundingPer8hPct).toBeCloseTo(0.02, 12);
    expect(f!.annualizedPct).toBeCloseTo(21.9, 9);
    // 2 x (5 + 6) bps = 22 bps; 22 / 2 = 11 periods; 24h = 3 periods: 6 - 22 = -16 bps.
    expect(f!.feesBps).toBeCloseTo(22, 10);
    expect(f!.paybackPeriods8h).toBeCloseTo(11, 9);
    expect(f!.horizonHours).toBe(24);
    expect(f!.netAfterFeesBps).toBeCloseTo(-16, 9);
    expect(f!.note).toBe('carry at current rates, not a forecast');
    expect(f!.long.fundingPer8hPct).toBeCloseTo(0.01, 12);
    // (100 - 99.9) / 99.9 = 10.01001 bps; B gives no index.
    expect(f!.long.premiumBps).toBeCloseTo(10.01001001, 6);
    expect(f!.short.premiumBps).toBeNull();
  });

  it('the horizon is a parameter: 96h of 2 bps per 8h is 24 bps, net +2 after 22 bps of fees', () => {
    const [f] = fundingRows(crossVenueRows([A, B], { horizonHours: 96 }).rows);
    expect(f!.horizonHours).toBe(96);
    expect(f!.netAfterFeesBps).toBeCloseTo(2, 9);
  });

  it('normalizes funding intervals to 8h: 1.5 bps per 4h is 3 bps per 8h', () => {
    const fourHourly = quote({ venue: 'c', fundingRate: 0.00015, fundingIntervalHours: 4, takerFeeRate: 0.0004 });
    const [f] = fundingRows(crossVenueRows([A, fourHourly]).rows);
    expect(f!.short.venue).toBe('c');
    expect(f!.short.fundingPer8hPct).toBeCloseTo(0.03, 12);
    expect(f!.spreadPer8hBps).toBeCloseTo(2, 10);
    expect(f!.feesBps).toBeCloseTo(18, 10);
  });

  it('negative funding: the long leg is the more negative venue (it is paid to be long)', () => {
    const neg = quote({ venue: 'n', fundingRate: -0.0002 });
    const [f] = fundingRows(crossVenueRows([A, neg]).rows);
    expect(f!.long.venue).toBe('n');
    expect(f!.short.venue).toBe('a');
    expect(f!.spreadPer8hBps).toBeCloseTo(3, 10);
  });

  it('basis: buy the cheaper venue, sell the dearer, gap in bps of the mid minus round-trip fees (hand-computed)', () => {
    const [b] = basisRows(crossVenueRows([B, A]).rows);
    expect(b!.long.venue, 'the cheaper venue is bought').toBe('a');
    expect(b!.short.venue).toBe('b');
    // (101 - 100) / 100.5 = 99.5024876 bps; minus 22 bps.
    expect(b!.spreadBps).toBeCloseTo(99.50248756, 6);
    expect(b!.feesBps).toBeCloseTo(22, 10);
    expect(b!.netAfterFeesBps).toBeCloseTo(77.50248756, 6);
  });

  it('zero spread: no payback period, and the net is minus the fees', () => {
    const [f] = fundingRows(crossVenueRows([quote({ venue: 'x' }), quote({ venue: 'y' })]).rows);
    expect(f!.spreadPer8hBps).toBe(0);
    expect(f!.paybackPeriods8h).toBeNull();
    expect(f!.netAfterFeesBps).toBeCloseTo(-20, 10);
    expect(f!.long.venue, 'a tie keeps the input order').toBe('x');
  });

  it('an asset on one venue gives no row; three venues give three pairs of each kind', () => {
    const eth = quote({ venue: 'a', symbol: 'ETH/USDT:USDT' });
    const { rows } = crossVenueRows([A, B, eth, quote({ venue: 'c', price: 99 })]);
    expect(rows.every((r) => r.asset === 'BTC'), 'ETH is on one venue only').toBe(true);
    expect(fundingRows(rows)).toHaveLength(3);
    expect(basisRows(rows)).toHaveLength(3);
    expect(rows.slice(0, 3).every((r) => r.measure === 'fundingSpread'), 'funding rows first').toBe(true);
    const nets = basisRows(rows).map((r) => r.netAfterFeesBps);
    expect(nets, 'best net first').toEqual([...nets].sort((x, y) => y - x));
  });

  it('round-trip fees are 4 taker fills in bps of one leg', () => {
    expect(roundTripFeesBps(0.0006, 0.0005)).toBeCloseTo(22, 10);
    expect(roundTripFeesBps(0, 0)).toBe(0);
  });

  describe('bad input: the quote is skipped with field, value and expectation; never a throw, never a NaN row', () => {
    it.each([
      ['NaN price', { price: NaN }, 'price', 'NaN'],
      ['zero price', { price: 0 }, 'price', '0'],
      ['negative price', { price: -5 }, 'price', '-5'],
      ['NaN taker fee', { takerFeeRate: NaN }, 'takerFeeRate', 'NaN'],
      ['inverse contract', { symbol: 'BTC/USD:BTC' }, 'symbol', '"BTC/USD:BTC"'],
    ] as const)('%s: skipped from every row', (_name, over, field, received) => {
      const { rows, skipped } = crossVenueRows([A, { ...B, ...over }]);
      expect(rows, 'BTC is left on one usable venue: no row').toEqual([]);
      expect(skipped).toHaveLength(1);
      expect(skipped[0]).toMatchObject({ venue: 'b', scope: 'all', field, received });
      expect(skipped[0]!.expected.length).toBeGreaterThan(0);
    });

    it('missing funding: the basis row stays, the funding row goes, and the skip says why', () => {
      const { rows, skipped } = crossVenueRows([A, { ...B, fundingRate: undefined }]);
      expect(fundingRows(rows)).toEqual([]);
      expect(basisRows(rows)).toHaveLength(1);
      expect(skipped).toEqual([{ venue: 'b', symbol: 'BTC/USDT:USDT', scope: 'fundingSpread', field: 'fundingRate', received: 'undefined', expected: 'a finite funding rate per interval' }]);
    });

    it('missing or zero funding interval: likewise', () => {
      for (const fundingIntervalHours of [undefined, 0]) {
        const { rows, skipped } = crossVenueRows([A, { ...B, fundingIntervalHours }]);
        expect(fundingRows(rows)).toEqual([]);
        expect(basisRows(rows)).toHaveLength(1);
        expect(skipped[0]).toMatchObject({ scope: 'fundingSpread', field: 'fundingIntervalHours', received: String(fundingIntervalHours) });
      }
    });

    it('a second quote of the same asset from one venue is skipped, the first kept', () => {
      const { rows, skipped } = crossVenueRows([A, B, { ...B, price: 500 }]);
      expect(basisRows(rows)).toHaveLength(1);
      expect(basisRows(rows)[0]!.short.price).toBe(101);
      expect(skipped).toMatchObject([{ venue: 'b', field: 'venue', scope: 'all' }]);
    });

    it('a horizon that is not > 0 hours is a ConfigError naming it', () => {
      for (const horizonHours of [0, -1, NaN]) {
        let thrown: unknown;
        try {
          crossVenueRows([A, B], { horizonHours });
        } catch (err) {
          thrown = err;
        }
        expect(thrown).toBeInstanceOf(ConfigError);
        expect((thrown as ConfigError).issues).toEqual([{ path: 'horizonHours', received: String(horizonHours), expected: 'a carry horizon > 0 hours' }]);
      }
    });
  });
});
