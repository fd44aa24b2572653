import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { simDialectFor, venueCommandFlags, venueExchangeId } from '../../src/engine/exchangeClient.js';

describe('simDialectFor', () => {
  it('speaks BloFin when no exchange, blofin or sim is named', () => {
    expect(simDialectFor(undefined)).toBe('blofin');
    expect(simDialectFor('blofin')).toBe('blofin');
    expect(simDialectFor('sim')).toBe('blofin');
  });

  it('speaks the dialect of each exchange the sim can stand in for', () => {
    expect(simDialectFor('binanceusdm')).toBe('binanceusdm');
    expect(simDialectFor('bybit')).toBe('bybit');
    expect(simDialectFor('htx')).toBe('htx');
  });

  it('refuses an exchange the sim cannot speak, naming the field, the value and the ones it can', () => {
    expect(() => simDialectFor('okx')).toThrow(ConfigError);
    expect(() => simDialectFor('okx')).toThrow(/exchange.*"okx".*blofin, binanceusdm, bybit or htx/s);
  });
});

describe('venueExchangeId', () => {
  it('is the configured exchange on a venue, whatever dialect is passed', () => {
    expect(venueExchangeId('bybit', undefined)).toBe('bybit');
    expect(venueExchangeId('blofin', 'htx')).toBe('blofin');
  });

  it('is the exchange the dialect stands in for on the sim, BloFin when none is named', () => {
    expect(venueExchangeId('sim', undefined)).toBe('blofin');
    expect(venueExchangeId('sim', 'blofin')).toBe('blofin');
    expect(venueExchangeId('sim', 'binanceusdm')).toBe('binanceusdm');
    expect(venueExchangeId('sim', 'bybit')).toBe('bybit');
    expect(venueExchangeId('sim', 'htx')).toBe('htx');
  });

  it('agrees with simDialectFor for every --sim --exchange choice', () => {
    for (const named of [undefined, 'sim', 'blofin', 'binanceusdm', 'bybit', 'htx']) {
      expect(venueExchangeId('sim', simDialectFor(named))).toBe(named === undefined || named === 'sim' ? 'blofin' : named);
    }
  });
});

describe('venueCommandFlags', () => {
  it('names the exchange of a venue run', () => {
    expect(venueCommandFlags('bybit', undefined)).toBe('--exchange bybit');
    expect(venueCommandFlags('blofin', 'htx')).toBe('--exchange blofin');
  });

  it('is --sim alone for the default dialect and adds --exchange for any other', () => {
    expect(venueCommandFlags('sim', undefined)).toBe('--sim');
    expect(venueCommandFlags('sim', 'blofin')).toBe('--sim');
    expect(venueCommandFlags('sim', 'htx')).toBe('--sim --exchange htx');
    expect(venueCommandFlags('sim', 'binanceusdm')).toBe('--sim --exchange binanceusdm');
  });
});
