import { Readable, Writable } from 'node:stream';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAlerts } from '../../src/cli/commands/alerts.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import { requireKeychain, testSecretStore } from '../../../test/support/keychain.js';
import { captureIo } from '../cli/testIo.js';
import { startFakeReceiver, type FakeReceiver } from './fakeReceiver.js';

const hasKeyring = await requireKeychain('perpscope alerts (real OS keychain)');

const stdin = (text: string) => Object.assign(Readable.from([text]), { isTTY: false });
const prompts = new Writable({ write: (_c, _e, cb) => cb() });
const TOKEN = '987654321:SENTINELsentinelSENTINELsentinel';

describe.skipIf(!hasKeyring)('perpscope alerts (real OS keychain)', () => {
  const store = testSecretStore(`alerts-cli-${process.pid}`);
  let receiver: FakeReceiver;
  beforeEach(async () => {
    receiver = await startFakeReceiver();
  });
  afterEach(async () => {
    await receiver.close();
  });
  afterAll(async () => {
    for (const ref of await store.list()) await store.delete(ref);
  });

  it('set-sink stores the URL or token from stdin in the keychain, and test sends to every enabled sink', async () => {
    const config = parseConfig({ alerts: { sinks: { webhook: { enabled: true }, telegram: { enabled: true, chatId: '@perpscope_alerts' } } } });
    const io = captureIo();
    expect(await runAlerts('set-sink', { sink: 'webhook' }, io, { store, config, stdin: stdin(`${receiver.url}/hook/SENTINEL\n`), prompts })).toBe(0);
    expect(await runAlerts('set-sink', { sink: 'telegram' }, io, { store, config, stdin: stdin(TOKEN), prompts })).toBe(0);
    expect(await store.get({ exchange: 'alerts', label: 'webhook' })).toEqual({ apiKey: 'webhook', secret: `${receiver.url}/hook/SENTINEL` });
    expect(io.lines).toEqual(['stored alerts:webhook in the OS keychain', 'stored alerts:telegram in the OS keychain']);

    expect(await runAlerts('test', {}, io, { store, config, fetch: fetch as never, telegramApiBaseUrl: receiver.url })).toBe(0);
    const got = await receiver.waitFor(2);
    expect(got.map((r) => r.path).sort()).toEqual(['/hook/SENTINEL', `/bot${TOKEN}/sendMessage`].sort());
    expect(got.find((r) => r.path === '/hook/SENTINEL')!.body).toMatchObject({ rule: 'test', title: 'Perpscope test alert' });
    expect(io.lines.slice(2).map((l) => JSON.parse(l) as unknown)).toEqual([
      { sink: 'telegram', ok: true, attempts: 1, message: 'delivered' },
      { sink: 'webhook', ok: true, attempts: 1, message: 'delivered' },
    ]);
    const printed = [...io.lines, ...io.errors].join('\n');
    expect(printed.includes('SENTINEL'), 'a sink secret is never printed').toBe(false);
  });

  it('delete-sink removes a stored sink secret from the keychain, and says so when there was none', async () => {
    const config = parseConfig({ alerts: { sinks: { discord: { enabled: true } } } });
    const io = captureIo();
    expect(await runAlerts('set-sink', { sink: 'discord' }, io, { store, config, stdin: stdin(`${receiver.url}/api/webhooks/1/SENTINEL`), prompts })).toBe(0);
    expect(await runAlerts('delete-sink', { sink: 'discord' }, io, { store, config })).toBe(0);
    expect(await store.get({ exchange: 'alerts', label: 'discord' }), 'gone from the keychain').toBeNull();
    expect(await runAlerts('delete-sink', { sink: 'discord' }, io, { store, config })).toBe(0);
    expect(io.lines.slice(1)).toEqual(['deleted alerts:discord from the OS keychain', 'no alerts:discord secret was stored']);
    expect(io.errors).toEqual(['note: discord is still enabled; set alerts.sinks.discord.enabled to false in config.json']);
    expect(await runAlerts('delete-sink', { sink: 'email' }, io, { store, config })).toBe(2);
  });

  it('refuses a bad sink name, a bad URL and several lines, naming what was expected; test fails when a sink fails', async () => {
    const config = parseConfig({ alerts: { sinks: { slack: { enabled: true } } } });
    const io = captureIo();
    expect(await runAlerts('set-sink', { sink: 'email' }, io, { store, config, stdin: stdin('x'), prompts })).toBe(2);
    expect(io.errors.at(-1)).toBe('perpscope alerts set-sink: got "email", expected one of slack, discord, telegram, webhook');
    await expect(runAlerts('set-sink', { sink: 'slack' }, io, { store, config, stdin: stdin('hooks.slack.com/x'), prompts })).rejects.toThrow(/alerts:slack \(keychain\): got text that is not a URL \(17 characters\), expected an https URL/);
    await expect(runAlerts('set-sink', { sink: 'slack' }, io, { store, config, stdin: stdin('https://a.example/1\nhttps://b.example/2\n'), prompts })).rejects.toThrow(/\(stdin\): got 2 non-empty line\(s\), expected exactly one line: the slack webhook URL/);

    const none = captureIo();
    expect(await runAlerts('test', {}, none, { store, config, fetch: fetch as never })).toBe(1);
    expect(none.errors[0]).toBe('slack: slack is enabled but no webhook URL is stored; run: perpscope alerts set-sink slack');

    receiver.respondWith(500);
    await runAlerts('set-sink', { sink: 'slack' }, io, { store, config, stdin: stdin(`${receiver.url}/services/x`), prompts });
    const failing = captureIo();
    expect(await runAlerts('test', {}, failing, { store, config, fetch: fetch as never })).toBe(1);
    expect(JSON.parse(failing.lines[0]!)).toMatchObject({ sink: 'slack', ok: false, attempts: 2, message: expect.stringContaining('HTTP 500') });
  });
});
