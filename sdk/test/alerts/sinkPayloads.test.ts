import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/core/errors.js';
import {
  createDiscordSink,
  createSlackSink,
  createTelegramSink,
  createWebhookSink,
  discordPayload,
  slackPayload,
  telegramPayload,
  webhookPayload,
  type AlertMessage,
  type FetchLike,
} from '../../src/alerts/index.js';

const MESSAGE: AlertMessage = {
  rule: 'fill',
  key: 'f1',
  severity: 'critical',
  title: 'Fill: sell <BTC> & co',
  text: 'sell 0.1 BTC at 90000',
  fields: [
    { name: 'symbol', value: 'BTC/USDT:USDT' },
    { name: 'price', value: '90000' },
  ],
  atMs: Date.UTC(2026, 0, 2, 3, 4, 5),
};

const noFetch: FetchLike = () => Promise.reject(new Error('not called'));

function invalid(fn: () => unknown): InvalidInputError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    return e as InvalidInputError;
  }
  throw new Error('expected an InvalidInputError');
}

describe('sink payloads', () => {
  it('Slack: text fallback plus Block Kit header, section, fields and context, mrkdwn escaped', () => {
    const p = slackPayload(MESSAGE);
    expect(p.text).toBe('Fill: sell <BTC> & co: sell 0.1 BTC at 90000');
    expect(p.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Fill: sell <BTC> & co' } });
    expect(p.blocks[1]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: 'sell 0.1 BTC at 90000' } });
    expect(p.blocks[2]).toEqual({
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: '*symbol*\nBTC/USDT:USDT' },
        { type: 'mrkdwn', text: '*price*\n90000' },
      ],
    });
    expect(p.blocks[3]).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: ':rotating_light: critical · fill · 2026-01-02T03:04:05.000Z' }] });
    const long = slackPayload({ ...MESSAGE, title: 'x'.repeat(400), fields: Array.from({ length: 14 }, (_, i) => ({ name: `f${i}`, value: 'v' })) });
    expect((long.blocks[0] as { text: { text: string } }).text.text.length, 'Slack header limit').toBe(150);
    expect((long.blocks[2] as { fields: unknown[] }).fields, 'Slack allows 10 fields per section').toHaveLength(10);
  });

  it('Discord: content plus one embed with color, inline fields, ISO timestamp, and no mentions', () => {
    const p = discordPayload(MESSAGE);
    expect(p).toEqual({
      content: '**Fill: sell <BTC> & co**',
      embeds: [
        {
          title: 'Fill: sell <BTC> & co',
          description: 'sell 0.1 BTC at 90000',
          color: 0xe74c3c,
          fields: [
            { name: 'symbol', value: 'BTC/USDT:USDT', inline: true },
            { name: 'price', value: '90000', inline: true },
          ],
          footer: { text: 'critical · fill' },
          timestamp: '2026-01-02T03:04:05.000Z',
        },
      ],
      allowed_mentions: { parse: [] },
    });
    expect(discordPayload({ ...MESSAGE, text: 'y'.repeat(5_000) }).embeds[0]).toMatchObject({ description: expect.stringMatching(/^y{4095}…$/) });
  });

  it('Telegram: sendMessage with chat_id, HTML-escaped text and parse_mode', () => {
    expect(telegramPayload('-100123', MESSAGE)).toEqual({
      chat_id: '-100123',
      text: '🚨 <b>Fill: sell &lt;BTC&gt; &amp; co</b>\nsell 0.1 BTC at 90000\n<b>symbol</b>: BTC/USDT:USDT\n<b>price</b>: 90000',
      parse_mode: 'HTML',
      disable_web_page_preview: true,
    });
    const long = telegramPayload('1', { ...MESSAGE, text: 'z'.repeat(5_000) });
    expect(long.text.length, 'Telegram message limit').toBe(4096);
    expect(long.text, 'a cut text keeps no half-open tag').not.toContain('<b>');
  });

  it('generic webhook: the AlertMessage itself', () => {
    expect(webhookPayload(MESSAGE)).toEqual(MESSAGE);
  });
});

describe('sink config errors name the field, what was received and what was expected, never the secret', () => {
  it('rejects a URL that is not https (plain http only to loopback)', () => {
    const e = invalid(() => createSlackSink({ url: 'http://hooks.example.com/services/SECRET', fetch: noFetch }));
    expect(e.issues).toEqual([{ path: 'alerts:slack (keychain)', received: 'a http URL to hooks.example.com', expected: expect.stringContaining('an https URL such as https://hooks.slack.com/services/') }]);
    expect(e.message).not.toContain('SECRET');
    expect(() => createSlackSink({ url: 'http://127.0.0.1:9/hook', fetch: noFetch })).not.toThrow();
  });

  it('rejects text that is not a URL, and an empty one', () => {
    expect(invalid(() => createDiscordSink({ url: 'not a url SECRET', fetch: noFetch })).issues[0]).toMatchObject({ path: 'alerts:discord (keychain)', received: 'text that is not a URL (16 characters)' });
    expect(invalid(() => createWebhookSink({ url: '  ', fetch: noFetch })).issues[0]).toMatchObject({ path: 'alerts:webhook (keychain)', received: 'an empty string' });
  });

  it('rejects a malformed Telegram token without showing it, and a bad chat id', () => {
    const token = invalid(() => createTelegramSink({ token: 'SECRETSECRET', chatId: '1', fetch: noFetch }));
    expect(token.issues[0]).toMatchObject({ path: 'alerts:telegram (keychain)', received: '(hidden, 12 characters, no ":")' });
    expect(token.message).not.toContain('SECRETSECRET');
    const chat = invalid(() => createTelegramSink({ token: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ', chatId: 'my chat', fetch: noFetch }));
    expect(chat.issues[0]).toEqual({ path: 'alerts.sinks.telegram.chatId', received: '"my chat"', expected: expect.stringContaining('numeric chat id') });
    expect(invalid(() => createTelegramSink({ token: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ', chatId: null as unknown as string, fetch: noFetch })).issues[0]).toMatchObject({ received: 'null' });
  });
});
