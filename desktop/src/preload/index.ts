import { contextBridge, ipcRenderer } from 'electron';
import { BRIDGE_GLOBAL, METHOD_NAMES, type EventName, type PerpscopeBridge } from '@perpscope/shared';
import { commandChannel, EVENT_CHANNEL } from './channels.js';

/**
 * Exposes `window.perpscope`: one named verb per contract command (`perpscope.orders.place(p)`),
 * each bound to its own IPC channel, and an event subscription. There is deliberately no generic
 * `invoke(channel)`: the renderer can reach exactly the contract and nothing else.
 */
const bridge: Record<string, unknown> = {
  onEvent(listener: (event: EventName, data: unknown) => void) {
    const handler = (_e: Electron.IpcRendererEvent, message: { event: EventName; data: unknown }) => listener(message.event, message.data);
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, handler);
    };
  },
};
for (const method of METHOD_NAMES) {
  const [ns, verb] = method.split('.') as [string, string];
  const group = (bridge[ns] ??= {}) as Record<string, unknown>;
  const channel = commandChannel(method);
  group[verb] = (params?: unknown) => ipcRenderer.invoke(channel, params ?? {});
}

contextBridge.exposeInMainWorld(BRIDGE_GLOBAL, bridge as unknown as PerpscopeBridge);
