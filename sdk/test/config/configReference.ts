/**
 * The configuration reference, rendered from the config schema itself: every key's path, env
 * variable, type, bounds and default come from `ConfigSchema` (zod's JSON Schema and a parse of
 * the empty config), and its description is the JSDoc comment on the key in the schema's source.
 * `scripts/gen-config-reference.ts` writes it to docs/configuration.md; a test fails when that
 * file no longer matches the schema.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { z } from 'zod';
import { ConfigSchema } from '../../src/config/index.js';
import { envLayer, envNameOf } from '../../src/config/loadConfig.js';

const SDK_SRC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

export interface ConfigKey {
  path: string;
  env: string;
  type: string;
  default: unknown;
  description: string;
}

type JsonSchema = { type?: string; enum?: unknown[]; anyOf?: JsonSchema[]; properties?: Record<string, JsonSchema>; items?: JsonSchema; minimum?: number; maximum?: number; exclusiveMinimum?: number; exclusiveMaximum?: number; minLength?: number; minItems?: number };

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** The object literal of a `z.object({...})` / `z.strictObject({...})` at the root of a call chain, if any. */
function objectLiteralOf(expr: ts.Expression): ts.ObjectLiteralExpression | null {
  let cur: ts.Node = expr;
  for (let i = 0; i < 20; i++) {
    if (ts.isCallExpression(cur)) {
      const callee = cur.expression;
      if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'z' && (callee.name.text === 'object' || callee.name.text === 'strictObject')) {
        const arg = cur.arguments[0];
        return arg && ts.isObjectLiteralExpression(arg) ? arg : null;
      }
      cur = callee;
    } else if (ts.isPropertyAccessExpression(cur)) {
      cur = cur.expression;
    } else if (ts.isParenthesizedExpression(cur)) {
      cur = cur.expression;
    } else {
      return null;
    }
  }
  return null;
}

/** The identifier at the root of a chain like `RiskConfigSchema.prefault({})`. */
function rootIdentifier(expr: ts.Expression): string | null {
  let cur: ts.Node = expr;
  for (let i = 0; i < 20; i++) {
    if (ts.isIdentifier(cur)) return cur.text;
    if (ts.isCallExpression(cur)) cur = cur.expression;
    else if (ts.isPropertyAccessExpression(cur)) cur = cur.expression;
    else return null;
  }
  return null;
}

function jsDoc(node: ts.Node, text: string): string {
  const ranges = ts.getLeadingCommentRanges(text, node.getFullStart()) ?? [];
  const docs = ranges.map((r) => text.slice(r.pos, r.end)).filter((c) => c.startsWith('/**'));
  const last = docs[docs.length - 1];
  if (!last) return '';
  return last
    .replace(/^\/\*\*|\*\/$/g, '')
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, '').trim())
    .filter(Boolean)
    .join(' ');
}

/** Every `const Name = z.object({...})...` in the sdk source, by name. */
function schemaLiterals(): Map<string, { literal: ts.ObjectLiteralExpression; text: string }> {
  const out = new Map<string, { literal: ts.ObjectLiteralExpression; text: string }>();
  for (const file of sourceFiles(SDK_SRC)) {
    const text = readFileSync(file, 'utf8');
    if (!/\bz\s*\.\s*(object|strictObject)\(/.test(text)) continue;
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    sf.forEachChild(function visit(node) {
      if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) {
        const literal = objectLiteralOf(node.initializer);
        if (literal) out.set(node.name.text, { literal, text });
      }
      node.forEachChild(visit);
    });
  }
  return out;
}

/**
 * The leaves under `literal`. A key without a comment of its own inside an inline object takes the
 * comment on that object (`ranking: z.object({ side })` is described on `ranking`).
 */
function leafPaths(literal: ts.ObjectLiteralExpression, text: string, prefix: string[], schemas: ReturnType<typeof schemaLiterals>, out: { path: string[]; description: string }[], inherited = ''): void {
  for (const prop of literal.properties) {
    if (!ts.isPropertyAssignment(prop)) continue;
    const name = ts.isIdentifier(prop.name) || ts.isStringLiteral(prop.name) ? prop.name.text : prop.name.getText();
    const path = [...prefix, name];
    const doc = jsDoc(prop, text);
    const inline = objectLiteralOf(prop.initializer);
    const named = rootIdentifier(prop.initializer);
    if (inline) leafPaths(inline, text, path, schemas, out, doc);
    else if (named && schemas.has(named)) leafPaths(schemas.get(named)!.literal, schemas.get(named)!.text, path, schemas, out);
    else out.push({ path, description: doc || inherited });
  }
}

function at(obj: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

function schemaAt(root: JsonSchema, path: readonly string[]): JsonSchema | undefined {
  let node: JsonSchema | undefined = root;
  for (const seg of path) {
    const obj: JsonSchema | undefined = node?.properties ? node : node?.anyOf?.find((s) => s.properties);
    node = obj?.properties?.[seg];
  }
  return node;
}

function bounds(s: JsonSchema): string {
  const parts: string[] = [];
  const maxSafe = Number.MAX_SAFE_INTEGER;
  if (s.minimum !== undefined && s.minimum > -maxSafe) parts.push(`>= ${s.minimum}`);
  if (s.exclusiveMinimum !== undefined) parts.push(`> ${s.exclusiveMinimum}`);
  if (s.maximum !== undefined && s.maximum < maxSafe) parts.push(`<= ${s.maximum}`);
  if (s.exclusiveMaximum !== undefined) parts.push(`< ${s.exclusiveMaximum}`);
  if (s.minLength !== undefined && s.minLength > 0) parts.push(`non-empty`);
  return parts.length ? ` ${parts.join(', ')}` : '';
}

function typeOf(s: JsonSchema | undefined): string {
  if (!s) return 'any';
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (s.anyOf) return s.anyOf.map(typeOf).join(' or ');
  if (s.type === 'array') return `list of ${typeOf(s.items)}`;
  if (s.type === 'object' && s.properties) return `{ ${Object.entries(s.properties).map(([k, v]) => `${k}: ${typeOf(v)}`).join(', ')} }`;
  return `${s.type ?? 'any'}${bounds(s)}`;
}

/** Every leaf key of the config, in schema order, with what the schema says of it. */
export function configKeys(): ConfigKey[] {
  const schemas = schemaLiterals();
  const root = schemas.get('ConfigSchema');
  if (!root) throw new Error('ConfigSchema not found in sdk/src');
  const leaves: { path: string[]; description: string }[] = [];
  leafPaths(root.literal, root.text, [], schemas, leaves);
  const json = z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const defaults = ConfigSchema.parse({});
  return leaves.map(({ path, description }) => {
    const env = envNameOf(path);
    // The env loader must read the name back to the same key, or the reference would lie.
    const back = envLayer({ [env]: '1' });
    if (at(back, path) === undefined) throw new Error(`${env} does not map back to ${path.join('.')}`);
    return { path: path.join('.'), env, type: typeOf(schemaAt(json, path)), default: at(defaults, path), description };
  });
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function defaultText(v: unknown): string {
  if (v === undefined) return '(unset)';
  return `\`${JSON.stringify(v)}\``;
}

export function renderConfigReference(): string {
  const keys = configKeys();
  const sections = new Map<string, ConfigKey[]>();
  for (const k of keys) {
    // Large groups (risk, signals, autotrade) split by their second level where it nests further.
    const segs = k.path.split('.');
    const large = ['risk', 'autotrade', 'signals'].includes(segs[0]!) && segs.length >= 3;
    const section = segs.length === 1 ? '(top level)' : large ? segs.slice(0, 2).join('.') : segs[0]!;
    sections.set(section, [...(sections.get(section) ?? []), k]);
  }
  const lines = [
    '# Configuration reference',
    '',
    'Generated from the config schema by `node --import tsx scripts/gen-config-reference.ts`; a test',
    'fails when this file and the schema disagree. Every key has a default, so an empty config is',
    'valid. Sources override each other in the order defaults < `<home>/config.json` (or',
    '`--config FILE`) < `PERPSCOPE_*` environment variables < command-line options. An env',
    'variable names the path in upper snake case with `__` between levels; its value is read as',
    'JSON when it parses (numbers, booleans, arrays, `null`), and a comma list fills a list key.',
    'Units are in the key names: `Ms` milliseconds, `Usd` US dollars, `Pct` percent (2.5 means',
    '2.5 %), `Bps` basis points, `Atr` multiples of the average true range.',
    '',
    `${keys.length} keys.`,
    '',
  ];
  for (const [section, ks] of sections) {
    lines.push(`## ${section}`, '', '| key | env | type | default | meaning |', '|---|---|---|---|---|');
    for (const k of ks) lines.push(`| \`${k.path}\` | \`${k.env}\` | ${cell(k.type)} | ${cell(defaultText(k.default))} | ${cell(k.description)} |`);
    lines.push('');
  }
  return lines.join('\n');
}
