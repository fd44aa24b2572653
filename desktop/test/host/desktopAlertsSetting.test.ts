import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SettingsView } from '@perpscope/shared';
import { AlertRulesConfigSchema, AlertSinksConfigSchema, InvalidInputError, openStore } from '@perpscope/sdk';
import { startAlertsAdapter } from '../../src/host/alertsAdapter.js';
import { createSettingsAdapter, type SettingsAdapterOptions } from '../../src/host/settingsAdapter.js';
import type { HostEvent } from '../../src/host/ports.js';
import { FakeNotification } from '../main/fakeElectron.js';
import { memorySecrets } from '../support/fakes.js';

const PATH = 'alerts.sinks.desktop.enabled';

describe('the desktop alert sink in the settings form', () => {
  const home = mkdtempSync(join(tmpdir(), 'perpscope-desktop-alerts-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  const adapterOver = (settings: SettingsAdapterOptions['settings'], extra: Partial<SettingsAdapterOptions>) =>
    createSettingsAdapter({
      settings,
      nowMs: () => 0,
      universe: { minQuoteVolumeUsd: 0, minPrice: 0, maxSpreadBps: 50, topN: 10, blueChipOnly: false } as never,
      profiles: { active: () => 'swing', names: () => ['swing'], apply: () => undefined },
      ...extra,
    });

  it('is offered by a shell with OS notifications, saved in SQLite, and each change is passed on', async () => {
    const store = openStore({ home });
    const changes: boolean[] = [];
    const a = adapterOver(store.settings, { desktopAlerts: true, onDesktopAlertsChange: (on) => changes.push(on) });
    const field = (a.port.get() as SettingsView).fields.find((f) => f.path === PATH);
    expect(field).toMatchObject({ group: 'general', kind: 'boolean', value: true, defaultValue: true });
    await a.port.set({ [PATH]: false });
    expect(changes).toEqual([false]);
    expect(a.desktopAlerts()).toBe(false);
    await a.port.set({ 'risk.gates.maxPositions': 4 });
    expect(changes, 'another field saved: no change of the sink').toEqual([false]);
    expect(() => a.port.set({ [PATH]: 'yes' })).toThrow(InvalidInputError);
    expect(() => a.port.set({ [PATH]: 'yes' })).toThrow(/alerts\.sinks\.desktop\.enabled.*true or false/s);
    store.close();

    // The saved choice wins over config.json's on the next start.
    const reopened = openStore({ home });
    const b = adapterOver(reopened.settings, { desktopAlerts: true });
    expect(b.desktopAlerts()).toBe(false);
    expect((b.port.get() as SettingsView).fields.find((f) => f.path === PATH)?.value).toBe(false);
    reopened.close();
  });

  it('is not offered where no OS notifications can be shown (serve)', () => {
    const m = new Map<string, unknown>();
    const a = adapterOver({ get: (k) => m.get(k), set: (k, v) => void m.set(k, v) }, {});
    expect((a.port.get() as SettingsView).fields.some((f) => f.path === PATH)).toBe(false);
    expect(a.desktopAlerts()).toBeUndefined();
    expect(() => a.port.set({ [PATH]: true })).toThrow(/a known setting path/);
  });

  it('switches the OS-notification sink of running alerts at once', async () => {
    const listeners = new Set<(e: HostEvent) => void>();
    FakeNotification.shown.length = 0;
    const adapter = await startAlertsAdapter({
      events: { subscribe: (fn) => (listeners.add(fn), () => listeners.delete(fn)) },
      secrets: memorySecrets(),
      config: { rules: AlertRulesConfigSchema.parse({}), sinks: AlertSinksConfigSchema.parse({ desktop: { enabled: false } }) },
      notifications: FakeNotification,
      nowMs: () => 1_000,
    });
    const killSwitch = (id: string): HostEvent => ({ event: 'alert', data: { id, level: 'warn', kind: 'kill_switch', message: 'Kill switch on', symbol: null, atMs: 5 } });
    try {
      expect(adapter.service.sinkNames).not.toContain('desktop');
      adapter.setDesktopEnabled(true);
      expect(adapter.service.sinkNames).toContain('desktop');
      for (const fn of listeners) fn(killSwitch('k1'));
      await adapter.service.idle();
      expect(FakeNotification.shown.map((s) => s.body)).toEqual(['Kill switch on']);
      adapter.setDesktopEnabled(false);
      expect(adapter.service.sinkNames).not.toContain('desktop');
    } finally {
      await adapter.stop();
    }
  });
});
