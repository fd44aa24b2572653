/** The JSON type of a value, as the wire carries it. */
export type JsonKind = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object' | 'undefined';

export function kindOf(v: unknown): JsonKind {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  const t = typeof v;
  if (t === 'string' || t === 'number' || t === 'boolean' || t === 'object' || t === 'undefined') return t;
  throw new Error(`kindOf: ${t} is not a JSON value`);
}

/** One difference between the docs' example and an actual message, at a JSON path such as `data[].fee`. */
export interface ShapeDifference {
  path: string;
  problem: string;
}

const isScalar = (v: unknown): boolean => v === null || typeof v !== 'object';

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/**
 * How `actual` differs in shape from the docs' example `doc`: keys missing or extra, and JSON
 * types that differ. Arrays whose docs elements are all scalars are tuples (candle rows, book
 * levels) and are compared position by position; other arrays are lists, each actual element
 * checked against the docs' items (see {@link mergeItems}). A docs `null` stands for an unset
 * string (the docs' tables type those fields String), so a string or null both match it.
 */
export function shapeDiff(doc: unknown, actual: unknown, path = '', optional: ReadonlySet<string> = new Set()): ShapeDifference[] {
  const dk = kindOf(doc);
  const ak = kindOf(actual);
  if (dk === 'null') return ak === 'null' || ak === 'string' ? [] : [{ path, problem: `docs null (an unset string), sim ${ak} ${JSON.stringify(actual)}` }];
  if (dk !== ak) return [{ path, problem: `docs ${dk} ${JSON.stringify(doc)}, sim ${ak} ${JSON.stringify(actual)}` }];
  if (dk === 'array') {
    const d = doc as unknown[];
    const a = actual as unknown[];
    if (d.length === 0) return [];
    if (d.every(isScalar)) {
      if (d.length !== a.length) return [{ path, problem: `docs tuple of ${d.length}, sim ${a.length}` }];
      return d.flatMap((x, i) => shapeDiff(x, a[i], `${path}[${i}]`));
    }
    const [template, optionalKeys] = d.every((x) => kindOf(x) === 'object') ? mergeItems(d as Record<string, unknown>[]) : [d[0], new Set<string>()];
    return a.flatMap((x) => shapeDiff(template, x, `${path}[]`, optionalKeys)).filter(uniqueByPath());
  }
  if (dk !== 'object') return [];
  const d = doc as Record<string, unknown>;
  const a = actual as Record<string, unknown>;
  const out: ShapeDifference[] = [];
  for (const k of Object.keys(d)) if (!(k in a) && !optional.has(k)) out.push({ path: join(path, k), problem: 'in the docs, missing from the sim' });
  for (const k of Object.keys(a)) if (!(k in d)) out.push({ path: join(path, k), problem: `not in the docs, sent by the sim (${JSON.stringify(a[k])})` });
  for (const k of Object.keys(d)) if (k in a) out.push(...shapeDiff(d[k], a[k], join(path, k)));
  return out;
}

/**
 * The docs' list items as one template: every key any item has (the first item's value for it),
 * and the keys not every item has as optional (BloFin's positions example shows `margin` on an
 * isolated position and `initialMargin` on a cross one).
 */
export function mergeItems(items: Record<string, unknown>[]): [Record<string, unknown>, Set<string>] {
  const template: Record<string, unknown> = {};
  for (const item of items) for (const [k, v] of Object.entries(item)) if (!(k in template)) template[k] = v;
  const optional = new Set(Object.keys(template).filter((k) => !items.every((item) => k in item)));
  return [template, optional];
}

function uniqueByPath(): (d: ShapeDifference) => boolean {
  const seen = new Set<string>();
  return (d) => {
    if (seen.has(d.path)) return false;
    seen.add(d.path);
    return true;
  };
}

/**
 * The shape of a ccxt unified structure: each field's kind by path, `info` (the raw record)
 * left out, plain objects walked (`fee.cost`), arrays by their kind only.
 */
export function unifiedShape(value: unknown, path = ''): Record<string, JsonKind> {
  const out: Record<string, JsonKind> = {};
  if (kindOf(value) !== 'object') return { [path || '$']: kindOf(value) };
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k === 'info') continue;
    const p = join(path, k);
    if (kindOf(v) === 'object') Object.assign(out, unifiedShape(v, p));
    else out[p] = kindOf(v);
  }
  return out;
}

/** Fields whose kind differs between two unified shapes (a field absent on one side counts as `undefined`). */
export function unifiedDiff(doc: Record<string, JsonKind>, actual: Record<string, JsonKind>): ShapeDifference[] {
  const keys = new Set([...Object.keys(doc), ...Object.keys(actual)]);
  const out: ShapeDifference[] = [];
  for (const k of keys) {
    const d = doc[k] ?? 'undefined';
    const a = actual[k] ?? 'undefined';
    if (d !== a) out.push({ path: k, problem: `ccxt parses the docs' example to ${d}, the sim's to ${a}` });
  }
  return out;
}
