import type { FieldIssue } from '@perpscope/sdk';
import { canonicalField, isSideWord, type WebhookField } from './webhookFields.js';

/** At most this many tokens are read from a text body; more is refused, not truncated. */
const MAX_TOKENS = 32;

/**
 * Reads the plain-text alert grammar into canonical fields (values stay strings; the schema
 * coerces them). Tokens are separated by whitespace and may come in any order:
 *
 * - a side word (`buy`, `long`, `sell`, `short`, `close`, `flat`, `exit`) sets the side;
 * - `key=value` sets a field under any JSON spelling (`price=65000`, `secret=...`, `id=a1`);
 * - any other bare token is the symbol (`BINANCE:BTCUSDT.P`).
 *
 * @example
 * parseTextBody('buy BINANCE:BTCUSDT.P price=65000 secret=s3cret-s3cret-1 id=a1')
 * // { ok: true, fields: { side: 'buy', symbol: 'BINANCE:BTCUSDT.P', price: '65000', secret: '...', id: 'a1' } }
 */
export function parseTextBody(text: string): { ok: true; fields: Partial<Record<WebhookField, string>> } | { ok: false; issues: FieldIssue[] } {
  const tokens = text.split(/\s+/).filter(Boolean);
  if (tokens.length > MAX_TOKENS) {
    return { ok: false, issues: [{ path: '(body)', received: `${tokens.length} tokens`, expected: `at most ${MAX_TOKENS} whitespace-separated tokens` }] };
  }
  const fields: Partial<Record<WebhookField, string>> = {};
  const issues: FieldIssue[] = [];
  const set = (field: WebhookField, value: string, token: string) => {
    if (fields[field] !== undefined) {
      const received = field === 'secret' ? 'a second secret' : `${show(token)} after ${show(fields[field])}`;
      issues.push({ path: field, received, expected: `one ${field} per alert` });
      return;
    }
    fields[field] = value;
  };
  for (const token of tokens) {
    const eq = token.indexOf('=');
    if (eq > 0) {
      const key = token.slice(0, eq);
      const field = canonicalField(key);
      if (field === undefined) issues.push({ path: key, received: `the key ${show(key)}`, expected: 'a known key such as symbol=, side=, price=, notionalUsd=, qty=, id=, time=, secret=' });
      else set(field, token.slice(eq + 1), token);
    } else if (isSideWord(token)) set('side', token, token);
    else set('symbol', token, token);
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, fields };
}

/** A token for an error message: quoted, cut at 40 characters. */
function show(value: string): string {
  const s = JSON.stringify(value);
  return s.length > 42 ? `${s.slice(0, 39)}..."` : s;
}
