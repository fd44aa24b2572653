import { InvalidInputError } from '../../core/errors.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Checks a webhook URL without ever echoing it (it is a secret): https, or plain http to a
 * loopback address only (a local relay, a test receiver). Returns the normalized URL.
 */
export function checkWebhookUrl(field: string, value: unknown, example: string): string {
  const expected = `an https URL such as ${example}`;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidInputError('alert sink', [{ path: field, received: typeof value === 'string' ? 'an empty string' : describe(value), expected }]);
  }
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new InvalidInputError('alert sink', [{ path: field, received: `text that is not a URL (${value.length} characters)`, expected }]);
  }
  const loopbackHttp = url.protocol === 'http:' && LOOPBACK.has(url.hostname);
  if (url.protocol !== 'https:' && !loopbackHttp) {
    throw new InvalidInputError('alert sink', [{ path: field, received: `a ${url.protocol.replace(':', '')} URL to ${url.hostname}`, expected: `${expected} (plain http only to 127.0.0.1 or localhost)` }]);
  }
  return url.toString();
}

/** Checks a Telegram bot token (`<bot id>:<secret>` from @BotFather) without echoing it. */
export function checkTelegramToken(field: string, value: unknown): string {
  if (typeof value !== 'string' || !/^\d{3,20}:[A-Za-z0-9_-]{20,100}$/.test(value.trim())) {
    const received = typeof value === 'string' ? `(hidden, ${value.length} characters${value.includes(':') ? '' : ', no ":"'})` : describe(value);
    throw new InvalidInputError('alert sink', [{ path: field, received, expected: 'a bot token from @BotFather, "<digits>:<20+ letters, digits, _ or ->"' }]);
  }
  return value.trim();
}

/** Checks a Telegram chat id: a number (negative for groups) or `@channelname`. */
export function checkTelegramChatId(field: string, value: unknown): string {
  if (typeof value !== 'string' || !/^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31})$/.test(value.trim())) {
    throw new InvalidInputError('alert sink', [{ path: field, received: typeof value === 'string' ? JSON.stringify(value) : describe(value), expected: 'a numeric chat id (e.g. "-1001234567890") or "@channelname"' }]);
  }
  return value.trim();
}

function describe(value: unknown): string {
  return value === null ? 'null' : value === undefined ? 'nothing' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
