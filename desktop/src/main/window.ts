import type { BrowserWindow, BrowserWindowConstructorOptions } from 'electron';
import type { BrowserWindowClass } from './electronMain.js';
import { hardenContents } from './security.js';

export interface WindowOptions {
  /** Built preload script (CommonJS: sandboxed preloads cannot be ES modules). */
  preloadPath: string;
  /** Dev server URL from electron-vite; absent in production. */
  devServerUrl?: string;
  /** Built renderer index.html, loaded in production. */
  rendererFile: string;
}

/** The app window's options: the renderer is isolated, sandboxed and without Node. */
export function appWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1440,
    height: 900,
    minWidth: 1280,
    minHeight: 720,
    show: false,
    backgroundColor: '#0b0e13',
    title: 'Perpscope',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  };
}

/** Creates the app window with the renderer locked down, and loads the app's page. */
export async function createAppWindow(BrowserWindowImpl: BrowserWindowClass, options: WindowOptions): Promise<BrowserWindow> {
  const win = new BrowserWindowImpl(appWindowOptions(options.preloadPath));
  hardenContents(win.webContents);
  win.once('ready-to-show', () => win.show());
  if (options.devServerUrl) await win.loadURL(options.devServerUrl);
  else await win.loadFile(options.rendererFile);
  return win;
}
