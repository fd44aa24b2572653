import { ErrorCode, SECRET_FIELDS, type MethodName, type RpcError } from '@perpscope/shared';
import type { z } from 'zod';

/** One bad field, in the same shape as the engine's `FieldIssue`. */
export interface FieldIssue {
  path: string;
  received: string;
  expected: string;
}

const codes = new Set<string>(Object.values(ErrorCode));

/** Renders a received value for a message: short, and never a secret. */
function renderValue(path: readonly PropertyKey[], value: unknown): string {
  if (path.some((p) => typeof p === 'string' && SECRET_FIELDS.has(p))) return '(hidden)';
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    // A cyclic or absurdly deep value: describe its kind; String() would recurse just the same.
    text = Array.isArray(value) ? '(an array too deep to show)' : typeof value === 'object' && value !== null ? '(an object too deep to show)' : typeof value;
  }
  return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}

function expectedText(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `a ${issue.expected}`;
    case 'invalid_value':
      return issue.values.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `no field named ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    default:
      return issue.message.replace(/^Invalid input: expected /, '').replace(/^Invalid [a-z ]+: /, '');
  }
}

/** Maps zod issues to field issues; secret fields show as `(hidden)`. */
export function fieldIssues(issues: readonly z.core.$ZodIssue[]): FieldIssue[] {
  return issues.map((issue) => {
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
    const received = issue.code === 'unrecognized_keys' ? 'an unknown field' : renderValue(issue.path, issue.input);
    return { path: path.map(String).join('.'), received, expected: expectedText(issue) };
  });
}

/** INVALID_INPUT for a command's params, naming every bad field, its value and what was expected. */
export function invalidParams(method: MethodName | string, issues: readonly FieldIssue[]): RpcError {
  const lines = issues.map((i) => `  - ${i.path || '(params)'}: got ${i.received}, expected ${i.expected}`).join('\n');
  return {
    code: ErrorCode.InvalidInput,
    message: `Invalid params for ${method} (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines}`,
    details: { method, issues },
  };
}

/**
 * Turns anything a port threw into an RpcError. PerpscopeErrors keep their code, message and
 * details; anything else is a bug and becomes INTERNAL with its message only (no stack).
 */
export function toRpcError(e: unknown): RpcError {
  if (e && typeof e === 'object' && 'code' in e && typeof e.code === 'string' && codes.has(e.code) && e instanceof Error) {
    const details = 'details' in e && e.details && typeof e.details === 'object' ? (e.details as Record<string, unknown>) : undefined;
    const out: RpcError = { code: e.code as RpcError['code'], message: e.message };
    if (details && Object.keys(details).length > 0) out.details = details;
    return out;
  }
  return { code: ErrorCode.Internal, message: e instanceof Error ? e.message : String(e) };
}

/** NOT_SUPPORTED for a command whose engine capability is not wired. */
export function notSupported(method: MethodName, capability: string): RpcError {
  return {
    code: ErrorCode.NotSupported,
    message: `${method} is not available: this engine has no ${capability}`,
    details: { method, capability },
  };
}
