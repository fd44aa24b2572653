import { describe, expect, it } from 'vitest';
import { emptyFeatureRow } from '../../src/features/types.js';
import { compileCalibration, parseCalibration } from '../../src/signals/calibration.js';
import { DEFAULT_CALIBRATION_FILE, parseCalibrationFile } from '../../src/signals/calibrationFile.js';
import { blendSignal, type BlendInput } from '../../src/signals/composite.js';
import { resolveSignalEngineConfig } from '../../src/signals/config.js';
import { InvalidInputError } from '../../src/core/errors.js';

const config = resolveSignalEngineConfig({});

function input(over: Partial<BlendInput> = {}): BlendInput {
  return {
    symbol: 'BTC/USDT:USDT',
    timeframe: '1h',
    closeTimeMs: 3_600_000,
    features: { ...emptyFeatureRow(), openTimeMs: 0, close: 100, atr: 2, atrPct: 0.02 },
    votes: [{ id: 'breakout', result: { pass: true, side: 'long', score: 1, tags: [], level: null } }],
    weights: new Map(),
    regime: null,
    blend: config.blend,
    labeler: config.labeler,
    regimeParams: config.regime,
    calibration: null,
    ...over,
  };
}

describe('calibrated signals', () => {
  it('without a calibration a signal says calibrated: false, and its expected value is net of the round-trip fee', () => {
    const s = blendSignal(input())!;
    expect(s.calibrated, 'no calibration loaded').toBe(false);
    expect(s.calibrationId, 'no id without a calibration').toBeUndefined();
    const tp = (1.6 * 2) / 100;
    const sl = (1.2 * 2) / 100;
    expect(s.expectedValue, 'p*tp - (1-p)*sl - 12 bps').toBeCloseTo(s.probability * tp - (1 - s.probability) * sl - 0.0012, 12);
  });

  it('a calibration for the signal\'s timeframe sets probability, calibrated and the id', () => {
    const cal = compileCalibration(parseCalibration({ id: 'test-cal', timeframes: ['1h'], bias: -0.5, coef: { side: 0.2 } }));
    const s = blendSignal(input({ calibration: cal }))!;
    expect(s.calibrated, 'fitted for 1h').toBe(true);
    expect(s.calibrationId, 'names its calibration').toBe('test-cal');
    expect(s.probability, 'sigmoid(-0.5 + 0.2 * long)').toBeCloseTo(1 / (1 + Math.exp(0.3)), 12);
  });

  it('a calibration fitted on another timeframe leaves the signal uncalibrated', () => {
    const cal = compileCalibration(parseCalibration({ id: 'test-cal', timeframes: ['4h'], bias: -0.5, coef: {} }));
    const s = blendSignal(input({ calibration: cal }))!;
    expect(s.calibrated, '1h signal, 4h calibration').toBe(false);
    expect(s.probability, 'the heuristic mapping').toBeCloseTo(1 / (1 + Math.exp(-0.35 * (s.score - 3))), 12);
  });

  it('recorded funding is charged to the side that pays it over the labeler horizon', () => {
    const base = blendSignal(input())!;
    const paying = blendSignal(input({ features: { ...input().features, fundingRate: 0.0001 } }))!;
    // 12 bars of 1h at 8h settlements: 1.5 settlements at 1 bp.
    expect(base.expectedValue - paying.expectedValue, 'a long pays positive funding').toBeCloseTo(0.00015, 12);
  });

  it('the shipped calibration file parses, carries its provenance, and is consistent', () => {
    const f = DEFAULT_CALIBRATION_FILE;
    expect(f.provenance.fitDate, 'fit date is the data end').toBe(f.provenance.to);
    expect(f.calibrated, 'calibrated exactly when a calibration is present').toBe(f.calibration !== null);
    expect(() => parseCalibrationFile({ ...f, calibrated: !f.calibrated }), 'an inconsistent file is refused').toThrow(InvalidInputError);
  });
});
