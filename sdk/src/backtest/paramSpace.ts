import type { z } from 'zod';
import { InvalidInputError, type FieldIssue } from '../core/errors.js';
import { zodIssuesToFieldIssues } from '../core/zodIssues.js';
import type { PerpscopeConfigInput } from '../config/index.js';
import { BlockRng } from '../sim/rng.js';
import { createStrategyRegistry } from '../strategies/builtins.js';
import type { StrategyRegistry } from '../strategies/registry.js';

export type ParamValue = number | boolean | string;

/** Strategy parameters by strategy id, then parameter name: what one candidate changes. */
export type ParamSet = Record<string, Record<string, ParamValue>>;

/** One point of a parameter space. `key` names it (`ema-cross.minAdx=20;...`) and breaks ties. */
export interface Candidate {
  key: string;
  params: ParamSet;
}

export interface ParamBound {
  value: number;
  inclusive: boolean;
}

/** One tunable strategy parameter, read from the strategy's zod schema. */
export interface ParamSpec {
  /** `strategy-id.param`. */
  path: string;
  strategy: string;
  param: string;
  kind: 'number' | 'integer' | 'boolean' | 'enum';
  min?: ParamBound;
  max?: ParamBound;
  /** The choices of an enum parameter. */
  options?: string[];
}

/** A value list (`8,12,20`) or a range (`0..40`) per `strategy-id.param`; a bare name takes the schema's range. */
export type SpaceSpec = Record<string, { values: string[] } | { range: [number, number] } | { schemaRange: true }>;

interface ZodDefLike {
  type: string;
  innerType?: z.ZodType;
  checks?: { _zod: { def: { check: string; value?: number; inclusive?: boolean; format?: string } } }[];
  entries?: Record<string, string | number>;
}

const defOf = (schema: z.ZodType): ZodDefLike => (schema as unknown as { def: ZodDefLike }).def;

/** Unwraps default/optional/nullable wrappers down to the value schema. */
function valueSchema(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (let i = 0; i < 8; i++) {
    const def = defOf(s);
    if (!def.innerType || !['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch'].includes(def.type)) return s;
    s = def.innerType;
  }
  return s;
}

function specOf(strategy: string, param: string, schema: z.ZodType): ParamSpec | null {
  const def = defOf(valueSchema(schema));
  const path = `${strategy}.${param}`;
  if (def.type === 'boolean') return { path, strategy, param, kind: 'boolean' };
  if (def.type === 'enum') return { path, strategy, param, kind: 'enum', options: Object.values(def.entries ?? {}).map(String) };
  if (def.type !== 'number') return null;
  const spec: ParamSpec = { path, strategy, param, kind: 'number' };
  for (const check of def.checks ?? []) {
    const c = check._zod.def;
    if (c.check === 'number_format' && (c.format === 'safeint' || c.format === 'int32' || c.format === 'uint32')) spec.kind = 'integer';
    if (c.check === 'greater_than' && c.value !== undefined) spec.min = { value: c.value, inclusive: c.inclusive === true };
    if (c.check === 'less_than' && c.value !== undefined) spec.max = { value: c.value, inclusive: c.inclusive === true };
  }
  return spec;
}

/** Every number, integer, boolean and enum parameter of the registry's strategies, by path, sorted. */
export function describeParams(registry: StrategyRegistry = createStrategyRegistry()): ParamSpec[] {
  const out: ParamSpec[] = [];
  for (const id of registry.ids()) {
    const schema = registry.get(id)!.paramsSchema as unknown as { shape?: Record<string, z.ZodType> };
    for (const [param, field] of Object.entries(schema.shape ?? {})) {
      const spec = specOf(id, param, field);
      if (spec) out.push(spec);
    }
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Parses `emaCross.minAdx=0,20;breakout.volumeBurstMin=1.5..3;donchian-atr.riskPct` (items split
 * by `;`): a value list, a range `lo..hi`, or a bare name (the schema's own min and max).
 * Strategy ids may be written in camelCase (`emaCross`); they are resolved in `gridCandidates`.
 */
export function parseSpaceSpec(text: string, field = 'grid'): SpaceSpec {
  const out: SpaceSpec = {};
  const issues: FieldIssue[] = [];
  for (const item of text.split(';').map((s) => s.trim()).filter(Boolean)) {
    const [name = '', rhs] = item.split('=', 2).map((s) => s.trim());
    if (!/^[a-z0-9][a-z0-9._-]*\.[a-z_][a-z0-9_]*$/i.test(name)) {
      issues.push({ path: field, received: JSON.stringify(item), expected: 'strategy.param=v1,v2 (e.g. ema-cross.minAdx=0,20), strategy.param=lo..hi or strategy.param' });
      continue;
    }
    const range = rhs === undefined ? null : /^(-?[\d.e+-]+)\s*\.\.\s*(-?[\d.e+-]+)$/i.exec(rhs);
    if (rhs === undefined) out[name] = { schemaRange: true };
    else if (range) {
      const lo = Number(range[1]);
      const hi = Number(range[2]);
      if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo) issues.push({ path: `${field}.${name}`, received: JSON.stringify(rhs), expected: 'a range lo..hi of finite numbers with lo <= hi' });
      else out[name] = { range: [lo, hi] };
    } else {
      const values = rhs.split(',').map((s) => s.trim()).filter(Boolean);
      if (values.length === 0) issues.push({ path: `${field}.${name}`, received: JSON.stringify(rhs), expected: 'a comma-separated list of values' });
      else out[name] = { values };
    }
  }
  if (issues.length === 0 && Object.keys(out).length === 0) issues.push({ path: field, received: JSON.stringify(text), expected: 'at least one strategy.param item' });
  if (issues.length) throw new InvalidInputError(`${field} specification`, issues);
  return out;
}

/** `emaCross` -> `ema-cross` when the registry knows the kebab-case id. */
function resolveStrategyId(registry: StrategyRegistry, id: string): string {
  if (registry.has(id)) return id;
  const kebab = id.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
  return registry.has(kebab) ? kebab : id;
}

/** Resolves `name` to its spec, or returns the issue naming it. */
function specFor(registry: StrategyRegistry, specs: Map<string, ParamSpec>, name: string, field: string): ParamSpec | FieldIssue {
  const dot = name.indexOf('.');
  const id = resolveStrategyId(registry, name.slice(0, dot));
  const path = `${id}.${name.slice(dot + 1)}`;
  if (!registry.has(id)) return { path: `${field}.${name}`, received: JSON.stringify(name.slice(0, dot)), expected: `a strategy id: ${registry.ids().join(', ')}` };
  const spec = specs.get(path);
  if (!spec) {
    const known = [...specs.values()].filter((s) => s.strategy === id).map((s) => s.param);
    return { path: `${field}.${name}`, received: JSON.stringify(name.slice(dot + 1)), expected: `a parameter of ${id}: ${known.join(', ') || '(none tunable)'}` };
  }
  return spec;
}

function convert(spec: ParamSpec, raw: string): ParamValue {
  if (spec.kind === 'number' || spec.kind === 'integer') return raw.trim() === '' ? NaN : Number(raw);
  if (spec.kind === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  return raw;
}

/** The canonical key of a parameter set: `id.param=value` sorted by path, `;`-joined; `defaults` when empty. */
export function candidateKey(params: ParamSet): string {
  const items: string[] = [];
  for (const id of Object.keys(params).sort()) {
    for (const param of Object.keys(params[id]!).sort()) items.push(`${id}.${param}=${String(params[id]![param])}`);
  }
  return items.length ? items.join(';') : 'defaults';
}

/**
 * Checks every strategy's parameters of a candidate with that strategy's schema; throws
 * `InvalidInputError` naming `id.param`, the value and what the schema expects.
 */
export function validateCandidate(registry: StrategyRegistry, params: ParamSet, subject = 'sweep candidate'): Candidate {
  const issues: FieldIssue[] = [];
  for (const [id, values] of Object.entries(params)) {
    const strategy = registry.get(id);
    if (!strategy) {
      issues.push({ path: id, received: JSON.stringify(id), expected: `a strategy id: ${registry.ids().join(', ')}` });
      continue;
    }
    const parsed = strategy.paramsSchema.safeParse(values);
    if (!parsed.success) issues.push(...zodIssuesToFieldIssues(parsed.error, values).map((i) => ({ ...i, path: `${id}.${i.path}` })));
  }
  if (issues.length) throw new InvalidInputError(subject, issues);
  return { key: candidateKey(params), params };
}

function setParam(params: ParamSet, spec: ParamSpec, value: ParamValue): void {
  (params[spec.strategy] ??= {})[spec.param] = value;
}

/** The most candidates a grid may hold, as for `--random`: every one is a full backtest. */
const MAX_GRID_CANDIDATES = 100_000;

/**
 * Every combination of the listed values (the last parameter varies fastest), each checked with
 * its strategy's schema. Ranges are not allowed in a grid: it lists values. More than 100,000
 * combinations is an `InvalidInputError` naming the count.
 *
 * @example
 * gridCandidates(parseSpaceSpec('ema-cross.minAdx=0,20;breakout.volumeBurstMin=1.5,2'));
 */
export function gridCandidates(space: SpaceSpec, registry: StrategyRegistry = createStrategyRegistry()): Candidate[] {
  const specs = new Map(describeParams(registry).map((s) => [s.path, s]));
  const axes: { spec: ParamSpec; values: ParamValue[] }[] = [];
  const issues: FieldIssue[] = [];
  for (const [name, entry] of Object.entries(space)) {
    const spec = specFor(registry, specs, name, 'grid');
    if (!('kind' in spec)) issues.push(spec);
    else if (!('values' in entry)) issues.push({ path: `grid.${name}`, received: 'range' in entry ? entry.range.join('..') : 'no values', expected: 'explicit values (v1,v2,...); ranges are for --random' });
    else axes.push({ spec, values: entry.values.map((v) => convert(spec, v)) });
  }
  if (issues.length) throw new InvalidInputError('grid specification', issues);
  // Checked before anything is built: the product grows multiplicatively and would exhaust memory.
  const product = axes.reduce((n, axis) => n * axis.values.length, 1);
  if (product > MAX_GRID_CANDIDATES) {
    throw new InvalidInputError('grid specification', [
      {
        path: 'grid',
        received: `${product} combinations (${axes.map((a) => `${a.values.length} ${a.spec.path}`).join(' x ')})`,
        expected: `at most ${MAX_GRID_CANDIDATES} combinations: fewer values, or a random search (--random N --space SPEC)`,
      },
    ]);
  }
  let combos: ParamSet[] = [{}];
  for (const axis of axes) {
    combos = combos.flatMap((base) =>
      axis.values.map((value) => {
        const next: ParamSet = Object.fromEntries(Object.entries(base).map(([id, p]) => [id, { ...p }]));
        setParam(next, axis.spec, value);
        return next;
      }),
    );
  }
  const seen = new Set<string>();
  const out: Candidate[] = [];
  for (const params of combos) {
    const c = validateCandidate(registry, params, 'grid candidate');
    if (!seen.has(c.key)) out.push(c);
    seen.add(c.key);
  }
  return out;
}

export interface RandomSearchOptions {
  samples: number;
  seed: number;
}

/**
 * `samples` distinct candidates drawn with a seeded generator: numbers uniform in the given range
 * (or the schema's min..max when the spec names the parameter bare), integers uniform over the
 * whole numbers of the range, value lists, booleans and enums uniform over their choices. A number
 * without a range from either source is an error naming it. Same space and seed, same candidates.
 */
export function randomCandidates(space: SpaceSpec, o: RandomSearchOptions, registry: StrategyRegistry = createStrategyRegistry()): Candidate[] {
  const specs = new Map(describeParams(registry).map((s) => [s.path, s]));
  const issues: FieldIssue[] = [];
  if (!Number.isInteger(o.samples) || o.samples < 1) issues.push({ path: 'random', received: String(o.samples), expected: 'a whole number of samples >= 1' });
  if (!Number.isInteger(o.seed)) issues.push({ path: 'seed', received: String(o.seed), expected: 'an integer seed' });
  const draws: { spec: ParamSpec; draw: (rng: BlockRng) => ParamValue }[] = [];
  for (const name of Object.keys(space).sort()) {
    const entry = space[name]!;
    const spec = specFor(registry, specs, name, 'space');
    if (!('kind' in spec)) {
      issues.push(spec);
      continue;
    }
    const pick = (choices: readonly ParamValue[]) => (rng: BlockRng) => choices[Math.min(choices.length - 1, Math.floor(rng.next() * choices.length))]!;
    if ('values' in entry) draws.push({ spec, draw: pick(entry.values.map((v) => convert(spec, v))) });
    else if (spec.kind === 'boolean') draws.push({ spec, draw: pick([false, true]) });
    else if (spec.kind === 'enum') draws.push({ spec, draw: pick(spec.options ?? []) });
    else {
      const range = 'range' in entry ? entry.range : spec.min && spec.max ? ([spec.min.value, spec.max.value] as [number, number]) : null;
      if (!range) {
        const has = [spec.min ? `min ${spec.min.value}` : 'no min', spec.max ? `max ${spec.max.value}` : 'no max'].join(' and ');
        issues.push({ path: `space.${spec.path}`, received: `no range (the schema has ${has})`, expected: `a range, e.g. ${spec.path}=${spec.min?.value ?? 0}..${(spec.min?.value ?? 0) + 10}` });
        continue;
      }
      const [lo, hi] = range;
      if (spec.kind === 'integer') {
        const a = Math.ceil(lo);
        const b = Math.floor(hi);
        draws.push({ spec, draw: (rng) => a + Math.min(b - a, Math.floor(rng.next() * (b - a + 1))) });
      } else draws.push({ spec, draw: (rng) => Number((lo + rng.next() * (hi - lo)).toPrecision(6)) });
    }
  }
  if (issues.length) throw new InvalidInputError('random search', issues);
  const rng = new BlockRng(o.seed);
  const seen = new Set<string>();
  const out: Candidate[] = [];
  // A small discrete space may hold fewer distinct points than asked for: stop after enough tries.
  for (let attempt = 0; out.length < o.samples && attempt < o.samples * 50; attempt++) {
    const params: ParamSet = {};
    for (const d of draws) setParam(params, d.spec, d.draw(rng));
    const c = validateCandidate(registry, params, 'random candidate');
    if (!seen.has(c.key)) out.push(c);
    seen.add(c.key);
  }
  return out;
}

/** The engine config with a candidate's strategy parameters laid over it (other settings kept). */
export function withCandidate(base: PerpscopeConfigInput | undefined, candidate: Candidate): PerpscopeConfigInput {
  const strategies = { ...base?.signals?.strategies };
  for (const [id, params] of Object.entries(candidate.params)) {
    const current = strategies[id];
    strategies[id] = { ...current, params: { ...current?.params, ...params } };
  }
  return { ...base, signals: { ...base?.signals, strategies } };
}
