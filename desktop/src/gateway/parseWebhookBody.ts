import { findUnsafeShape } from '@perpscope/shared';
import { zodIssuesToFieldIssues, type FieldIssue } from '@perpscope/sdk';
import { z } from 'zod';
import { parseTextBody } from './textBody.js';
import { ACCEPTED_SPELLINGS, canonicalField, SIDE_WORDS, type WebhookAction, type WebhookField } from './webhookFields.js';

/** A webhook alert after validation, before its symbol is resolved against the venue's markets. */
export interface WebhookSignal {
  action: WebhookAction;
  /** The symbol as the alert spelled it (`BINANCE:BTCUSDT.P`, `BTC/USDT`...). */
  symbolInput: string;
  /** Limit price in quote currency; absent: a market order. Ignored by `close`. */
  price?: number;
  /** Order size in USD; at most one of `notionalUsd` and `amountBase`. */
  notionalUsd?: number;
  /** Order size in base units. */
  amountBase?: number;
  /** The alert's own idempotency key. */
  id?: string;
  /** When the alert fired, ms since epoch (UTC). */
  timeMs?: number;
  secret?: string;
}

export type ParsedBody = { ok: true; signal: WebhookSignal } | { ok: false; issues: FieldIssue[] };

/** Raw fields under their canonical names, before the schema: what the secret check reads first. */
export type RawFields = Partial<Record<WebhookField, unknown>>;

/** Raw fields plus the spelling each came under, so an error names the key the sender wrote. */
export interface RawAlert {
  fields: RawFields;
  spelling: Partial<Record<WebhookField, string>>;
}

const NUMERIC_TEXT = /^[+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const numberFromText = (v: unknown) => (typeof v === 'string' && NUMERIC_TEXT.test(v.trim()) ? Number(v.trim()) : v);
const positive = (what: string) =>
  z.preprocess(numberFromText, z.number({ error: `a positive ${what} (a number or numeric text)` }).finite({ error: `a finite ${what}` }).positive({ error: `a positive ${what}` }));

/** Seconds below this are read as seconds since epoch, not ms (1e11 ms is 1973; 1e11 s is year 5138). */
const SECONDS_BELOW = 1e11;

/** The largest time a JavaScript Date holds (year 275760). */
const MAX_DATE_MS = 8_640_000_000_000_000;

const timeSchema = z.union(
  [
    z.preprocess(numberFromText, z.number().finite().positive()).transform((n) => Math.round(n < SECONDS_BELOW ? n * 1_000 : n)),
    z
      .string()
      .max(64)
      .transform((s, ctx) => {
        const ms = Date.parse(s);
        if (!Number.isFinite(ms)) {
          ctx.addIssue({ code: 'custom', message: 'an ISO-8601 time such as 2026-01-02T03:04:05Z or epoch ms' });
          return z.NEVER;
        }
        return ms;
      }),
  ],
  { error: 'an ISO-8601 time such as 2026-01-02T03:04:05Z, or epoch ms (epoch seconds below 1e11)' },
).pipe(z.number().max(MAX_DATE_MS, { error: 'a time a date can hold (epoch ms up to 8.64e15)' }));

const SIDE_LIST = Object.keys(SIDE_WORDS).join(', ');

/** The canonical alert. Unknown keys were refused before it; `comment` is accepted and dropped. */
const WebhookSignalSchema = z
  .strictObject({
    secret: z.string({ error: 'the shared secret as text' }).max(512).optional(),
    symbol: z
      .string({ error: 'a symbol such as BINANCE:BTCUSDT.P, BTCUSDT or BTC/USDT' })
      .trim()
      .min(1, { error: 'a symbol such as BINANCE:BTCUSDT.P, BTCUSDT or BTC/USDT' })
      .max(64)
      .regex(/^[A-Za-z0-9:._/-]+$/, { error: 'a symbol of letters, digits and : . _ / -' }),
    side: z.preprocess(
      (v) => (typeof v === 'string' ? v.trim().toLowerCase() : v),
      z.enum(Object.keys(SIDE_WORDS) as [keyof typeof SIDE_WORDS, ...(keyof typeof SIDE_WORDS)[]], { error: `one of ${SIDE_LIST}` }),
    ),
    price: positive('price').optional(),
    notionalUsd: positive('notional in USD').optional(),
    amountBase: positive('amount in base units').optional(),
    id: z
      .union([z.string(), z.number().int().nonnegative()], { error: 'an id: 1-128 characters' })
      .transform(String)
      .pipe(z.string().trim().regex(/^[^\p{Cc}]{1,128}$/u, { error: 'an id of 1-128 characters without control characters' })),
    time: timeSchema,
    comment: z.string().max(1_000).optional(),
  })
  .partial({ id: true, time: true })
  .superRefine((o, ctx) => {
    if (o.notionalUsd !== undefined && o.amountBase !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['amountBase'], message: 'at most one of notionalUsd (notional, size_usd) and qty (amountBase, contracts)', input: o.amountBase });
    }
  });

/**
 * Reads a raw webhook body: a JSON object (TradingView sends the alert message as it is) or the
 * plain-text grammar of `parseTextBody`. Field spellings map to canonical keys; a key given twice
 * under two spellings, an unknown key, a prototype key or a bad value is refused naming the field,
 * the value received and what was expected. Never throws.
 */
export function readRawFields(body: string): ({ ok: true } & RawAlert) | { ok: false; issues: FieldIssue[] } {
  const text = body.trim();
  if (text.length === 0) return { ok: false, issues: [{ path: '(body)', received: 'an empty body', expected: 'a JSON alert object or a text alert such as "buy BTCUSDT secret=..."' }] };
  if (!text.startsWith('{') && !text.startsWith('[') && !text.startsWith('"')) {
    const t = parseTextBody(text);
    return t.ok ? { ok: true, fields: t.fields, spelling: {} } : t;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch (err) {
    return { ok: false, issues: [{ path: '(body)', received: `JSON that does not parse (${err instanceof Error ? err.message : String(err)})`, expected: 'a valid JSON object' }] };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, issues: [{ path: '(body)', received: Array.isArray(parsed) ? 'a JSON array' : `JSON ${typeof parsed}`, expected: 'a JSON object' }] };
  }
  const unsafe = findUnsafeShape(parsed, 4);
  if (unsafe) {
    const received = unsafe.problem === 'forbidden_key' ? 'a prototype key' : 'nesting deeper than 4 levels';
    return { ok: false, issues: [{ path: unsafe.path, received, expected: 'a flat alert object without __proto__, constructor or prototype keys' }] };
  }
  const fields: RawFields = {};
  const seen: Partial<Record<WebhookField, string>> = {};
  const issues: FieldIssue[] = [];
  for (const [key, value] of Object.entries(parsed)) {
    const field = canonicalField(key);
    if (field === undefined) {
      issues.push({ path: key.slice(0, 64), received: 'an unknown key', expected: `one of ${ACCEPTED_SPELLINGS.join(', ')}` });
      continue;
    }
    const earlier = seen[field];
    if (earlier !== undefined) {
      issues.push({ path: key, received: `both "${earlier}" and "${key}"`, expected: `one spelling of ${field}` });
      continue;
    }
    seen[field] = key;
    fields[field] = value;
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, fields, spelling: seen };
}

/** Validates canonical fields into a signal. The secret's value never appears in an issue. */
export function validateFields({ fields, spelling }: RawAlert): ParsedBody {
  const result = WebhookSignalSchema.safeParse(fields);
  if (!result.success) {
    const issues = zodIssuesToFieldIssues(result.error, fields).map((i) => {
      const named = { ...i, path: spelling[i.path as WebhookField] ?? i.path };
      return i.path === 'secret' ? { ...named, received: 'a value that is not valid text' } : named;
    });
    return { ok: false, issues };
  }
  const o = result.data;
  const signal: WebhookSignal = { action: SIDE_WORDS[o.side], symbolInput: o.symbol };
  if (o.price !== undefined) signal.price = o.price;
  if (o.notionalUsd !== undefined) signal.notionalUsd = o.notionalUsd;
  if (o.amountBase !== undefined) signal.amountBase = o.amountBase;
  if (o.id !== undefined) signal.id = o.id;
  if (o.time !== undefined) signal.timeMs = o.time;
  if (o.secret !== undefined) signal.secret = o.secret;
  return { ok: true, signal };
}

/** `readRawFields` then `validateFields`. */
export function parseWebhookBody(body: string): ParsedBody {
  const raw = readRawFields(body);
  return raw.ok ? validateFields(raw) : raw;
}
