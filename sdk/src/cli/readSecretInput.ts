import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { InvalidInputError } from '../core/errors.js';
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
    const p = parsed as Record<string, unknown>;
    return { apiKey: String(p.apiKey ?? ''), secret: String(p.secret ?? ''), ...(p.password !== undefined ? { password: String(p.password) } : {}) };
  }
  const lines = trimmed.split(/\r?\n/).map((l) => l.trim());
  if (lines.length < 2 || lines.length > 3) {
    throw new InvalidInputError('key input', [{ path: '(stdin)', received: `${lines.length} line(s)`, expected: '2-3 lines: apiKey, secret, optional passphrase (or a JSON object)' }]);
  }
  return { apiKey: lines[0]!, secret: lines[1]!, ...(lines[2] ? { password: lines[2] } : {}) };
}

/** Asks for each field on a terminal without echoing what is typed. */
async function promptHidden(input: Readable, output: Writable, question: string): Promise<string> {
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
