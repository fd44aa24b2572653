import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/core/errors.js';
import { baseToContracts, contractSizeOf, contractsToBase } from '../../src/market/contractUnits.js';

describe('contractUnits: the one base <-> contracts converter', () => {
  it('rounds an order size down to the lot, never up, without float noise', () => {
    expect(0.0021 / 0.001, 'the naive quotient, which ccxt would truncate to 2.0').not.toBe(2.1);
    expect(baseToContracts({ contractSize: 0.001 }, 0.0021, 0.1)).toBe(2.1);
    expect(baseToContracts({ contractSize: 0.001 }, 0.00359, 0.1), 'a fraction of a lot is dropped').toBe(3.5);
    expect(baseToContracts({ contractSize: 10 }, 199.99, 1)).toBe(19);
    expect(baseToContracts({ contractSize: 0.01 }, 0.0009, 0.1), 'less than a lot is nothing').toBe(0);
    expect(baseToContracts(0.001, -0.00359, 0.1), 'toward zero for a signed size').toBe(-3.5);
  });

  it('converts back exactly and passes non-numbers through for the data checks', () => {
    expect(contractsToBase({ contractSize: 0.001 }, 3.5)).toBe(0.0035);
    expect(contractsToBase({ contractSize: 0.01 }, 0.1)).toBe(0.001);
    expect(contractsToBase(undefined, 7), 'no contract size: base units').toBe(7);
    expect(Number.isNaN(contractsToBase(0.001, Number.NaN))).toBe(true);
    expect(contractSizeOf({ contractSize: 0 }), 'a nonsensical size means one base unit').toBe(1);
  });

  it('refuses an order size that is not a number, naming it', () => {
    expect(() => baseToContracts(0.001, Number.NaN, 0.1)).toThrow(InvalidInputError);
    expect(() => baseToContracts(0.001, Number.NaN, 0.1)).toThrow(/amountBase: got NaN/);
    expect(() => baseToContracts(0.001, 1, 0)).toThrow(/lotContracts: got 0/);
  });
});
