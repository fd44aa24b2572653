import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '@perpscope/shared';
import { createTelegramSink, createWebhookSink, telegramPayload, type AlertMessage, type FetchLike } from '../../src/alerts/index.js';
import { startFakeReceiver, type FakeReceiver } from './fakeReceiver.js';

const realFetch = fetch as unknown as FetchLike;
const TOKEN = '123456789:ABCdefGHIjklMNOpqrSTUvwxYZ012345678';
const HOOK_ID = 'a1b2c3d4e5f6-secret-hook';

const MESSAGE: AlertMessage = {
  rule: 'killSwitch',
  key: 'on',
  severity: 'critical',
  title: 'Kill switch ON',
  text: 'Kill switch on (manual): new entries are refused',
  fields: [{ name: 'state', value: 'on' }],
  atMs: Date.UTC(2026, 1, 3),
};

let receiver: FakeReceiver;
beforeEach(async () => {
  receiver = await startFakeReceiver();
});
afterEach(async () => {
  await receiver.close();
});

async function failureOf(send: Promise<void>): Promise<Error & { code?: string; retryable?: boolean }> {
  try {
    await send;
  } catch (e) {
    return e as Error & { code?: string; retryable?: boolean };
  }
  throw new Error('expected the delivery to fail');
}

describe('alert delivery errors never quote a secret', () => {
  it('a receiver echoing its path (n8n style, raw and JSON-escaped) is quoted without the path, its long segments or the URL', async () => {
    receiver.respondWith(404, (path) => JSON.stringify({ message: `The requested webhook "POST ${path}" is not registered.`, escaped: path.replace(/\//g, '\\/'), id: HOOK_ID, full: `${receiver.url}${path}` }));
    const url = `${receiver.url}/webhook/${HOOK_ID}`;
    const error = await failureOf(createWebhookSink({ url, fetch: realFetch }).send(MESSAGE));
    expect(error.message, 'the service answer is still quoted').toMatch(/^webhook: HTTP 404 \(.*is not registered/);
    for (const secret of [url, `/webhook/${HOOK_ID}`, HOOK_ID, receiver.url.replace('http://', '')]) expect(error.message, `no ${secret}`).not.toContain(secret);
  });

  it('a Telegram error echoing the bot path or the token alone never shows the token', async () => {
    receiver.respondWith(404, (path) => `{"ok":false,"description":"Not Found: ${path}","token":"${TOKEN}"}`);
    const error = await failureOf(createTelegramSink({ token: TOKEN, chatId: '42', apiBaseUrl: receiver.url, fetch: realFetch }).send(MESSAGE));
    expect(error.message).toMatch(/^telegram: HTTP 404 \(.*Not Found/);
    expect(error.message).not.toContain(TOKEN);
    expect(error.message, 'not even the secret half').not.toContain(TOKEN.split(':')[1]);
  });
});

describe('the delivery timeout covers the whole request', () => {
  it('an error answer whose body never ends times out instead of hanging', async () => {
    receiver.respondWith(500);
    receiver.stall('body');
    const error = await failureOf(createWebhookSink({ url: `${receiver.url}/hook`, fetch: realFetch, timeoutMs: 300 }).send(MESSAGE));
    expect(error).toMatchObject({ code: ErrorCode.RequestTimeout, retryable: true, message: 'webhook: no answer within 300 ms' });
  });

  it('a 2xx body is released, not left holding the connection', async () => {
    receiver.stall('body');
    await createWebhookSink({ url: `${receiver.url}/hook`, fetch: realFetch }).send(MESSAGE);
    await receiver.waitForClosed(1);
    expect(receiver.received, 'delivered once').toHaveLength(1);
  });

  it('an aborted signal cancels a request in flight for good (not retryable)', async () => {
    receiver.stall('reply');
    const shutdown = new AbortController();
    const sending = failureOf(createWebhookSink({ url: `${receiver.url}/hook`, fetch: realFetch, signal: shutdown.signal }).send(MESSAGE));
    await receiver.waitFor(1);
    shutdown.abort();
    expect(await sending).toMatchObject({ code: ErrorCode.Cancelled, retryable: false, message: 'webhook: not delivered, alerts are shutting down' });
  });
});

describe('Telegram text limits', () => {
  it('a cut never splits an HTML entity, wherever it falls', () => {
    for (let pad = 0; pad < 6; pad++) {
      const text = `${'x'.repeat(pad)}${'&<>'.repeat(1_500)}`;
      const sent = telegramPayload('42', { ...MESSAGE, text }).text;
      expect(sent.length, `pad ${pad}: within the 4096-character limit`).toBeLessThanOrEqual(4096);
      expect(sent.endsWith('…'), `pad ${pad}: the cut is marked`).toBe(true);
      expect(sent.replace(/&(amp|lt|gt);/g, ''), `pad ${pad}: every & starts a whole entity`).not.toContain('&');
    }
  });
});
