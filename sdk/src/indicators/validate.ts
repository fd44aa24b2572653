import { InvalidInputError, type FieldIssue } from '../core/errors.js';
import type { Series } from './types.js';

/** Collects argument problems so one error names every bad field at once. */
export class ArgCheck {
  private readonly issues: FieldIssue[] = [];
  constructor(private readonly subject: string) {}

  /** A positive integer period, optionally with a lower bound. */
  period(path: string, value: unknown, min = 1): this {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      this.issues.push({ path, received: render(value), expected: min === 1 ? 'a positive integer' : `an integer >= ${min}` });
    }
    return this;
  }

  /** A finite number strictly above `min`. */
  above(path: string, value: unknown, min: number): this {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= min) {
      this.issues.push({ path, received: render(value), expected: `a finite number > ${min}` });
    }
    return this;
  }

  /** `a < b`, both already checked as numbers. */
  less(pathA: string, a: number, pathB: string, b: number): this {
    if (!(a < b)) this.issues.push({ path: pathA, received: render(a), expected: `less than ${pathB} (${render(b)})` });
    return this;
  }

  /** An array or Float64Array. */
  series(path: string, value: unknown): this {
    if (!Array.isArray(value) && !(value instanceof Float64Array)) {
      this.issues.push({ path, received: render(value), expected: 'a number[] or Float64Array' });
    }
    return this;
  }

  /** Every named series has the length of the first one. */
  sameLength(named: Record<string, unknown>): this {
    const entries = Object.entries(named);
    const first = entries[0];
    if (!first) return this;
    const expected = lengthOf(first[1]);
    if (expected < 0) return this;
    for (const [path, value] of entries.slice(1)) {
      const n = lengthOf(value);
      if (n >= 0 && n !== expected) {
        this.issues.push({ path, received: `length ${n}`, expected: `length ${expected} (same as ${first[0]})` });
      }
    }
    return this;
  }

  /** Throws one `InvalidInputError` listing everything found. */
  done(): void {
    if (this.issues.length > 0) throw new InvalidInputError(this.subject, this.issues);
  }
}

function lengthOf(value: unknown): number {
  return Array.isArray(value) || value instanceof Float64Array ? value.length : -1;
}

function render(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (Array.isArray(value)) return `array(${value.length})`;
  return typeof value;
}

/** The input as a Float64Array; copies plain arrays once so kernels stay monomorphic. */
export function toF64(values: Series): Float64Array {
  return values instanceof Float64Array ? values : Float64Array.from(values);
}

/** A new output array of length `n` whose first `warm` slots are NaN. */
export function outputArray(n: number, warm: number): Float64Array {
  const out = new Float64Array(n);
  out.fill(NaN, 0, Math.min(warm, n));
  return out;
}

/**
 * The output array of a batch kernel: `out` when the caller passed one (it must be a Float64Array
 * of length `n`; its first `warm` slots are set to NaN, the rest are overwritten), else a new one.
 * Passing `out` lets hot loops over many series reuse buffers instead of allocating per call.
 */
export function outputArrayOrInto(out: Float64Array | undefined, n: number, warm: number, subject: string, path: string): Float64Array {
  if (out === undefined) return outputArray(n, warm);
  if (!(out instanceof Float64Array) || out.length !== n) {
    throw new InvalidInputError(subject, [{ path, received: out instanceof Float64Array ? `length ${out.length}` : render(out), expected: `a Float64Array of length ${n}` }]);
  }
  out.fill(NaN, 0, Math.min(warm, n));
  return out;
}

/**
 * Throws when a streaming input is not a finite number (NaN or +-Infinity). Hot callers guard the
 * call with the same `x - x !== 0` test inline, so a valid input costs no call.
 */
export function rejectNonFinite(subject: string, path: string, value: number): void {
  // x - x is 0 for every finite number and NaN otherwise: one comparison covers NaN and Infinity.
  if (value - value !== 0) {
    throw new InvalidInputError(subject, [{ path, received: render(value), expected: 'a finite number' }]);
  }
}
