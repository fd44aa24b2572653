import { BRIDGE_GLOBAL, METHOD_NAMES } from '@perpscope/shared';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { commandChannel, EVENT_CHANNEL } from '../../src/preload/channels.js';

/** What the preload hands to Electron, captured by the fake `electron` module below. */
const exposed = new Map<string, unknown>();
const invoked: { channel: string; params: unknown }[] = [];
const listeners = new Map<string, Set<(...args: unknown[]) => void>>();

vi.mock('electron', () => ({
  contextBridge: {
    exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api),
  },
  ipcRenderer: {
    invoke: (channel: string, params: unknown) => {
      invoked.push({ channel, params });
      return Promise.resolve({ ok: true, value: channel });
    },
    on: (channel: string, listener: (...args: unknown[]) => void) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(listener);
    },
    removeListener: (channel: string, listener: (...args: unknown[]) => void) => listeners.get(channel)?.delete(listener),
  },
}));

type Bridge = Record<string, Record<string, (params?: unknown) => Promise<unknown>>> & {
  onEvent: (listener: (event: string, data: unknown) => void) => () => void;
};

describe('preload bridge (fake electron)', () => {
  let bridge: Bridge;
  beforeAll(async () => {
    await import('../../src/preload/index.js');
    expect([...exposed.keys()], 'exposes exactly one global').toEqual([BRIDGE_GLOBAL]);
    bridge = exposed.get(BRIDGE_GLOBAL) as Bridge;
  });

  it('exposes one named verb per contract command and no generic invoke', () => {
    const verbs = Object.entries(bridge)
      .filter(([key]) => key !== 'onEvent')
      .flatMap(([ns, group]) => Object.keys(group).map((verb) => `${ns}.${verb}`));
    expect(verbs.sort()).toEqual([...METHOD_NAMES].sort());
    expect('invoke' in bridge, 'no generic invoke').toBe(false);
    expect('send' in bridge, 'no generic send').toBe(false);
  });

  it("each verb invokes its own command's channel, with {} for absent params", async () => {
    const method = METHOD_NAMES[0]!;
    const [ns, verb] = method.split('.') as [string, string];
    invoked.length = 0;
    await bridge[ns]![verb]!({ a: 1 });
    await bridge[ns]![verb]!();
    expect(invoked).toEqual([
      { channel: commandChannel(method), params: { a: 1 } },
      { channel: commandChannel(method), params: {} },
    ]);
  });

  it('onEvent subscribes on the event channel and its return value unsubscribes', () => {
    const seen: [string, unknown][] = [];
    const stop = bridge.onEvent((event, data) => seen.push([event, data]));
    expect(listeners.get(EVENT_CHANNEL)?.size).toBe(1);
    for (const l of listeners.get(EVENT_CHANNEL)!) l({}, { event: 'health', data: { ok: 1 } });
    expect(seen).toEqual([['health', { ok: 1 }]]);
    stop();
    expect(listeners.get(EVENT_CHANNEL)?.size, 'listener removed').toBe(0);
  });
});
