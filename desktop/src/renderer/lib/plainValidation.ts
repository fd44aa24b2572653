import { issuesByPath, type FieldIssue } from './remote.js';

/**
 * Validation messages in plain words. The host reports a bad field as zod phrased it
 * (`Too small: expected number to be >0`, received `-5`); a trader reads
 * `must be greater than 0 (got -5)`. Wording the form does not know is kept, never dropped.
 */

const BOUND_WORDS: Record<string, string> = {
  '>': 'greater than',
  '>=': 'at least',
  '<': 'less than',
  '<=': 'at most',
};

const TYPE_WORDS: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  boolean: 'on or off',
  string: 'text',
  array: 'a list',
  object: 'a group of settings',
};

/** `"atr"|"bps"` -> `atr, bps`. */
function optionList(raw: string): string {
  return raw
    .split('|')
    .map((o) => o.trim().replace(/^"(.*)"$/, '$1'))
    .join(', ');
}

/** The `expected` half of an issue as "must ..." (or the text itself when it has another shape). */
export function plainExpectation(expected: string): string {
  const e = expected.trim().replace(/^Invalid input: /, '');
  // Too small / Too big on numbers: `Too small: expected number to be >0`.
  let m = /^Too (?:small|big): expected number to be (>=|<=|>|<)\s*(-?[\d.e+-]+)$/.exec(e);
  if (m) return `must be ${BOUND_WORDS[m[1]!]} ${m[2]}`;
  // On lengths: `Too small: expected string to have >=1 characters`.
  m = /^Too (?:small|big): expected (string|array) to have (>=|<=|>|<)\s*(\d+) (characters|items)$/.exec(e);
  if (m) return `must have ${BOUND_WORDS[m[2]!]} ${m[3]} ${m[4]}`;
  m = /^Invalid option: expected one of (.+)$/.exec(e);
  if (m) return `must be one of ${optionList(m[1]!)}`;
  m = /^one of (.+)$/.exec(e);
  if (m) return `must be one of ${m[1]}`;
  // A wrong type: `expected number, received string` (the host strips the leading `expected `).
  m = /^(?:expected )?(\w+), received (\w+)$/.exec(e);
  if (m) {
    const want = TYPE_WORDS[m[1]!] ?? m[1]!;
    return m[2] === 'null' || m[2] === 'undefined' ? `must be ${want}, not empty` : `must be ${want}`;
  }
  m = /^(?:expected )?(number|int|boolean|string)$/.exec(e);
  if (m) return `must be ${TYPE_WORDS[m[1]!]}`;
  // The host's own wording of a wrong type at the RPC boundary: `a int`, `a number`.
  m = /^an? (\w+)$/.exec(e);
  if (m && TYPE_WORDS[m[1]!]) return `must be ${TYPE_WORDS[m[1]!]}`;
  if (e === 'a known setting path') return 'is not a setting this app knows';
  if (/^(must|is|should) /.test(e)) return e;
  return `must be ${e.replace(/^expected /, '')}`;
}

/** What the field held, as a trader would say it. */
function plainReceived(received: string): string {
  if (received === 'nothing' || received === 'undefined') return 'missing';
  if (received === 'null' || received === '""') return 'empty';
  return received.replace(/^"(.*)"$/, '$1');
}

/** One issue in plain words: `must be greater than 0 (got -5)`. */
export function plainIssue(issue: FieldIssue): string {
  if (issue.message && !issue.expected) return issue.message;
  const want = issue.expected ? plainExpectation(issue.expected) : 'is not valid';
  return issue.received !== undefined ? `${want} (got ${plainReceived(issue.received)})` : want;
}

/** `issuesByPath` with every message in plain words. */
export function plainIssuesByPath(issues: readonly FieldIssue[], knownPaths: readonly string[]): { byPath: Record<string, string>; other: string[] } {
  return issuesByPath(
    issues.map((i) => ({ path: i.path, message: plainIssue(i) })),
    knownPaths,
  );
}

/** A setting's value for the help line: `0.5`, `on`/`off`, `empty`. */
export function settingValueText(v: number | string | boolean | null | undefined): string {
  if (v === null || v === undefined || v === '') return 'empty';
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  return String(v);
}

/** The allowed range in words; an exclusive bound (`.positive()` refuses 0) is said as such. */
function rangeText(min: number | null, max: number | null, minExclusive: boolean, maxExclusive: boolean): string | null {
  if (min !== null && max !== null) {
    if (minExclusive && maxExclusive) return `Greater than ${min} and less than ${max}.`;
    if (minExclusive) return `Greater than ${min}, up to ${max}.`;
    if (maxExclusive) return `From ${min} to less than ${max}.`;
    return `Range ${min} to ${max}.`;
  }
  if (min !== null) return minExclusive ? `Greater than ${min}.` : `At least ${min}.`;
  if (max !== null) return maxExclusive ? `Less than ${max}.` : `At most ${max}.`;
  return null;
}

/** The help line under a setting: its explanation, then its unit, range and default. */
export function settingHelp(f: {
  help: string | null;
  unit: string | null;
  min: number | null;
  max: number | null;
  minExclusive?: boolean;
  maxExclusive?: boolean;
  defaultValue?: number | string | boolean | null;
}): string {
  const parts: string[] = [];
  if (f.unit) parts.push(`Unit: ${f.unit}.`);
  const range = rangeText(f.min, f.max, f.minExclusive === true, f.maxExclusive === true);
  if (range) parts.push(range);
  if (f.defaultValue !== undefined) parts.push(`Default: ${settingValueText(f.defaultValue)}${f.unit && f.defaultValue !== null && typeof f.defaultValue !== 'boolean' ? ` ${f.unit}` : ''}.`);
  if (f.help) parts.push(f.help);
  return parts.join(' ');
}
