import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ErrorCode, type AlertTestReportView, type KillSwitchStateView } from '@perpscope/shared';
import { AlertRulesConfigSchema, AlertSinksConfigSchema, openStore, runCli, storeSinkSecret, type AlertMessage } from '@perpscope/sdk';
import { runServe, type ServeHandle } from '../../src/cli/serve.js';
import { createServeCommand } from '../../src/cli/serveCommand.js';
import { startAlertsAdapter, toAlertInput } from '../../src/host/alertsAdapter.js';
import { createHost, hostEngineFactory, type HostEvent } from '../../src/host/index.js';
import type { TradingPort } from '../../src/host/ports.js';
import { requireKeychain, testSecretStore } from '../../../test/support/keychain.js';
import { SIM_START_MS } from '../../../test/support/sim.js';
import { startFakeReceiver, type FakeReceiver } from '../../../sdk/test/alerts/fakeReceiver.js';
import { FakeNotification } from '../main/fakeElectron.js';
import { bareEngine, memorySecrets } from '../support/fakes.js';

const hasKeyring = await requireKeychain('alerts from the host (sink URLs in the real OS keychain)');

const SIM = { sim: { symbols: 8, seed: 3, acceleration: 60, rateLimitScale: 20, startTimeMs: SIM_START_MS }, timeframes: ['1m'], backfillBars: 60, universe: { minQuoteVolumeUsd: 0 } };

/** A minimal RPC client over the server's WebSocket. */
async function rpcClient(openUrl: string): Promise<{ call<T>(method: string, params?: unknown): Promise<{ ok: true; value: T } | { ok: false; error: { code: string; message: string } }>; close(): void }> {
  const url = new URL(openUrl);
  const token = url.searchParams.get('token')!;
  const ws = new WebSocket(`ws://${url.host}/rpc`, { headers: { authorization: `Bearer ${token}` } });
  const pending = new Map<string, (result: never) => void>();
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as { id?: string; result?: never };
    if (msg.id && msg.result) pending.get(msg.id)?.(msg.result);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let seq = 0;
  return {
    call(method, params = {}) {
      const id = `r${++seq}`;
      return new Promise((resolve) => {
        pending.set(id, resolve as never);
        ws.send(JSON.stringify({ id, method, params }));
      });
    },
    close: () => ws.close(),
  };
}

const bodiesOf = (receiver: FakeReceiver, path: string) => receiver.received.filter((r) => r.path === path).map((r) => r.body);

describe.skipIf(!hasKeyring)('alerts from `perpscope serve` (sim engine, sink URLs in the OS keychain)', () => {
  const home = mkdtempSync(join(tmpdir(), 'perpscope-alerts-'));
  const secrets = testSecretStore(`alerts-host-${process.pid}`);
  let receiver: FakeReceiver;
  let serve: ServeHandle;
  let rpc: Awaited<ReturnType<typeof rpcClient>>;

  beforeAll(async () => {
    receiver = await startFakeReceiver();
    await storeSinkSecret(secrets, 'webhook', `${receiver.url}/hook`);
    await storeSinkSecret(secrets, 'slack', `${receiver.url}/slack`);
    // Discord is enabled without a stored URL: the test button must say so, not fail.
    writeFileSync(join(home, 'config.json'), JSON.stringify({ ...SIM, alerts: { sinks: { webhook: { enabled: true }, slack: { enabled: true }, discord: { enabled: true } } } }));
    const lines: string[] = [];
    serve = await runServe({ port: 0, host: '127.0.0.1', sim: true, home }, { createEngine: hostEngineFactory({ openStore, env: {}, orderFlowIntervalMs: 60_000 }), secrets, out: (l) => lines.push(l) });
    rpc = await rpcClient(lines[0]!.replace(/^open /, ''));
  });
  afterAll(async () => {
    rpc?.close();
    await serve?.stop().catch(() => undefined);
    await receiver?.close();
    for (const ref of await secrets.list()) await secrets.delete(ref);
    rmSync(home, { recursive: true, force: true });
  });

  it('a kill switch toggle from the app reaches the webhook and Slack receivers, on then off', async () => {
    const on = await rpc.call<KillSwitchStateView>('emergency.killSwitch', { active: true, reason: 'desk halt' });
    expect(on.ok).toBe(true);
    const isKill = (b: unknown) => (b as AlertMessage).rule === 'killSwitch';
    const webhookOn = await waitForBody(receiver, '/hook', (b) => isKill(b) && (b as AlertMessage).key === 'on');
    expect(webhookOn).toMatchObject({ rule: 'killSwitch', key: 'on', severity: 'critical', title: 'Kill switch ON', text: expect.stringContaining('desk halt') });
    const slackOn = await waitForBody(receiver, '/slack', (b) => (b as { text: string }).text.startsWith('Kill switch ON'));
    expect(slackOn, 'Slack gets its own format').toMatchObject({ text: expect.stringContaining('desk halt'), blocks: expect.any(Array) });

    await rpc.call('emergency.killSwitch', { active: false });
    const webhookOff = await waitForBody(receiver, '/hook', (b) => isKill(b) && (b as AlertMessage).key === 'off');
    expect(webhookOff).toMatchObject({ severity: 'info', title: 'Kill switch off' });
  });

  it('alerts.test sends to every enabled sink and reports each, an enabled sink without a secret included', async () => {
    const res = await rpc.call<AlertTestReportView>('alerts.test');
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect([...res.value.results].sort((a, b) => a.sink.localeCompare(b.sink))).toEqual([
      { sink: 'discord', ok: false, message: 'discord is enabled but no webhook URL is stored; run: perpscope alerts set-sink discord' },
      { sink: 'slack', ok: true, message: 'delivered' },
      { sink: 'webhook', ok: true, message: 'delivered' },
    ]);
    expect(await waitForBody(receiver, '/hook', (b) => (b as AlertMessage).rule === 'test')).toMatchObject({ title: 'Perpscope test alert' });
    expect((await secrets.list()).map((r) => `${r.exchange}:${r.label}`).sort(), 'the sink URLs are in the keychain').toEqual(['alerts:slack', 'alerts:webhook']);
    const keys = await rpc.call<{ keys: unknown[] }>('keys.list');
    expect(keys.ok && keys.value.keys, 'sink secrets are not exchange keys: the Keys view does not list them').toEqual([]);
  });

  it('a receiver answering 500 is reported by the test and does not disturb the engine', async () => {
    receiver.respondWith(500);
    try {
      const res = await rpc.call<AlertTestReportView>('alerts.test');
      expect(res.ok && res.value.results.find((r) => r.sink === 'webhook')).toEqual({ sink: 'webhook', ok: false, message: expect.stringContaining('webhook: HTTP 500') });
      const status = await rpc.call<{ killSwitch: KillSwitchStateView }>('trading.status');
      expect(status.ok, 'the host still answers').toBe(true);
    } finally {
      receiver.respondWith(200);
    }
  });
});

/** Resolves with the first body on `path` that `match` accepts, waiting for new requests as they arrive. */
async function waitForBody(receiver: FakeReceiver, path: string, match: (body: unknown) => boolean): Promise<unknown> {
  for (let seen = 0; seen < 10_000; seen = receiver.received.length) {
    const found = bodiesOf(receiver, path).find(match);
    if (found !== undefined) return found;
    await receiver.waitFor(seen + 1);
  }
  throw new Error(`no matching body on ${path}`);
}

describe('alerts adapter', () => {
  it('shows alerts as OS notifications when the desktop sink is on, and maps host events to rule inputs', async () => {
    const listeners = new Set<(e: HostEvent) => void>();
    const events = { subscribe: (fn: (e: HostEvent) => void) => (listeners.add(fn), () => listeners.delete(fn)) };
    const untouched = { get: () => Promise.reject(new Error('no sink is enabled: the keychain is not read')), set: () => Promise.reject(new Error('unused')), delete: () => Promise.resolve(false), list: () => Promise.resolve([]) };
    FakeNotification.shown.length = 0;
    const adapter = await startAlertsAdapter({
      events,
      secrets: untouched,
      config: { rules: AlertRulesConfigSchema.parse({}), sinks: AlertSinksConfigSchema.parse({}) },
      notifications: FakeNotification,
      nowMs: () => 1_000,
    });
    try {
      for (const fn of listeners) fn({ event: 'alert', data: { id: 'k1', level: 'warn', kind: 'kill_switch', message: 'Kill switch on (panic): new entries are refused', symbol: null, atMs: 5 } });
      await adapter.service.idle();
      expect(FakeNotification.shown).toEqual([{ title: 'Kill switch ON', body: 'Kill switch on (panic): new entries are refused', urgency: 'critical' }]);
      const report = await adapter.port.test();
      expect(report.results).toEqual([{ sink: 'desktop', ok: true, message: 'delivered' }]);
    } finally {
      await adapter.stop();
    }
    expect(listeners.size, 'stop unsubscribes').toBe(0);
    const alert = (kind: string, message: string, level: 'info' | 'warn' | 'error' = 'warn'): HostEvent => ({ event: 'alert', data: { id: 'a', level, kind, message, symbol: 'X/USDT:USDT', atMs: 1 } });
    expect(toAlertInput(alert('calibration_drift', 'calibration iso-15m-v2 drifted: stated 60%'))).toEqual({ type: 'drift', key: 'iso-15m-v2', recovered: false, message: 'calibration iso-15m-v2 drifted: stated 60%' });
    expect(toAlertInput(alert('kill_switch', 'Kill switch off', 'info'))).toMatchObject({ type: 'kill_switch', on: false });
    expect(toAlertInput(alert('trading_halted', 'New entries halted', 'error'))).toEqual({ type: 'trading_halted', message: 'New entries halted' });
    expect(toAlertInput(alert('manipulation', 'radar 95'))).toEqual({ type: 'manipulation', symbol: 'X/USDT:USDT', message: 'radar 95' });
    expect(toAlertInput(alert('live_armed', 'armed')), 'other kinds are a sign of life only').toEqual({ type: 'heard' });
  });

  it('runs the time-driven rules on tick: autotrade read from the trader, engine silence reported', async () => {
    let nowMs = 0;
    FakeNotification.shown.length = 0;
    const trading = { isAutotrade: vi.fn(() => true), status: vi.fn(() => Promise.reject(new Error('a full status reads the exchange'))) };
    const adapter = await startAlertsAdapter({
      events: { subscribe: () => () => undefined },
      secrets: { get: () => Promise.resolve(null), set: () => Promise.resolve(), delete: () => Promise.resolve(false), list: () => Promise.resolve([]) },
      config: { rules: AlertRulesConfigSchema.parse({ heartbeat: { heartbeatMs: 60_000 } }), sinks: AlertSinksConfigSchema.parse({}) },
      trading,
      notifications: FakeNotification,
      nowMs: () => nowMs,
    });
    try {
      await adapter.tick();
      nowMs = 60_001;
      await adapter.tick();
      await adapter.service.idle();
      expect(trading.isAutotrade, 'the autotrade flag is read each tick').toHaveBeenCalledTimes(2);
      expect(trading.status, 'never the full status: it reads the exchange when live').not.toHaveBeenCalled();
      expect(FakeNotification.shown.map((n) => n.title)).toEqual(['Engine silent']);
    } finally {
      await adapter.stop();
    }
  });

  it('a host without alert sinks wired answers alerts.test with NOT_SUPPORTED', async () => {
    const host = createHost({ engine: bareEngine(), secrets: { get: () => Promise.resolve(null), set: () => Promise.resolve(), delete: () => Promise.resolve(false), list: () => Promise.resolve([]) } });
    const res = await host.call('alerts.test');
    expect(!res.ok && res.error.code).toBe(ErrorCode.NotSupported);
    host.close();
  });
});

const KILL_ON: HostEvent = { event: 'alert', data: { id: 'k1', level: 'warn', kind: 'kill_switch', message: 'Kill switch on (manual): new entries are refused', symbol: null, atMs: 5 } };

describe('alerts shutdown', () => {
  async function webhookAdapter(receiver: FakeReceiver, stopGraceMs?: number) {
    const secrets = memorySecrets();
    await storeSinkSecret(secrets, 'webhook', `${receiver.url}/hook`);
    const engine = bareEngine();
    const adapter = await startAlertsAdapter({
      events: engine.events,
      secrets,
      config: { rules: AlertRulesConfigSchema.parse({}), sinks: AlertSinksConfigSchema.parse({ webhook: { enabled: true } }) },
      ...(stopGraceMs !== undefined ? { stopGraceMs } : {}),
    });
    return { engine, adapter };
  }

  it('stop waits for a delivery in flight to finish', async () => {
    const receiver = await startFakeReceiver();
    try {
      receiver.stall('reply');
      const { engine, adapter } = await webhookAdapter(receiver);
      engine.emit(KILL_ON);
      await receiver.waitFor(1);
      const stopping = adapter.stop();
      receiver.release();
      await stopping;
      expect(adapter.service.stats().delivered, 'the alert in flight was delivered before stop resolved').toEqual({ webhook: 1 });
    } finally {
      await receiver.close();
    }
  });

  it('stop aborts a delivery still hanging after the grace period, without a retry', async () => {
    const receiver = await startFakeReceiver();
    try {
      receiver.stall('reply');
      const { engine, adapter } = await webhookAdapter(receiver, 100);
      engine.emit(KILL_ON);
      await receiver.waitFor(1);
      await adapter.stop();
      expect(adapter.service.stats().failures, 'counted as not delivered').toEqual({ webhook: 1 });
      await receiver.waitForClosed(1);
      expect(receiver.received, 'no retry after the abort').toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });
});

describe('alert sink secrets are out of reach of the keys.* commands', () => {
  it('keys.set, keys.delete, keys.test and trading.armLive refuse exchange "alerts", naming the field', async () => {
    const secrets = memorySecrets();
    await storeSinkSecret(secrets, 'webhook', 'https://hooks.example.com/perpscope/SENTINEL');
    const keyTester = { test: vi.fn(() => Promise.resolve({ latencyMs: 1, message: 'ok' })) };
    const trading = { armLive: vi.fn() } as unknown as TradingPort;
    const host = createHost({ engine: { ...bareEngine(), keyTester, trading }, secrets });
    try {
      const calls: Array<[string, Record<string, unknown>]> = [
        ['keys.set', { exchange: 'alerts', label: 'webhook', apiKey: 'webhook', secret: 'https://attacker.example/x' }],
        ['keys.delete', { exchange: 'alerts', label: 'webhook' }],
        ['keys.test', { exchange: 'alerts', label: 'webhook' }],
        ['trading.armLive', { exchange: 'alerts', label: 'webhook', confirm: 'LIVE alerts webhook' }],
      ];
      for (const [method, params] of calls) {
        const res = await host.call(method as never, params as never);
        expect(res.ok, method).toBe(false);
        if (res.ok) continue;
        expect(res.error.code, method).toBe(ErrorCode.InvalidInput);
        expect(res.error.message, `${method} names the field and the value`).toMatch(/exchange: got "alerts", expected an exchange id/);
        expect(res.error.message, `${method} never shows the sink URL`).not.toContain('SENTINEL');
      }
      expect(secrets.entries.get('alerts:webhook'), 'the sink URL is untouched').toEqual({ apiKey: 'webhook', secret: 'https://hooks.example.com/perpscope/SENTINEL' });
      expect(keyTester.test, 'the sink URL never reaches an exchange client').not.toHaveBeenCalled();
      expect(trading.armLive).not.toHaveBeenCalled();
    } finally {
      host.close();
    }
  });
});

describe('perpscope serve', () => {
  it('honours --set alerts.* (the alerts read the same config layers as the command)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'perpscope-serve-alerts-'));
    const receiver = await startFakeReceiver();
    const secrets = memorySecrets();
    await storeSinkSecret(secrets, 'webhook', `${receiver.url}/hook`);
    const engine = bareEngine();
    let interrupt!: () => void;
    const lines: string[] = [];
    const errors: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => errors.push(l), isTTY: false, env: {}, interrupted: new Promise<void>((resolve) => (interrupt = resolve)) };
    const serve = createServeCommand({
      engineFactory: () => Promise.resolve(() => Promise.resolve({ engine, start: () => Promise.resolve(), stop: () => Promise.resolve() })),
      secretStore: () => Promise.resolve(secrets),
    });
    try {
      const exit = runCli(['--home', home, '--set', 'alerts.sinks.webhook.enabled=true', 'serve', '--port', '0'], io, [serve]);
      await vi.waitFor(() => expect(lines[0], errors.join('\n')).toMatch(/^open /), { timeout: 15_000 });
      engine.emit(KILL_ON);
      expect(await waitForBody(receiver, '/hook', (b) => (b as AlertMessage).rule === 'killSwitch'), 'the sink enabled by --set got the alert').toMatchObject({ title: 'Kill switch ON' });
      interrupt();
      expect(await exit).toBe(0);
    } finally {
      interrupt();
      await receiver.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
