import type { RpcError } from '@perpscope/shared';

/** Lifecycle of one piece of host data shown in a view. */
export type LoadStatus = 'idle' | 'loading' | 'ready' | 'unsupported' | 'error';

/** One bad field as the host reports it in `error.details.issues`. */
export interface FieldIssue {
  path: string;
  received?: string;
  expected?: string;
  message?: string;
}

/** Maps a failed reply to the view status: NOT_SUPPORTED is an empty state, not an error. */
export function statusOf(error: RpcError): LoadStatus {
  return error.code === 'NOT_SUPPORTED' ? 'unsupported' : 'error';
}

/** Field issues carried by an INVALID_INPUT / INVALID_CONFIG reply, if any. */
export function issuesOf(error: RpcError): FieldIssue[] {
  const raw = error.details?.['issues'];
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((i: unknown): FieldIssue[] => {
    if (!i || typeof i !== 'object') return [];
    const o = i as Record<string, unknown>;
    const path = Array.isArray(o['path']) ? o['path'].join('.') : typeof o['path'] === 'string' ? o['path'] : '';
    const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
    return [{ path, received: str('received'), expected: str('expected'), message: str('message') }];
  });
}

/** Human text for one issue: `expected 1-20, got 50`. */
export function issueText(i: FieldIssue): string {
  if (i.message) return i.message;
  const parts = [i.expected ? `expected ${i.expected}` : '', i.received ? `got ${i.received}` : ''].filter(Boolean);
  return parts.join(', ') || 'invalid value';
}

/**
 * Groups field issues by the paths the caller knows. The host may prefix paths with the params
 * key (`values.risk.maxPositions`), so a known path also matches as a dotted suffix.
 */
export function issuesByPath(issues: readonly FieldIssue[], knownPaths: readonly string[]): { byPath: Record<string, string>; other: string[] } {
  const byPath: Record<string, string> = {};
  const other: string[] = [];
  for (const i of issues) {
    const hit = knownPaths.find((p) => i.path === p || i.path.endsWith(`.${p}`) || i.path === `values.${p}`);
    if (hit) byPath[hit] = byPath[hit] ? `${byPath[hit]}; ${issueText(i)}` : issueText(i);
    else other.push(`${i.path || 'input'}: ${issueText(i)}`);
  }
  return { byPath, other };
}

