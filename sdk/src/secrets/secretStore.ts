import { ErrorCode } from '@perpscope/shared';
import { InvalidInputError, SecretStoreError } from '../core/errors.js';

/** Exchange API credentials. Held in memory only as long as a call needs them. */
export interface ExchangeSecret {
  apiKey: string;
  secret: string;
  /** Some exchanges (BloFin, OKX) also need a passphrase. */
  password?: string;
}

/** Where a secret lives: keychain account `<exchange>:<label>`. Safe to show and log. */
export interface SecretRef {
  exchange: string;
  label: string;
}

/**
 * Port for credential storage. The only implementation is the OS keychain; there is deliberately
 * no file or database fallback. Errors never carry secret values.
 */
export interface SecretStore {
  set(ref: SecretRef, secret: ExchangeSecret): Promise<void>;
  /** The secret, or null when none is stored under `ref`. */
  get(ref: SecretRef): Promise<ExchangeSecret | null>;
  /** True when something was deleted. */
  delete(ref: SecretRef): Promise<boolean>;
  /** Labels only, optionally for one exchange, sorted by exchange then label. */
  list(exchange?: string): Promise<SecretRef[]>;
}

/** Keychain service name for every Perpscope credential. */
export const SECRET_SERVICE = 'perpscope';

const EXCHANGE_RE = /^[a-z0-9]{2,32}$/;
const LABEL_RE = /^[A-Za-z0-9_.-]{1,64}$/;

/** Validates a ref and returns its keychain account name. */
export function accountName(ref: SecretRef): string {
  const issues = [];
  if (typeof ref.exchange !== 'string' || !EXCHANGE_RE.test(ref.exchange)) {
    issues.push({ path: 'exchange', received: JSON.stringify(ref.exchange), expected: 'a ccxt exchange id such as "blofin"' });
  }
  if (typeof ref.label !== 'string' || !LABEL_RE.test(ref.label)) {
    issues.push({ path: 'label', received: JSON.stringify(ref.label), expected: '1-64 letters, digits, "_", "." or "-"' });
  }
  if (issues.length > 0) throw new InvalidInputError('key reference', issues);
  return `${ref.exchange}:${ref.label}`;
}

/** Parses a keychain account name; null for accounts Perpscope did not write. */
export function parseAccountName(account: string): SecretRef | null {
  const at = account.indexOf(':');
  if (at < 0) return null;
  const ref = { exchange: account.slice(0, at), label: account.slice(at + 1) };
  return EXCHANGE_RE.test(ref.exchange) && LABEL_RE.test(ref.label) ? ref : null;
}

/** Checks the shape of a secret without echoing any of its values. */
export function checkSecret(secret: ExchangeSecret): void {
  const bad = (v: unknown) => typeof v !== 'string' || v.length === 0 || v.length > 512;
  // The value itself is never shown; its type is, so `{"a":1}` reads "got an object".
  const kind = (v: unknown): string => (typeof v === 'string' ? `(hidden, ${v.length} characters)` : v === null ? 'null' : Array.isArray(v) ? 'an array' : `a value of type ${typeof v}`);
  const issues = [];
  if (bad(secret.apiKey)) issues.push({ path: 'apiKey', received: kind(secret.apiKey), expected: 'a non-empty string up to 512 characters' });
  if (bad(secret.secret)) issues.push({ path: 'secret', received: kind(secret.secret), expected: 'a non-empty string up to 512 characters' });
  if (secret.password !== undefined && bad(secret.password)) {
    issues.push({ path: 'password', received: kind(secret.password), expected: 'absent, or a non-empty string up to 512 characters' });
  }
  if (issues.length > 0) throw new InvalidInputError('API key', issues);
}

/** Decodes a stored blob; a damaged entry is reported without its content. */
export function decodeSecret(account: string, blob: string): ExchangeSecret {
  let parsed: unknown;
  try {
    parsed = JSON.parse(blob);
  } catch {
    parsed = undefined;
  }
  const p = parsed as Partial<ExchangeSecret> | undefined;
  if (!p || typeof p.apiKey !== 'string' || typeof p.secret !== 'string' || (p.password !== undefined && typeof p.password !== 'string')) {
    throw new SecretStoreError(ErrorCode.SecretNotFound, `The keychain entry "${SECRET_SERVICE}/${account}" is unreadable; delete it and set the key again`, {
      details: { account },
    });
  }
  return p.password === undefined ? { apiKey: p.apiKey, secret: p.secret } : { apiKey: p.apiKey, secret: p.secret, password: p.password };
}

/** Serializes a secret as the one JSON blob stored per account. */
export function encodeSecret(secret: ExchangeSecret): string {
  return JSON.stringify(secret.password === undefined ? { apiKey: secret.apiKey, secret: secret.secret } : secret);
}
