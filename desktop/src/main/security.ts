import { pathToFileURL } from 'node:url';
import type { BrowserWindow, IpcMainInvokeEvent, Session, WebContents } from 'electron';

/**
 * CSP for the app window. Production pages also carry it as a meta tag (file:// responses have no
 * headers); this header covers the dev server. `script-src 'self'` bans inline and eval. The app
 * talks to the host over IPC; `connect-src 'self'` still lets the dev server's own HMR socket
 * (same host and port, which `'self'` covers for ws:) connect, and nothing else.
 */
export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Adds the CSP to every response of the app's session and refuses every permission request. */
export function hardenSession(ses: Pick<Session, 'webRequest' | 'setPermissionRequestHandler' | 'setPermissionCheckHandler'>): void {
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [APP_CSP] } });
  });
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
}

/**
 * Locks one window's contents down: no navigation away from the app, no new windows, no webviews.
 * The app is a single page; any navigation is either a bug or an attack (a link in untrusted text).
 */
export function hardenContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** Where the app's page is loaded from: the dev server in development, the built file otherwise. */
export interface AppPage {
  devServerUrl?: string;
  rendererFile: string;
}

/**
 * Recognises the app's own page: same origin as the dev server, or the built index.html itself
 * (file: URLs have no origin to compare, so the path must match). Query and hash are ignored.
 */
export function appUrlMatcher(page: AppPage): (url: string) => boolean {
  if (page.devServerUrl) {
    const origin = new URL(page.devServerUrl).origin;
    return (url) => parseUrl(url)?.origin === origin;
  }
  const file = pathToFileURL(page.rendererFile).href;
  return (url) => {
    const parsed = parseUrl(url);
    if (!parsed || parsed.protocol !== 'file:') return false;
    parsed.hash = '';
    parsed.search = '';
    return parsed.href === file;
  };
}

function parseUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** What an IPC sender is checked against. */
export interface SenderPolicy {
  /** The app window, or null before it exists and after it closed. */
  appWindow: () => BrowserWindow | null;
  /** `BrowserWindow.fromWebContents`. */
  windowOf: (contents: WebContents) => BrowserWindow | null;
  /** True for a URL of the app's own page. */
  isAppUrl: (url: string) => boolean;
}

/**
 * True when an IPC call comes from the app's own window, its top frame, showing the app's own
 * page. Anything else (another window, a subframe, a frame of another origin, a devtools
 * extension) is refused.
 */
export function isTrustedSender(event: IpcMainInvokeEvent, policy: SenderPolicy): boolean {
  const appWindow = policy.appWindow();
  if (!appWindow || appWindow.isDestroyed()) return false;
  const senderWindow = policy.windowOf(event.sender);
  if (senderWindow === null || senderWindow.id !== appWindow.id) return false;
  const frame = event.senderFrame;
  return frame !== null && frame === event.sender.mainFrame && policy.isAppUrl(frame.url);
}
