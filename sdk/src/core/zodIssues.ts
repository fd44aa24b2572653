import type { z } from 'zod';
import { InvalidInputError, type FieldIssue } from './errors.js';

/**
 * Turns zod issues into field issues that name the path, the value received and what was
 * expected. Lives in core so that every schema (config, analytics, RPC) can use it without
 * importing the config module, which embeds those schemas.
 */
export function zodIssuesToFieldIssues(error: z.ZodError, input: unknown): FieldIssue[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return { path: [path, ...issue.keys].filter(Boolean).join('.'), received: 'an unknown key', expected: 'no such key (check spelling)' };
    }
    const expected = issue.message.replace(/^Invalid input: /, '').replace(/^expected /, '');
    return { path, received: render(valueAt(input, issue.path as PropertyKey[])), expected };
  });
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node: unknown = root;
  for (const seg of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[seg];
  }
  return node;
}

function render(value: unknown): string {
  if (value === undefined) return 'nothing';
  const s = JSON.stringify(value);
  return s === undefined ? String(value) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** Parses `raw` with `schema`, or throws `InvalidInputError` naming `what` and each bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, what: string, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new InvalidInputError(what, zodIssuesToFieldIssues(parsed.error, raw));
}
