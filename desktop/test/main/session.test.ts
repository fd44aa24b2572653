import { describe, expect, it } from 'vitest';
import { APP_CSP, appUrlMatcher, hardenSession } from '../../src/main/security.js';
import { FakeSession } from './fakeElectron.js';

type Headers = Record<string, string[]>;

function hardened(): FakeSession {
  const ses = new FakeSession();
  hardenSession(ses as unknown as Parameters<typeof hardenSession>[0]);
  return ses;
}

/** Runs the session's response-header hook on one response, as Electron would. */
function respond(ses: FakeSession, responseHeaders: Headers): Headers | undefined {
  let out: { responseHeaders?: Headers } | null = null;
  ses.headersListener?.({ responseHeaders }, (response) => {
    out = response;
  });
  expect(out, 'the hook answered synchronously').not.toBeNull();
  return out!.responseHeaders;
}

describe('session hardening (main process, fake electron)', () => {
  it('sets the CSP header on every response and keeps the other headers', () => {
    const ses = hardened();
    expect(ses.headersListener, 'a response-header hook is installed').not.toBeNull();
    const headers = respond(ses, { 'Content-Type': ['text/html'], 'Content-Security-Policy': ["default-src *"] });
    expect(headers?.['Content-Security-Policy'], 'the app CSP replaces a looser one').toEqual([APP_CSP]);
    expect(headers?.['Content-Type'], 'other headers kept').toEqual(['text/html']);
    expect(respond(ses, {})?.['Content-Security-Policy'], 'also on a response without headers').toEqual([APP_CSP]);
  });

  it("the CSP allows only the app's own scripts", () => {
    const directives = new Map(APP_CSP.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name!, values] as const;
    }));
    expect(directives.get('script-src'), 'script-src').toEqual(["'self'"]);
    expect(directives.get('object-src'), 'no plugins').toEqual(["'none'"]);
    expect(directives.has('default-src'), 'a default for everything else').toBe(true);
  });

  it('refuses every permission request and check', () => {
    const ses = hardened();
    const answers: boolean[] = [];
    ses.permissionRequestHandler?.({}, 'media', (granted) => answers.push(granted));
    ses.permissionRequestHandler?.({}, 'notifications', (granted) => answers.push(granted));
    expect(answers).toEqual([false, false]);
    expect(ses.permissionCheckHandler?.({}, 'clipboard-read', 'file://', {}), 'permission check').toBe(false);
  });
});

describe('app URL matcher', () => {
  it('in production accepts only the built page (query and hash ignored)', () => {
    const isApp = appUrlMatcher({ rendererFile: '/opt/perpscope/out/renderer/index.html' });
    expect(isApp('file:///opt/perpscope/out/renderer/index.html')).toBe(true);
    expect(isApp('file:///opt/perpscope/out/renderer/index.html#/trade?x=1')).toBe(true);
    expect(isApp('file:///etc/passwd')).toBe(false);
    expect(isApp('https://evil.example/opt/perpscope/out/renderer/index.html')).toBe(false);
    expect(isApp('not a url')).toBe(false);
  });

  it('in development accepts only the dev server origin', () => {
    const isApp = appUrlMatcher({ rendererFile: '/unused.html', devServerUrl: 'http://localhost:5173/' });
    expect(isApp('http://localhost:5173/')).toBe(true);
    expect(isApp('http://localhost:5173/src/main.ts')).toBe(true);
    expect(isApp('http://localhost:5174/')).toBe(false);
    expect(isApp('http://127.0.0.1:5173/')).toBe(false);
    expect(isApp('https://evil.example/')).toBe(false);
  });
});
