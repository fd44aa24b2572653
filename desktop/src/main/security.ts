import { BrowserWindow, session, type IpcMainInvokeEvent, type WebContents } from 'electron';

/**
 * CSP for the app window. Production pages also carry it as a meta tag (file:// responses have no
 * headers); this header covers the dev server. `script-src 'self'` bans inline and eval.
 */
export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self' ws://localhost:* ws://127.0.0.1:*",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Adds the CSP to every response of the default session and refuses every permission request. */
export function hardenSession(): void {
  const ses = session.defaultSession;
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

/**
 * True when an IPC call comes from the app's own window and its top frame. Anything else (another
 * window, a subframe, a devtools extension) is refused.
 */
export function isTrustedSender(event: IpcMainInvokeEvent, appWindow: BrowserWindow | null): boolean {
  if (!appWindow || appWindow.isDestroyed()) return false;
  const senderWindow = BrowserWindow.fromWebContents(event.sender);
  if (senderWindow === null || senderWindow.id !== appWindow.id) return false;
  const frame = event.senderFrame;
  return frame !== null && frame === event.sender.mainFrame;
}
