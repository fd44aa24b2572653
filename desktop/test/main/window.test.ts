import { pathToFileURL } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAppWindow } from '../../src/main/window.js';
import { FakeBrowserWindow, fakeBrowserWindowClass, fakeEvent } from './fakeElectron.js';

const page = { preloadPath: '/opt/perpscope/out/preload/index.cjs', rendererFile: '/opt/perpscope/out/renderer/index.html' };

async function openWindow(options: { devServerUrl?: string } = {}): Promise<FakeBrowserWindow> {
  const before = FakeBrowserWindow.created.length;
  await createAppWindow(fakeBrowserWindowClass, { ...page, ...options });
  expect(FakeBrowserWindow.created.length, 'exactly one window created').toBe(before + 1);
  return FakeBrowserWindow.created[before]!;
}

describe('app window (main process, fake electron)', () => {
  let win: FakeBrowserWindow;
  beforeEach(async () => {
    win = await openWindow();
  });

  it('creates the renderer isolated, sandboxed, without Node and with web security', () => {
    const prefs = win.options.webPreferences;
    expect(prefs?.contextIsolation, 'contextIsolation').toBe(true);
    expect(prefs?.sandbox, 'sandbox').toBe(true);
    expect(prefs?.nodeIntegration, 'nodeIntegration').toBe(false);
    expect(prefs?.nodeIntegrationInWorker, 'nodeIntegrationInWorker').toBe(false);
    expect(prefs?.nodeIntegrationInSubFrames, 'nodeIntegrationInSubFrames').toBe(false);
    expect(prefs?.webSecurity, 'webSecurity').toBe(true);
    expect(prefs?.allowRunningInsecureContent, 'allowRunningInsecureContent').toBe(false);
    expect(prefs?.webviewTag, 'webviewTag').toBe(false);
    expect(prefs?.preload, 'the built preload script').toBe(page.preloadPath);
  });

  it('loads the built page in production and the dev server when one is given', async () => {
    expect(win.webContents.mainFrame.url).toBe(pathToFileURL(page.rendererFile).href);
    const dev = await openWindow({ devServerUrl: 'http://localhost:5173/' });
    expect(dev.webContents.mainFrame.url).toBe('http://localhost:5173/');
  });

  it('stays hidden until the page is ready to show', () => {
    expect(win.shown, 'hidden while loading').toBe(false);
    win.emit('ready-to-show');
    expect(win.shown, 'shown once ready').toBe(true);
  });

  it('prevents navigation and redirects to a foreign URL', () => {
    const navigate = fakeEvent();
    win.webContents.emit('will-navigate', navigate, 'https://evil.example/phish');
    expect(navigate.defaultPrevented, 'will-navigate prevented').toBe(true);
    const redirect = fakeEvent();
    win.webContents.emit('will-redirect', redirect, 'https://evil.example/');
    expect(redirect.defaultPrevented, 'will-redirect prevented').toBe(true);
  });

  it('refuses webviews', () => {
    const attach = fakeEvent();
    win.webContents.emit('will-attach-webview', attach, {}, { src: 'https://evil.example/' });
    expect(attach.defaultPrevented, 'will-attach-webview prevented').toBe(true);
  });

  it('denies every window.open', () => {
    const handler = win.webContents.windowOpenHandler;
    expect(handler, 'a window-open handler is installed').not.toBeNull();
    expect(handler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(handler?.({ url: pathToFileURL(page.rendererFile).href })).toEqual({ action: 'deny' });
  });
});
