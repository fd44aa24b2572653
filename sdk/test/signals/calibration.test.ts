import { describe, expect, it } from 'vitest';
import { emptyFeatureRow } from '../../src/features/types.js';
import { calibratedProbability, compileCalibration, parseCalibration } from '../../src/signals/calibration.js';
import { InvalidInputError } from '../../src/core/errors.js';

describe('calibration', () => {
  it('p = sigmoid(bias + sum(coef * input)) over features, score and components', () => {
    const cal = compileCalibration(parseCalibration({ bias: -1, coef: { score: 0.5, atrPct: -10, components: 0.2 } }));
    const f = { ...emptyFeatureRow(), atrPct: 0.02 };
    const z = -1 + 0.5 * 3 - 10 * 0.02 + 0.2 * 2;
    expect(calibratedProbability(cal, f, 3, 2)).toBeCloseTo(1 / (1 + Math.exp(-z)), 15);
  });

  it('a NaN input (order flow not supplied) contributes nothing', () => {
    const cal = compileCalibration(parseCalibration({ bias: 0.3, coef: { fundingDelta: 100 } }));
    expect(calibratedProbability(cal, emptyFeatureRow(), 0, 0)).toBeCloseTo(1 / (1 + Math.exp(-0.3)), 15);
  });

  it('rejects unknown inputs and non-numbers, naming the field', () => {
    expect(() => parseCalibration({ bias: 0, coef: { ret_5: 1 } })).toThrow(InvalidInputError);
    expect(() => parseCalibration({ bias: 0, coef: { ret_5: 1 } })).toThrow(/coef\.ret_5/);
    expect(() => parseCalibration({ bias: 'x', coef: {} })).toThrow(/bias/);
    expect(() => parseCalibration({ coef: {} })).toThrow(/bias/);
    expect(() => parseCalibration({ bias: 0, coef: { score: Number.POSITIVE_INFINITY } })).toThrow(/coef\.score/);
  });
});
