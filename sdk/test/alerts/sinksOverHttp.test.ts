import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AlertService,
  AlertRulesConfigSchema,
  AlertSinksConfigSchema,
  createDiscordSink,
  createSlackSink,
  createTelegramSink,
  createWebhookSink,
  resolveSinks,
  storeSinkSecret,
  type AlertMessage,
  type FetchLike,
  type SinkSecretStore,
} from '../../src/alerts/index.js';
import { refusedUrl, startFakeReceiver, type FakeReceiver } from './fakeReceiver.js';

const realFetch = fetch as unknown as FetchLike;
const TOKEN = '123456789:ABCdefGHIjklMNOpqrSTUvwxYZ012345678';

const MESSAGE: AlertMessage = {
  rule: 'killSwitch',
  key: 'on',
  severity: 'critical',
  title: 'Kill switch ON',
  text: 'Kill switch on (manual): new entries are refused',
  fields: [{ name: 'state', value: 'on' }],
  atMs: Date.UTC(2026, 1, 3),
};

/** An in-memory stand-in for the keychain port (the real keychain is exercised by the desktop host test). */
function memoryStore(): SinkSecretStore & { entries: Map<string, { apiKey: string; secret: string }> } {
  const entries = new Map<string, { apiKey: string; secret: string }>();
  return {
    entries,
    get: (ref) => Promise.resolve(entries.get(`${ref.exchange}:${ref.label}`) ?? null),
    set: (ref, s) => {
      entries.set(`${ref.exchange}:${ref.label}`, s);
      return Promise.resolve();
    },
    delete: (ref) => Promise.resolve(entries.delete(`${ref.exchange}:${ref.label}`)),
  };
}

let receiver: FakeReceiver;
beforeEach(async () => {
  receiver = await startFakeReceiver();
});
afterEach(async () => {
  await receiver.close();
});

describe('sinks over real HTTP', () => {
  it('each sink posts its documented JSON body to its endpoint', async () => {
    await createSlackSink({ url: `${receiver.url}/services/T1/B1/x`, fetch: realFetch }).send(MESSAGE);
    await createDiscordSink({ url: `${receiver.url}/api/webhooks/1/tok`, fetch: realFetch }).send(MESSAGE);
    await createTelegramSink({ token: TOKEN, chatId: '-100777', apiBaseUrl: receiver.url, fetch: realFetch }).send(MESSAGE);
    await createWebhookSink({ url: `${receiver.url}/hook`, fetch: realFetch }).send(MESSAGE);
    const [slack, discord, telegram, webhook] = await receiver.waitFor(4);
    for (const r of [slack, discord, telegram, webhook]) expect(r).toMatchObject({ method: 'POST', contentType: 'application/json' });
    expect(slack!.path).toBe('/services/T1/B1/x');
    expect(slack!.body).toMatchObject({ text: 'Kill switch ON: Kill switch on (manual): new entries are refused', blocks: expect.arrayContaining([{ type: 'header', text: { type: 'plain_text', text: 'Kill switch ON' } }]) });
    expect(discord!.path).toBe('/api/webhooks/1/tok');
    expect(discord!.body).toMatchObject({ content: '**Kill switch ON**', embeds: [{ title: 'Kill switch ON', color: 0xe74c3c, timestamp: '2026-02-03T00:00:00.000Z' }] });
    expect(telegram!.path, 'the Bot API sendMessage method under bot<token>').toBe(`/bot${TOKEN}/sendMessage`);
    expect(telegram!.body).toEqual({ chat_id: '-100777', text: expect.stringContaining('<b>Kill switch ON</b>'), parse_mode: 'HTML', disable_web_page_preview: true });
    expect(webhook!.body, 'the generic webhook gets the message itself').toEqual(MESSAGE);
  });

  it('a 500 is retried once and reported, a 400 is not retried, a refused connection is reported; nothing throws', async () => {
    receiver.respondWith(500);
    const down = await refusedUrl();
    const failing = new AlertService({
      rules: AlertRulesConfigSchema.parse({}),
      sinks: [createWebhookSink({ url: `${receiver.url}/hook`, fetch: realFetch }), createSlackSink({ url: `${down}/services/x`, fetch: realFetch })],
      nowMs: () => 0,
    });
    const results = await failing.test();
    expect(results).toEqual([
      { sink: 'webhook', ok: false, attempts: 2, message: expect.stringContaining('webhook: HTTP 500') },
      { sink: 'slack', ok: false, attempts: 2, message: expect.stringMatching(/^slack: could not connect \(/) },
    ]);
    expect(results[1]!.message, 'the secret URL never reaches a message').not.toContain(down);
    expect(receiver.received, 'one retry, then it gave up').toHaveLength(2);

    receiver.respondWith(400, '{"ok":false,"description":"Bad Request: chat not found"}');
    const telegram = new AlertService({ rules: AlertRulesConfigSchema.parse({}), sinks: [createTelegramSink({ token: TOKEN, chatId: '42', apiBaseUrl: receiver.url, fetch: realFetch })], nowMs: () => 0 });
    const [refused] = await telegram.test();
    expect(refused).toEqual({ sink: 'telegram', ok: false, attempts: 1, message: expect.stringContaining('telegram: HTTP 400 ({"ok":false,"description":"Bad Request: chat not found"})') });
    expect(refused!.message).not.toContain(TOKEN);
    expect(receiver.received).toHaveLength(3);

    failing.handle({ type: 'kill_switch', on: true, message: 'on' });
    await failing.idle();
    expect(failing.stats().failures, 'failures are counted per sink').toEqual({ webhook: 2, slack: 2 });
  });

  it('builds enabled sinks from stored secrets; an enabled sink without a secret is a problem, not a crash', async () => {
    const store = memoryStore();
    await storeSinkSecret(store, 'discord', `${receiver.url}/api/webhooks/9/z`);
    await storeSinkSecret(store, 'telegram', TOKEN);
    expect(store.entries.get('alerts:discord'), 'the URL lives in the secret field').toEqual({ apiKey: 'discord', secret: `${receiver.url}/api/webhooks/9/z` });
    await expect(storeSinkSecret(store, 'slack', 'ftp://x')).rejects.toThrow(/alerts:slack \(keychain\): got a ftp URL to x, expected an https URL/);
    const config = AlertSinksConfigSchema.parse({ slack: { enabled: true }, discord: { enabled: true }, telegram: { enabled: true, chatId: '5' }, webhook: { enabled: false } });
    const { sinks, problems } = await resolveSinks({ store, config, fetch: realFetch, telegramApiBaseUrl: receiver.url });
    expect(sinks.map((s) => s.name)).toEqual(['discord', 'telegram']);
    expect(problems).toEqual([{ sink: 'slack', message: 'slack is enabled but no webhook URL is stored; run: perpscope alerts set-sink slack' }]);
    const noChat = await resolveSinks({ store, config: AlertSinksConfigSchema.parse({ telegram: { enabled: true } }), fetch: realFetch });
    expect(noChat.problems[0]!.message).toMatch(/alerts\.sinks\.telegram\.chatId: got null, expected a numeric chat id/);
    const service = new AlertService({ rules: AlertRulesConfigSchema.parse({}), sinks, nowMs: () => 0 });
    expect((await service.test()).every((r) => r.ok)).toBe(true);
    const got = await receiver.waitFor(2);
    expect(got.map((r) => r.path).sort()).toEqual(['/api/webhooks/9/z', `/bot${TOKEN}/sendMessage`]);
  });
});
