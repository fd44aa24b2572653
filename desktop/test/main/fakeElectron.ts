import { pathToFileURL } from 'node:url';
import type { BrowserWindowConstructorOptions, IpcMainInvokeEvent } from 'electron';
import type { BrowserWindowClass, ElectronMain } from '../../src/main/electronMain.js';

/**
 * A minimal stand-in for the `electron` module: just the calls the main process makes, recorded so
 * tests can read what was configured and fire the events Electron would fire.
 */

type Listener = (...args: unknown[]) => unknown;

class Emitter {
  private readonly listeners = new Map<string, Listener[]>();
  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  once(event: string, listener: Listener): this {
    const wrapped: Listener = (...args) => {
      this.listeners.set(event, (this.listeners.get(event) ?? []).filter((l) => l !== wrapped));
      return listener(...args);
    };
    return this.on(event, wrapped);
  }
  listenerCount(event: string): number {
    return this.listeners.get(event)?.length ?? 0;
  }
  emit(event: string, ...args: unknown[]): void {
    for (const listener of this.listeners.get(event) ?? []) listener(...args);
  }
}

/** A frame of a page; `url` is what Electron reports for the frame's document. */
export class FakeFrame {
  constructor(public url: string) {}
}

/** An Electron-style event whose default action can be prevented. */
export function fakeEvent(): { preventDefault: () => void; defaultPrevented: boolean } {
  const event = {
    defaultPrevented: false,
    preventDefault() {
      event.defaultPrevented = true;
    },
  };
  return event;
}

export class FakeWebContents extends Emitter {
  readonly mainFrame = new FakeFrame('about:blank');
  windowOpenHandler: ((details: { url: string }) => unknown) | null = null;
  readonly sent: { channel: string; payload: unknown }[] = [];
  setWindowOpenHandler(handler: (details: { url: string }) => unknown): void {
    this.windowOpenHandler = handler;
  }
  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload });
  }
}

export class FakeBrowserWindow extends Emitter {
  static readonly created: FakeBrowserWindow[] = [];
  private static nextId = 1;
  readonly id = FakeBrowserWindow.nextId++;
  readonly webContents = new FakeWebContents();
  destroyed = false;
  shown = false;
  constructor(readonly options: BrowserWindowConstructorOptions) {
    super();
    FakeBrowserWindow.created.push(this);
  }
  static fromWebContents(contents: unknown): FakeBrowserWindow | null {
    return FakeBrowserWindow.created.find((w) => w.webContents === contents) ?? null;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  show(): void {
    this.shown = true;
  }
  loadURL(url: string): Promise<void> {
    this.webContents.mainFrame.url = url;
    return Promise.resolve();
  }
  loadFile(file: string): Promise<void> {
    this.webContents.mainFrame.url = pathToFileURL(file).href;
    return Promise.resolve();
  }
}

/** `ipcMain`: handlers by channel, and `invoke` to call one as a renderer would. */
export class FakeIpcMain {
  readonly handlers = new Map<string, (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown>();
  handle(channel: string, handler: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** Calls a handler with an event from `sender` (a window's contents) and `frame`. */
  async invoke(channel: string, from: { sender: FakeWebContents; frame: FakeFrame | null }, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    const event = { sender: from.sender, senderFrame: from.frame } as unknown as IpcMainInvokeEvent;
    return handler(event, ...args);
  }
}

type HeadersListener = (details: { responseHeaders?: Record<string, string[]> }, callback: (response: { responseHeaders?: Record<string, string[]> }) => void) => void;

export class FakeSession {
  headersListener: HeadersListener | null = null;
  permissionRequestHandler: ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void) | null = null;
  permissionCheckHandler: ((...args: unknown[]) => boolean) | null = null;
  readonly webRequest = {
    onHeadersReceived: (listener: HeadersListener) => {
      this.headersListener = listener;
    },
  };
  setPermissionRequestHandler(handler: FakeSession['permissionRequestHandler']): void {
    this.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(handler: FakeSession['permissionCheckHandler']): void {
    this.permissionCheckHandler = handler;
  }
}

export class FakeApp extends Emitter {
  sandboxEnabled = false;
  quitCalls = 0;
  exitCodes: number[] = [];
  isPackaged = false;
  constructor(
    private readonly lock: boolean,
    private readonly ready: Promise<void>,
  ) {
    super();
  }
  enableSandbox(): void {
    this.sandboxEnabled = true;
  }
  getPath(): string {
    return '/nonexistent/perpscope-user-data';
  }
  requestSingleInstanceLock(): boolean {
    return this.lock;
  }
  quit(): void {
    this.quitCalls++;
  }
  exit(code: number): void {
    this.exitCodes.push(code);
  }
  whenReady(): Promise<void> {
    return this.ready;
  }
}

/** Records the native error dialogs the main process shows. */
export class FakeDialog {
  readonly errorBoxes: { title: string; content: string }[] = [];
  showErrorBox(title: string, content: string): void {
    this.errorBoxes.push({ title, content });
  }
}

/** Records the OS notifications shown; `supported` stands for `Notification.isSupported()`. */
export class FakeNotification {
  static readonly shown: { title: string; body: string; urgency?: string }[] = [];
  static supported = true;
  static isSupported(): boolean {
    return FakeNotification.supported;
  }
  constructor(private readonly options: { title: string; body: string; urgency?: string }) {}
  show(): void {
    FakeNotification.shown.push({ ...this.options });
  }
}

export interface FakeElectron {
  app: FakeApp;
  dialog: FakeDialog;
  BrowserWindow: typeof FakeBrowserWindow;
  ipcMain: FakeIpcMain;
  session: { defaultSession: FakeSession };
  Notification: typeof FakeNotification;
  /** The same objects typed as the main process sees them. */
  api: ElectronMain & { Notification: typeof FakeNotification };
}

export function fakeElectron(options: { singleInstanceLock?: boolean; ready?: Promise<void> } = {}): FakeElectron {
  const app = new FakeApp(options.singleInstanceLock ?? true, options.ready ?? new Promise<void>(() => {}));
  const ipcMain = new FakeIpcMain();
  const session = { defaultSession: new FakeSession() };
  const dialog = new FakeDialog();
  // One cast at the seam: the fakes implement only the members the main process calls.
  const api = { app, BrowserWindow: FakeBrowserWindow, ipcMain, session, dialog, Notification: FakeNotification } as unknown as FakeElectron['api'];
  return { app, dialog, BrowserWindow: FakeBrowserWindow, ipcMain, session, Notification: FakeNotification, api };
}

/** The fake window class typed as the main process's `BrowserWindow` class. */
export const fakeBrowserWindowClass = FakeBrowserWindow as unknown as BrowserWindowClass;
