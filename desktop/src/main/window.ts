import { BrowserWindow } from 'electron';
import { hardenContents } from './security.js';

export interface WindowOptions {
  /** Built preload script (CommonJS: sandboxed preloads cannot be ES modules). */
  preloadPath: string;
  /** Dev server URL from electron-vite; absent in production. */
  devServerUrl?: string;
  /** Built renderer index.html, loaded in production. */
  rendererFile: string;
}

/** Creates the app window with the renderer locked down (isolated, sandboxed, no Node). */
export async function createAppWindow(options: WindowOptions): Promise<BrowserWindow> {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 1280,
    minHeight: 720,
    show: false,
    backgroundColor: '#0b0e13',
    title: 'Perpscope',
    webPreferences: {
      preload: options.preloadPath,
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
  });
  hardenContents(win.webContents);
  win.once('ready-to-show', () => win.show());
  if (options.devServerUrl) await win.loadURL(options.devServerUrl);
  else await win.loadFile(options.rendererFile);
  return win;
}
