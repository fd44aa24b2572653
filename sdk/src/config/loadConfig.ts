import { readFileSync, existsSync } from 'node:fs';
import { ConfigError, type FieldIssue } from '../core/errors.js';
import { zodIssuesToFieldIssues } from '../core/zodIssues.js';

import { ConfigSchema, type PerpscopeConfig } from './configSchema.js';
import { FORBIDDEN_KEYS, forbiddenKeyIssues } from './forbiddenKeys.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Layer = Record<string, unknown>;

export interface ConfigSources {
  /** Path of a JSON config file; missing file is fine unless `fileRequired`. */
  file?: string;
  fileRequired?: boolean;
  /** Environment (defaults to none; pass `process.env` at the composition root). */
  env?: Record<string, string | undefined>;
  /** Explicit options (CLI flags, UI settings, SDK caller). */
  options?: Layer;
  /** Defaults of a shell (e.g. the `--sim` preset): above the schema defaults, below the file. */
  preset?: Layer;
}

function isPlainObject(v: unknown): v is Layer {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Deep merge where later layers win; arrays are replaced, not concatenated. Prototype keys
 * (`__proto__`, `constructor`, `prototype`) are never copied: the loaders refuse them with an
 * error first, and this keeps any other caller from assigning through the prototype.
 */
export function mergeLayers(...layers: Layer[]): Layer {
  const out: Layer = {};
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined || FORBIDDEN_KEYS.has(k)) continue;
      const prev = out[k];
      out[k] = isPlainObject(prev) && isPlainObject(v) ? mergeLayers(prev, v) : v;
    }
  }
  return out;
}

/**
 * Variables that steer the tooling or pick a mode, not the engine's settings: never config keys.
 * `PERPSCOPE_SIM=1` starts the desktop app against SimExchange (as `--sim` does); read as config
 * it would be `sim: 1` and refuse to start. The rest steer the native build and the tests.
 */
const TOOLING_VARIABLES: ReadonlySet<string> = new Set([
  'PERPSCOPE_TEST_DATA',
  'PERPSCOPE_IN_KEYRING',
  'PERPSCOPE_SOAK',
  'PERPSCOPE_SIM',
  'PERPSCOPE_SKIP_NATIVE_BUILD',
  'PERPSCOPE_NODE_GYP',
  'PERPSCOPE_CHROMIUM',
]);
const isToolingVariable = (key: string): boolean => TOOLING_VARIABLES.has(key) || key.startsWith('PERPSCOPE_E2E_');

const camel = (s: string): string => s.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * `PERPSCOPE_UNIVERSE__MIN_QUOTE_VOLUME_USD=5e6` becomes `{ universe: { minQuoteVolumeUsd: 5e6 } }`.
 * Values are parsed as JSON when they parse (numbers, booleans, arrays), else kept as strings;
 * a comma list becomes an array for fields the schema declares as arrays.
 */
interface SchemaNode {
  _zod: { def: { type: string; innerType?: SchemaNode; shape?: Record<string, SchemaNode>; in?: SchemaNode } };
}

/** True when the config schema declares an array at `path` (so `PERPSCOPE_TIMEFRAMES=1m` is a list). */
function isArrayField(path: readonly string[]): boolean {
  let node: SchemaNode | undefined = ConfigSchema as unknown as SchemaNode;
  const unwrap = (n: SchemaNode | undefined): SchemaNode | undefined => {
    let cur = n;
    for (let i = 0; i < 8 && cur; i++) {
      const d = cur._zod.def;
      if (d.innerType) cur = d.innerType;
      else if (d.type === 'pipe' && d.in) cur = d.in;
      else break;
    }
    return cur;
  };
  for (const seg of path) {
    node = unwrap(node);
    node = node?._zod.def.shape?.[seg];
    if (!node) return false;
  }
  return unwrap(node)?._zod.def.type === 'array';
}

/** Refuses `PERPSCOPE_CONSTRUCTOR__...` and JSON values holding prototype keys; throws one ConfigError. */
export function envLayer(env: Record<string, string | undefined>): Layer {
  const out: Layer = {};
  const issues: FieldIssue[] = [];
  for (const [key, raw] of Object.entries(env)) {
    if (!key.startsWith('PERPSCOPE_') || raw === undefined) continue;
    if (isToolingVariable(key)) continue;
    const path = key.slice('PERPSCOPE_'.length).split('__').map(camel);
    if (path.some((p) => !p)) continue;
    const forbidden = path.find((p) => FORBIDDEN_KEYS.has(p));
    if (forbidden !== undefined) {
      issues.push({ path: key, received: `the key ${JSON.stringify(forbidden)}`, expected: 'no "__proto__", "constructor" or "prototype" key' });
      continue;
    }
    let value: unknown = raw;
    try {
      value = JSON.parse(raw) as Json;
    } catch {
      if (raw.includes(',') || isArrayField(path)) value = raw.split(',').map((s) => s.trim()).filter(Boolean);
    }
    const nested = forbiddenKeyIssues(value, key);
    if (nested.length > 0) {
      issues.push(...nested);
      continue;
    }
    let node = out;
    for (const seg of path.slice(0, -1)) {
      const next = node[seg];
      node = isPlainObject(next) ? next : (node[seg] = {});
    }
    node[path[path.length - 1]!] = value;
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return out;
}

function readFileLayer(file: string, required: boolean): Layer {
  if (!existsSync(file)) {
    if (required) throw new ConfigError([{ path: '(file)', received: JSON.stringify(file), expected: 'an existing JSON config file' }]);
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError([{ path: '(file)', received: JSON.stringify(file), expected: `valid JSON (${(err as Error).message})` }]);
  }
  if (!isPlainObject(parsed)) throw new ConfigError([{ path: '(file)', received: typeof parsed, expected: 'a JSON object' }]);
  const forbidden = forbiddenKeyIssues(parsed);
  if (forbidden.length > 0) throw new ConfigError(forbidden.map((i) => ({ ...i, received: `${i.received} in ${file}` })));
  return parsed;
}

/** Validates a merged layer against the schema; throws one ConfigError listing every bad field. */
/** The env variable of a config key: `['risk', 'gates', 'minQuoteVolume24hUsd']` -> `PERPSCOPE_RISK__GATES__MIN_QUOTE_VOLUME24H_USD`. */
export function envNameOf(path: readonly string[]): string {
  return `PERPSCOPE_${path.map((seg) => seg.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('__')}`;
}

/**
 * The `--set key=value` flags as a layer: `risk.gates.minDepthUsd=10000`. Values read as the env
 * layer reads them (JSON when it parses, a comma list for list keys), so a key set by flag, env or
 * file means the same; an unknown key is refused by the schema like any other.
 */
export function assignmentLayer(assignments: readonly string[], flag = '--set'): Layer {
  const env: Record<string, string> = {};
  const issues: FieldIssue[] = [];
  for (const a of assignments) {
    const eq = a.indexOf('=');
    const path = eq > 0 ? a.slice(0, eq).trim().split('.') : [];
    if (path.length === 0 || !path.every((seg) => /^[A-Za-z][A-Za-z0-9]*$/.test(seg))) {
      issues.push({ path: flag, received: JSON.stringify(a), expected: 'key=value with a dotted config key, e.g. risk.gates.minDepthUsd=10000 (docs/configuration.md)' });
      continue;
    }
    env[envNameOf(path)] = a.slice(eq + 1);
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return envLayer(env);
}

export function parseConfig(input: unknown): PerpscopeConfig {
  const forbidden = forbiddenKeyIssues(input);
  if (forbidden.length > 0) throw new ConfigError(forbidden);
  const result = ConfigSchema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(zodIssuesToFieldIssues(result.error, input));
}

/**
 * Loads configuration from its layered sources.
 *
 * @example
 * const config = loadConfig({ file: join(home, 'config.json'), env: process.env, options: { exchange: 'sim' } });
 */
export function loadConfig(sources: ConfigSources = {}): PerpscopeConfig {
  const fileLayer = sources.file ? readFileLayer(sources.file, sources.fileRequired ?? false) : {};
  const explicit = sources.options ?? {};
  const forbidden = [...forbiddenKeyIssues(sources.preset ?? {}), ...forbiddenKeyIssues(explicit)];
  if (forbidden.length > 0) throw new ConfigError(forbidden);
  const merged = mergeLayers(sources.preset ?? {}, fileLayer, envLayer(sources.env ?? {}), explicit);
  return parseConfig(merged);
}
