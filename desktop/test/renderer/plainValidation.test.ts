import { describe, expect, it } from 'vitest';
import { plainExpectation, plainIssue, plainIssuesByPath, settingHelp } from '../../src/renderer/lib/plainValidation.js';

describe('renderer: validation messages in plain words', () => {
  it('turns the zod bound the host reports into "must be greater than 0 (got -5)"', () => {
    expect(plainIssue({ path: 'risk.sizing.riskPct', expected: 'Too small: expected number to be >0', received: '-5' })).toBe('must be greater than 0 (got -5)');
  });

  it('words every bound and type the settings form can hit', () => {
    expect(plainExpectation('Too small: expected number to be >=0')).toBe('must be at least 0');
    expect(plainExpectation('Too big: expected number to be <=100')).toBe('must be at most 100');
    expect(plainExpectation('Too big: expected number to be <1')).toBe('must be less than 1');
    expect(plainExpectation('number, received string')).toBe('must be a number');
    expect(plainExpectation('number, received null')).toBe('must be a number, not empty');
    expect(plainExpectation('int, received number')).toBe('must be a whole number');
    expect(plainExpectation('Invalid option: expected one of "atr"|"bps"|"level_atr"')).toBe('must be one of atr, bps, level_atr');
    expect(plainExpectation('Too small: expected string to have >=1 characters')).toBe('must have at least 1 characters');
    expect(plainExpectation('a known setting path')).toBe('is not a setting this app knows');
  });

  it('words the host\'s RPC-level type errors ("a int", "a number") like the others', () => {
    expect(plainIssue({ path: 'risk.gates.maxPositions', expected: 'a int', received: '"3"' })).toBe('must be a whole number (got 3)');
    expect(plainExpectation('a number')).toBe('must be a number');
    expect(plainExpectation('a boolean')).toBe('must be on or off');
    expect(plainExpectation('an object')).toBe('must be a group of settings');
    expect(plainExpectation('a ccxt unified perp symbol'), 'longer wording is kept').toBe('must be a ccxt unified perp symbol');
  });

  it('says what was received in words: empty, missing, the text without quotes', () => {
    expect(plainIssue({ path: 'x', expected: 'number, received null', received: 'null' })).toBe('must be a number, not empty (got empty)');
    expect(plainIssue({ path: 'x', expected: 'number, received undefined', received: 'nothing' })).toBe('must be a number, not empty (got missing)');
    expect(plainIssue({ path: 'x', expected: 'number, received string', received: '"abc"' })).toBe('must be a number (got abc)');
  });

  it('keeps wording it does not know instead of dropping it, and a ready message as it is', () => {
    expect(plainIssue({ path: 'x', expected: 'a ccxt unified perp symbol', received: '"BTC"' })).toBe('must be a ccxt unified perp symbol (got BTC)');
    expect(plainIssue({ path: 'x', message: 'Name already taken' })).toBe('Name already taken');
  });

  it('groups by the form paths the way the form shows them (host params prefix included)', () => {
    const { byPath, other } = plainIssuesByPath(
      [
        { path: 'values.risk.sizing.riskPct', expected: 'Too small: expected number to be >0', received: '-5' },
        { path: 'values.bogus', expected: 'a known setting path', received: '1' },
      ],
      ['risk.sizing.riskPct'],
    );
    expect(byPath).toEqual({ 'risk.sizing.riskPct': 'must be greater than 0 (got -5)' });
    expect(other).toEqual(['values.bogus: is not a setting this app knows (got 1)']);
  });

  it('the help line names the unit, the range and the default', () => {
    expect(settingHelp({ help: 'Used in risk_pct mode.', unit: '%', min: 0, max: 100, defaultValue: 0.5 })).toBe('Unit: %. Range 0 to 100. Default: 0.5 %. Used in risk_pct mode.');
    expect(settingHelp({ help: null, unit: null, min: 0, max: null, defaultValue: null })).toBe('At least 0. Default: empty.');
    expect(settingHelp({ help: 'Applies at once.', unit: null, min: null, max: null, defaultValue: true })).toBe('Default: on. Applies at once.');
    expect(settingHelp({ help: null, unit: null, min: null, max: null })).toBe('');
  });

  it('says an exclusive bound as the validator checks it: 0 is refused by "greater than 0"', () => {
    expect(settingHelp({ help: null, unit: '%', min: 0, max: 100, minExclusive: true, maxExclusive: false, defaultValue: 2.5 })).toBe('Unit: %. Greater than 0, up to 100. Default: 2.5 %.');
    expect(settingHelp({ help: null, unit: null, min: 0, max: 1, minExclusive: true, maxExclusive: true })).toBe('Greater than 0 and less than 1.');
    expect(settingHelp({ help: null, unit: null, min: 0, max: 1, minExclusive: false, maxExclusive: true })).toBe('From 0 to less than 1.');
    expect(settingHelp({ help: null, unit: 'ATR', min: 0, max: null, minExclusive: true })).toBe('Unit: ATR. Greater than 0.');
    expect(settingHelp({ help: null, unit: null, min: null, max: 5, maxExclusive: true })).toBe('Less than 5.');
    expect(settingHelp({ help: null, unit: null, min: 1, max: 125, minExclusive: false, maxExclusive: false })).toBe('Range 1 to 125.');
  });
});
