import { describe, expect, it } from 'vitest';
import { markTriggerStep } from '../../src/trading/markTrigger.js';

const rule = { holdMs: 60_000, retryEveryMs: 5_000 };
const state = { armedAtMs: 1_000_000, triedAtMs: 1_000_000, reason: '503' };

describe('markTriggerStep', () => {
  it('exits a long at or under its stop, and a short at or over it, whatever the clock says', () => {
    expect(markTriggerStep(rule, state, 'long', 98, 98, state.armedAtMs + 1)).toMatchObject({ kind: 'exit', crossed: true });
    expect(markTriggerStep(rule, state, 'long', 98, 98.01, state.armedAtMs + 1), 'above a long stop: held').toEqual({ kind: 'hold' });
    expect(markTriggerStep(rule, state, 'short', 102, 102.5, state.armedAtMs + 1)).toMatchObject({ kind: 'exit', crossed: true });
    expect(markTriggerStep(rule, state, 'short', 102, 101.9, state.armedAtMs + 1)).toEqual({ kind: 'hold' });
  });

  it('tries the exchange stop again once retryEveryMs has passed since the last try', () => {
    expect(markTriggerStep(rule, state, 'long', 98, 99, state.triedAtMs + 4_999)).toEqual({ kind: 'hold' });
    expect(markTriggerStep(rule, state, 'long', 98, 99, state.triedAtMs + 5_000)).toEqual({ kind: 'try' });
  });

  it('exits when the hold runs out, counted from when it began, not from the last try', () => {
    const retried = { ...state, triedAtMs: state.armedAtMs + 58_000 };
    expect(markTriggerStep(rule, retried, 'long', 98, 99, state.armedAtMs + 59_999)).toEqual({ kind: 'hold' });
    expect(markTriggerStep(rule, retried, 'long', 98, 99, state.armedAtMs + 60_000)).toMatchObject({ kind: 'exit', crossed: false, reason: 'no stop on the exchange for 60000 ms: 503' });
  });

  it('without a rule (the hold switched off since), a held plan exits', () => {
    expect(markTriggerStep(null, state, 'long', 98, 99, state.armedAtMs + 1)).toMatchObject({ kind: 'exit', crossed: false });
  });
});
