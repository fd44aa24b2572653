import type { App, BrowserWindow, BrowserWindowConstructorOptions, Dialog, IpcMain, Session, WebContents } from 'electron';

/**
 * The part of the `electron` module the main process uses. Only the entry point (index.ts) imports
 * `electron`; everything else receives this, so tests can drive the window options, navigation
 * rules, CSP and IPC checks with a small fake instead of the Electron binary.
 */
export interface ElectronMain {
  app: Pick<App, 'enableSandbox' | 'getPath' | 'isPackaged' | 'requestSingleInstanceLock' | 'quit' | 'exit' | 'on' | 'whenReady'>;
  BrowserWindow: BrowserWindowClass;
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  session: { readonly defaultSession: Session };
  /** A failed start is shown in a native dialog: an installed app has no terminal to print to. */
  dialog: Pick<Dialog, 'showErrorBox'>;
}

/** The static side of `BrowserWindow` that the main process needs. */
export interface BrowserWindowClass {
  new (options: BrowserWindowConstructorOptions): BrowserWindow;
  fromWebContents(webContents: WebContents): BrowserWindow | null;
}
