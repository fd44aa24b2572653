import { InvalidInputError, type FieldIssue } from '../core/errors.js';

/** A window length: whole bars or days (`720`, `720b`, `60d`, `12h`). */
export type WindowLength = { bars: number } | { days: number } | { hours: number };

/** One walk-forward fold: fit on [trainStartMs, trainEndMs), evaluate on [testStartMs, testEndMs). */
export interface Fold {
  index: number;
  trainStartMs: number;
  trainEndMs: number;
  testStartMs: number;
  testEndMs: number;
}

export interface FoldOptions {
  /** First bar of the period the folds may use (warm-up bars come before it). */
  startMs: number;
  /** End of the period (exclusive). */
  endMs: number;
  barMs: number;
  train: WindowLength;
  test: WindowLength;
  /** Gap between a train window's end and its test window's start, so labels reaching past the fit cannot leak. */
  embargo?: WindowLength;
  /** Anchored: every train window starts at `startMs` and grows; rolling (default): it slides. */
  anchored?: boolean;
  /** Number of folds; as many as fit when absent. */
  folds?: number;
}

/** Bars in a window length (days and hours rounded up to whole bars). */
export function windowBars(length: WindowLength, barMs: number): number {
  if ('bars' in length) return length.bars;
  const ms = 'days' in length ? length.days * 86_400_000 : length.hours * 3_600_000;
  return Math.ceil(ms / barMs);
}

/** Parses `60d`, `12h`, `720b` or `720` (bars); throws `InvalidInputError` naming `field`. */
export function parseWindowLength(text: string, field: string): WindowLength {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(d|h|b|bars?)?\s*$/i.exec(text);
  const n = m ? Number(m[1]) : NaN;
  const unit = (m?.[2] ?? 'b').toLowerCase();
  if (!m || !(n > 0) || (unit.startsWith('b') && !Number.isInteger(n))) {
    throw new InvalidInputError('walk-forward options', [{ path: field, received: JSON.stringify(text), expected: 'a positive length in days (60d), hours (12h) or whole bars (720 or 720b)' }]);
  }
  return unit === 'd' ? { days: n } : unit === 'h' ? { hours: n } : { bars: n };
}

/**
 * Time-ordered walk-forward folds over [startMs, endMs), on bar boundaries (multiples of `barMs`
 * since the epoch, where the bars open): `startMs` is rounded up and `endMs` down to one, so every
 * window holds whole bars. A window edge inside a bar would let the fit keep the bar that straddles
 * its end, whose close lies in the test window.
 * Rolling: fold i trains on the `train` window ending where fold i's embargo begins and tests on
 * the next `test` window; test windows follow each other without overlap and the last one ends at the
 * period's last bar boundary (bars left over go unused at the start). Anchored: the same test windows, every train window
 * starting at the (rounded) `startMs`. A train window always ends at or before its
 * test start, so nothing of the test period is inside the fit. Pure.
 * Throws `InvalidInputError` naming the field for a length or fold count that is not a positive
 * whole number of bars (days, hours: positive and finite), a negative embargo, or a period that is
 * not finite or too short for the folds.
 *
 * @example
 * makeFolds({ startMs, endMs, barMs: 3_600_000, train: { days: 60 }, test: { days: 30 }, folds: 3 });
 */
export function makeFolds(o: FoldOptions): Fold[] {
  checkFoldOptions(o);
  const startMs = Math.ceil(o.startMs / o.barMs) * o.barMs;
  const endMs = Math.floor(o.endMs / o.barMs) * o.barMs;
  const trainBars = windowBars(o.train, o.barMs);
  const testBars = windowBars(o.test, o.barMs);
  const embargoBars = o.embargo ? windowBars(o.embargo, o.barMs) : 0;
  const periodBars = Math.max(0, Math.round((endMs - startMs) / o.barMs));
  const fit = Math.floor((periodBars - trainBars - embargoBars) / testBars);
  const count = o.folds ?? fit;
  if (count < 1 || count > fit) {
    const need = trainBars + embargoBars + Math.max(1, count) * testBars;
    throw new InvalidInputError('walk-forward options', [
      {
        path: 'folds',
        received: `${o.folds ?? 'as many as fit'} (train ${trainBars} + embargo ${embargoBars} + test ${testBars} bars per fold, period ${periodBars} bars)`,
        expected: `a period of at least ${need} bars, or fewer or shorter folds`,
      },
    ]);
  }
  // The most recent data matters most: the last test window ends with the period, and what is
  // left over (less than a test window, or more when fewer folds are asked for) is at the start.
  const skipBars = periodBars - trainBars - embargoBars - count * testBars;
  const folds: Fold[] = [];
  for (let i = 0; i < count; i++) {
    const trainEndBar = skipBars + trainBars + i * testBars;
    const testStartBar = trainEndBar + embargoBars;
    folds.push({
      index: i,
      trainStartMs: startMs + (o.anchored ? 0 : skipBars + i * testBars) * o.barMs,
      trainEndMs: startMs + trainEndBar * o.barMs,
      testStartMs: startMs + testStartBar * o.barMs,
      testEndMs: startMs + (testStartBar + testBars) * o.barMs,
    });
  }
  return folds;
}

const LENGTH_EXPECTED = {
  1: 'a whole number of bars >= 1 ({ bars: 720 }), or a positive finite number of days or hours ({ days: 60 }, { hours: 12 })',
  0: 'a whole number of bars >= 0 ({ bars: 24 }), or a finite number of days or hours >= 0 ({ days: 1 }, { hours: 12 })',
};

/** The issue with a window length, or null; `minBars` 0 allows an empty window (the embargo). */
function lengthIssue(length: unknown, field: string, minBars: 0 | 1): FieldIssue | null {
  const expected = LENGTH_EXPECTED[minBars];
  if (typeof length !== 'object' || length === null) return { path: field, received: String(length), expected };
  const keys = Object.keys(length);
  const unit = keys.length === 1 ? keys[0]! : '';
  const n = (length as Record<string, unknown>)[unit];
  if (unit !== 'bars' && unit !== 'days' && unit !== 'hours') return { path: field, received: JSON.stringify(length), expected };
  const ok = typeof n === 'number' && Number.isFinite(n) && (minBars === 0 ? n >= 0 : n > 0) && (unit !== 'bars' || Number.isInteger(n));
  return ok ? null : { path: `${field}.${unit}`, received: String(n), expected };
}

/** Every bad field of the options at once, so no layout is computed from a NaN or a zero step. */
function checkFoldOptions(o: FoldOptions): void {
  const issues: FieldIssue[] = [];
  if (!(Number.isInteger(o.barMs) && o.barMs > 0)) issues.push({ path: 'barMs', received: String(o.barMs), expected: 'a whole number of milliseconds >= 1' });
  if (!Number.isFinite(o.startMs)) issues.push({ path: 'startMs', received: String(o.startMs), expected: 'a finite time in ms since the epoch' });
  if (!Number.isFinite(o.endMs)) issues.push({ path: 'endMs', received: String(o.endMs), expected: 'a finite time in ms since the epoch' });
  for (const issue of [lengthIssue(o.train, 'train', 1), lengthIssue(o.test, 'test', 1), o.embargo === undefined ? null : lengthIssue(o.embargo, 'embargo', 0)]) if (issue) issues.push(issue);
  if (o.folds !== undefined && !(Number.isInteger(o.folds) && o.folds >= 1)) issues.push({ path: 'folds', received: String(o.folds), expected: 'a whole number of folds >= 1, or none for as many as fit' });
  if (issues.length) throw new InvalidInputError('walk-forward options', issues);
}
