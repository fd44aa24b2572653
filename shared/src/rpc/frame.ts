import { ErrorCode } from '../errorCodes.js';
import type { RpcError } from './result.js';
import { WireRequestSchema, type WireRequest } from './wire.js';

/**
 * Limits on an untrusted RPC request. The largest legitimate frame (a watchlist of 1,000 symbols)
 * is about 30 KB and 4 levels deep; the limits leave ample room while keeping every later step
 * (zod, error rendering, logging) far from the call-stack limit.
 */
export const RPC_FRAME_LIMITS = {
  /** Bytes of one request frame (UTF-8). */
  maxBytes: 256 * 1024,
  /** Nesting of arrays and objects, the frame itself counting as 1. */
  maxDepth: 16,
} as const;

/**
 * Keys refused anywhere in a request: assigning them on a plain object (as zod's record parser and
 * naive mergers do) rewrites its prototype instead of adding data, so they are never legitimate.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export type FrameParse = { ok: true; request: WireRequest } | { ok: false; id: WireRequest['id'] | null; error: RpcError };

const invalid = (message: string, details: Record<string, unknown>): RpcError => ({ code: ErrorCode.InvalidInput, message, details });

/**
 * Deepest nesting of `[`/`{` in JSON text, counted without parsing (strings are skipped), so a
 * hostile frame is refused before any recursive code sees it. Stops counting past `limit`.
 */
export function jsonNestingDepth(text: string, limit: number = Number.MAX_SAFE_INTEGER): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/**
 * Where the first forbidden key or over-deep node sits in an already parsed value, as a dotted
 * path; null when there is none. Iterative, so no input can exhaust the call stack.
 */
export function findUnsafeShape(value: unknown, maxDepth: number = RPC_FRAME_LIMITS.maxDepth): { path: string; problem: 'forbidden_key' | 'too_deep' } | null {
  const stack: { node: unknown; path: string[]; depth: number }[] = [{ node: value, path: [], depth: 1 }];
  while (stack.length > 0) {
    const { node, path, depth } = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > maxDepth) return { path: path.join('.') || '(root)', problem: 'too_deep' };
    const isObject = (v: unknown) => typeof v === 'object' && v !== null;
    if (Array.isArray(node)) {
      node.forEach((child, i) => {
        if (isObject(child)) stack.push({ node: child, path: [...path, String(i)], depth: depth + 1 });
      });
      continue;
    }
    for (const key of Object.keys(node)) {
      if (FORBIDDEN_KEYS.has(key)) return { path: [...path, key].join('.'), problem: 'forbidden_key' };
      const child = (node as Record<string, unknown>)[key];
      if (isObject(child)) stack.push({ node: child, path: [...path, key], depth: depth + 1 });
    }
  }
  return null;
}

/** INVALID_INPUT for params that carry a forbidden key or nest too deep; null when they are safe. */
export function unsafeParamsError(method: string, params: unknown): RpcError | null {
  const found = findUnsafeShape(params, RPC_FRAME_LIMITS.maxDepth - 1);
  if (!found) return null;
  if (found.problem === 'forbidden_key') {
    const key = found.path.split('.').pop();
    return invalid(`Invalid params for ${method}: params.${found.path} uses the reserved key "${key}"; expected no "__proto__", "constructor" or "prototype" keys`, {
      method,
      path: `params.${found.path}`,
      limit: 'forbiddenKeys',
    });
  }
  return invalid(`Invalid params for ${method}: params.${found.path} nests deeper than ${RPC_FRAME_LIMITS.maxDepth - 1} levels (limit maxDepth)`, {
    method,
    path: `params.${found.path}`,
    limit: 'maxDepth',
    maxDepth: RPC_FRAME_LIMITS.maxDepth - 1,
  });
}

/** UTF-8 size of a string without encoding it (runs in the browser too, where there is no Buffer). */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function idOf(parsed: unknown): WireRequest['id'] | null {
  if (typeof parsed !== 'object' || parsed === null || !('id' in parsed)) return null;
  const id = parsed.id;
  return (typeof id === 'number' && Number.isInteger(id)) || (typeof id === 'string' && id.length <= 64) ? id : null;
}

const EXPECTED = 'expected {"id": number|string, "method": string, "params": object}';

/**
 * Parses one request frame from an untrusted peer: size, then nesting depth (both before
 * `JSON.parse`), then JSON, reserved keys and the frame shape. Never throws; every refusal is an
 * INVALID_INPUT that names the limit or the field.
 */
export function parseRequestFrame(text: string, limits: { maxBytes: number; maxDepth: number } = RPC_FRAME_LIMITS): FrameParse {
  // Each UTF-16 unit is at most 3 UTF-8 bytes; count exactly only when the limit could be hit.
  const bytes = text.length * 3 <= limits.maxBytes ? text.length : utf8Length(text);
  if (bytes > limits.maxBytes) {
    return { ok: false, id: null, error: invalid(`Invalid RPC frame: ${bytes} bytes exceeds the limit of ${limits.maxBytes} bytes (maxBytes)`, { limit: 'maxBytes', maxBytes: limits.maxBytes, received: bytes }) };
  }
  const depth = jsonNestingDepth(text, limits.maxDepth);
  if (depth > limits.maxDepth) {
    return { ok: false, id: null, error: invalid(`Invalid RPC frame: nesting deeper than the limit of ${limits.maxDepth} levels (maxDepth)`, { limit: 'maxDepth', maxDepth: limits.maxDepth }) };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, id: null, error: invalid(`Invalid RPC frame: not JSON; ${EXPECTED}`, { limit: 'json' }) };
  }
  const id = idOf(parsed);
  const unsafe = findUnsafeShape(parsed, limits.maxDepth);
  if (unsafe) {
    const message =
      unsafe.problem === 'forbidden_key'
        ? `Invalid RPC frame: ${unsafe.path} uses a reserved key; expected no "__proto__", "constructor" or "prototype" keys`
        : `Invalid RPC frame: nesting deeper than the limit of ${limits.maxDepth} levels (maxDepth)`;
    return { ok: false, id, error: invalid(message, { path: unsafe.path, limit: unsafe.problem === 'forbidden_key' ? 'forbiddenKeys' : 'maxDepth' }) };
  }
  const frame = WireRequestSchema.safeParse(parsed);
  if (!frame.success) {
    const fields = frame.error.issues.map((i) => i.path.join('.') || '(frame)').join(', ');
    return { ok: false, id, error: invalid(`Invalid RPC frame (${fields}); ${EXPECTED}`, { fields }) };
  }
  return { ok: true, request: frame.data };
}
