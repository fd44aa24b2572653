import { describe, expect, it, vi } from 'vitest';
import { runDesktop } from '../../src/main/desktopApp.js';
import { fakeElectron } from './fakeElectron.js';

describe('desktop composition root (main process, fake electron)', () => {
  it('enables the sandbox for every renderer before the app is ready', () => {
    const electron = fakeElectron();
    runDesktop(electron.api);
    expect(electron.app.sandboxEnabled).toBe(true);
    expect(electron.app.quitCalls, 'keeps running').toBe(0);
    expect(electron.app.listenerCount('will-quit'), 'cleans up on quit').toBe(1);
    expect(electron.app.listenerCount('second-instance'), 'focuses on a second launch').toBe(1);
  });

  it('a second instance quits at once without opening anything', () => {
    const electron = fakeElectron({ singleInstanceLock: false });
    runDesktop(electron.api);
    expect(electron.app.quitCalls).toBe(1);
    expect(electron.app.listenerCount('will-quit'), 'no handlers installed').toBe(0);
    expect(electron.session.defaultSession.headersListener, 'no session touched').toBeNull();
  });

  it('a failed start is reported and exits with code 1', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const electron = fakeElectron({ ready: Promise.reject(new Error('no display')) });
      runDesktop(electron.api);
      await vi.waitFor(() => expect(electron.app.exitCodes).toEqual([1]));
      expect(errors).toHaveBeenCalledWith('Perpscope failed to start: no display');
    } finally {
      errors.mockRestore();
    }
  });
});
