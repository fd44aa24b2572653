import type { FieldIssue } from '../core/errors.js';

/**
 * Keys that reach an object's prototype when assigned (`obj[key] = v`) or that a merge could
 * confuse with the prototype. `{"__proto__": {"mode": "live"}}` would otherwise set `mode`
 * through the prototype chain and slip past the schema's unknown-key check.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Nesting deeper than this is refused outright rather than walked. */
const MAX_DEPTH = 64;

/**
 * Every place in a parsed JSON value (or an env layer) where a forbidden key appears, as field
 * issues naming the path. Walks own keys only; arrays are walked by index.
 */
export function forbiddenKeyIssues(value: unknown, prefix = ''): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const walk = (node: unknown, path: string, depth: number): void => {
    if (node === null || typeof node !== 'object') return;
    if (depth > MAX_DEPTH) {
      issues.push({ path: path || '(root)', received: `nesting deeper than ${MAX_DEPTH} levels`, expected: 'a shallower object' });
      return;
    }
    for (const key of Object.keys(node)) {
      const child = path ? `${path}.${key}` : key;
      if (FORBIDDEN_KEYS.has(key)) {
        issues.push({ path: child, received: `the key ${JSON.stringify(key)}`, expected: 'no "__proto__", "constructor" or "prototype" key' });
        continue;
      }
      walk((node as Record<string, unknown>)[key], child, depth + 1);
    }
  };
  walk(value, prefix, 0);
  return issues;
}
