import { ErrorCode, METHOD_NAMES, ok, type Result } from '@perpscope/shared';
import { beforeEach, describe, expect, it } from 'vitest';
import type { HostEvent } from '../../src/host/ports.js';
import { registerIpc } from '../../src/main/ipc.js';
import { appUrlMatcher, type SenderPolicy } from '../../src/main/security.js';
import { createAppWindow } from '../../src/main/window.js';
import { commandChannel, EVENT_CHANNEL } from '../../src/preload/channels.js';
import { fakeBrowserWindowClass, fakeElectron, FakeBrowserWindow, FakeFrame, type FakeElectron } from './fakeElectron.js';

const page = { preloadPath: '/opt/perpscope/out/preload/index.cjs', rendererFile: '/opt/perpscope/out/renderer/index.html' };
const method = METHOD_NAMES[0]!;

/** A host that records the commands it receives and lets the test push events. */
function recordingHost() {
  const calls: { method: unknown; params: unknown }[] = [];
  const listeners = new Set<(event: HostEvent) => void>();
  return {
    calls,
    emit: (event: HostEvent) => listeners.forEach((l) => l(event)),
    handle: (m: unknown, params: unknown): Promise<Result<unknown>> => {
      calls.push({ method: m, params });
      return Promise.resolve(ok({ handled: m }));
    },
    onEvent: (listener: (event: HostEvent) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

describe('IPC sender validation (main process, fake electron)', () => {
  let electron: FakeElectron;
  let host: ReturnType<typeof recordingHost>;
  let win: FakeBrowserWindow;
  let current: FakeBrowserWindow | null;
  let unregister: () => void;

  beforeEach(async () => {
    electron = fakeElectron();
    host = recordingHost();
    const created = FakeBrowserWindow.created.length;
    await createAppWindow(fakeBrowserWindowClass, page);
    win = FakeBrowserWindow.created[created]!;
    current = win;
    const policy: SenderPolicy = {
      appWindow: () => current as unknown as ReturnType<SenderPolicy['appWindow']>,
      windowOf: (contents) => electron.api.BrowserWindow.fromWebContents(contents),
      isAppUrl: appUrlMatcher(page),
    };
    unregister = registerIpc(electron.api.ipcMain, host, policy);
  });

  const refused = (reply: unknown) => expect(reply).toMatchObject({ ok: false, error: { code: ErrorCode.Unauthorized } });

  it('registers one handler per contract command and removes them all', () => {
    expect([...electron.ipcMain.handlers.keys()].sort()).toEqual(METHOD_NAMES.map(commandChannel).sort());
    unregister();
    expect(electron.ipcMain.handlers.size, 'no handler left').toBe(0);
  });

  it("forwards a call from the app window's top frame to the host", async () => {
    const reply = await electron.ipcMain.invoke(commandChannel(method), { sender: win.webContents, frame: win.webContents.mainFrame }, { a: 1 });
    expect(reply).toEqual(ok({ handled: method }));
    expect(host.calls).toEqual([{ method, params: { a: 1 } }]);
  });

  it('rejects a subframe from another origin inside the app window', async () => {
    const foreign = new FakeFrame('https://evil.example/ad.html');
    refused(await electron.ipcMain.invoke(commandChannel(method), { sender: win.webContents, frame: foreign }, {}));
    expect(host.calls, 'the host never sees the call').toEqual([]);
  });

  it('rejects the top frame once it shows another origin', async () => {
    win.webContents.mainFrame.url = 'https://evil.example/';
    refused(await electron.ipcMain.invoke(commandChannel(method), { sender: win.webContents, frame: win.webContents.mainFrame }, {}));
    expect(host.calls).toEqual([]);
  });

  it('rejects another window, even one showing the app page', async () => {
    const other = new FakeBrowserWindow({});
    await other.loadFile(page.rendererFile);
    refused(await electron.ipcMain.invoke(commandChannel(method), { sender: other.webContents, frame: other.webContents.mainFrame }, {}));
    expect(host.calls).toEqual([]);
  });

  it('rejects a frame with no window, and every call once the app window is gone', async () => {
    const detached = new FakeBrowserWindow({}).webContents;
    FakeBrowserWindow.created.pop();
    refused(await electron.ipcMain.invoke(commandChannel(method), { sender: detached, frame: detached.mainFrame }, {}));
    refused(await electron.ipcMain.invoke(commandChannel(method), { sender: win.webContents, frame: null }, {}));
    win.destroyed = true;
    refused(await electron.ipcMain.invoke(commandChannel(method), { sender: win.webContents, frame: win.webContents.mainFrame }, {}));
    current = null;
    refused(await electron.ipcMain.invoke(commandChannel(method), { sender: win.webContents, frame: win.webContents.mainFrame }, {}));
    expect(host.calls).toEqual([]);
  });

  it('pushes host events to the app window only while it exists, and stops on unregister', () => {
    const event = { type: 'health', value: {} } as unknown as HostEvent;
    host.emit(event);
    expect(win.webContents.sent).toEqual([{ channel: EVENT_CHANNEL, payload: event }]);
    win.destroyed = true;
    host.emit(event);
    expect(win.webContents.sent.length, 'nothing sent to a destroyed window').toBe(1);
    win.destroyed = false;
    unregister();
    host.emit(event);
    expect(win.webContents.sent.length, 'nothing sent after unregister').toBe(1);
  });
});
