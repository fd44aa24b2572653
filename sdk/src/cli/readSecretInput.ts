import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { InvalidInputError, type FieldIssue } from '../core/errors.js';
import type { ExchangeSecret } from '../secrets/index.js';

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Parses piped credentials: a JSON object `{ apiKey, secret, password? }`, or lines
 * `apiKey`, `secret`, `password`. Secrets never come from argv, where `ps` and shell history
 * would see them.
 */
export function parseSecretText(text: string): ExchangeSecret {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new InvalidInputError('key input', [{ path: '(stdin)', received: 'text starting with "{" that is not JSON', expected: 'a JSON object { apiKey, secret, password? } or 2-3 lines' }]);
    }
    return secretFromJson(parsed);
  }
  const lines = trimmed.split(/\r?\n/).map((l) => l.trim());
  if (lines.length < 2 || lines.length > 3) {
    throw new InvalidInputError('key input', [{ path: '(stdin)', received: `${lines.length} line(s)`, expected: '2-3 lines: apiKey, secret, optional passphrase (or a JSON object)' }]);
  }
  return { apiKey: lines[0]!, secret: lines[1]!, ...(lines[2] ? { password: lines[2] } : {}) };
}

const SECRET_FIELDS = ['apiKey', 'secret', 'password'] as const;

/** What a value is, without showing it: key material must never reach a message. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length === 0 ? 'an empty string' : 'a string';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Checks a parsed JSON key object field by field. Values are never coerced: `{"apiKey":{"a":1}}`
 * would otherwise be stored as the text "[object Object]" and fail only at the exchange.
 */
function secretFromJson(parsed: unknown): ExchangeSecret {
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidInputError('key input', [{ path: '(stdin)', received: kindOf(parsed), expected: 'a JSON object { apiKey, secret, password? }' }]);
  }
  const p = parsed as Record<string, unknown>;
  const issues: FieldIssue[] = [];
  for (const field of SECRET_FIELDS) {
    const value = p[field];
    const optional = field === 'password';
    if (optional && value === undefined) continue;
    if (typeof value !== 'string' || value.length === 0) {
      issues.push({ path: field, received: value === undefined ? 'nothing' : kindOf(value), expected: optional ? 'absent, or a non-empty string' : 'a non-empty string' });
    }
  }
  for (const key of Object.keys(p)) {
    if (!(SECRET_FIELDS as readonly string[]).includes(key)) issues.push({ path: key, received: 'an unknown key', expected: 'only apiKey, secret and password' });
  }
  if (issues.length > 0) throw new InvalidInputError('key input', issues);
  const { apiKey, secret, password } = p as { apiKey: string; secret: string; password?: string };
  return password === undefined ? { apiKey, secret } : { apiKey, secret, password };
}

/** Asks on a terminal without echoing what is typed (API key fields, alert sink secrets). */
export async function promptHidden(input: Readable, output: Writable, question: string): Promise<string> {
  const rl = createInterface({ input, output, terminal: true });
  const muted = rl as unknown as { _writeToOutput: (s: string) => void };
  let asked = false;
  muted._writeToOutput = (s: string) => {
    if (!asked) {
      output.write(s);
      asked = true;
    }
  };
  try {
    return await new Promise<string>((resolve) => rl.question(question, resolve));
  } finally {
    rl.close();
    output.write('\n');
  }
}

export async function readSecretInput(input: Readable & { isTTY?: boolean }, prompts: Writable): Promise<ExchangeSecret> {
  if (!input.isTTY) return parseSecretText(await readAll(input));
  const apiKey = await promptHidden(input, prompts, 'API key: ');
  const secret = await promptHidden(input, prompts, 'API secret: ');
  const password = await promptHidden(input, prompts, 'Passphrase (empty if none): ');
  return { apiKey, secret, ...(password ? { password } : {}) };
}
