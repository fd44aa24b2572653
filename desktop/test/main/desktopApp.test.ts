import { describe, expect, it, vi } from 'vitest';
import { runDesktop } from '../../src/main/desktopApp.js';
import { fakeElectron, fakeEvent } from './fakeElectron.js';

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

  it('a failed start is shown in an error dialog with the log path, and exits with code 1', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const electron = fakeElectron({ ready: Promise.reject(new Error('no display')) });
      runDesktop(electron.api);
      await vi.waitFor(() => expect(electron.app.exitCodes).toEqual([1]));
      expect(errors).toHaveBeenCalledWith('Perpscope failed to start: no display');
      expect(electron.dialog.errorBoxes, 'an installed app has no terminal: the failure is shown in a native dialog').toHaveLength(1);
      expect(electron.dialog.errorBoxes[0]?.title).toBe('Perpscope could not start');
      expect(electron.dialog.errorBoxes[0]?.content, 'the reason and where the log is').toMatch(/^no display\n\nThe log is at .*perpscope-user-data.logs.perpscope\.log$/);
    } finally {
      errors.mockRestore();
    }
  });

  it('a start cut short by quitting is no failure: no dialog, no exit code 1', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      let fail!: (e: Error) => void;
      const electron = fakeElectron({ ready: new Promise<void>((_resolve, reject) => (fail = reject)) });
      runDesktop(electron.api);
      electron.app.emit('will-quit', fakeEvent());
      fail(new Error('Perpscope is shutting down'));
      await new Promise((resolve) => setImmediate(resolve)); // one macrotask turn drains the rejection's microtasks; no time passes
      expect(electron.app.exitCodes, 'no exit code').toEqual([]);
      expect(electron.dialog.errorBoxes, 'no dialog').toEqual([]);
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
    }
  });
});
