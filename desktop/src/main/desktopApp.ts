import { fileURLToPath } from 'node:url';
import type { BrowserWindow } from 'electron';
import { createFileLogger, logFilePath } from '@perpscope/sdk';
import { logScanCycles } from '../host/cycleLog.js';
import { createHost } from '../host/host.js';
import { loadEngineFactory, loadSecretStore, type EngineRuntime } from '../host/runtime.js';
import type { ElectronMain } from './electronMain.js';
import { registerIpc } from './ipc.js';
import { appUrlMatcher, hardenSession } from './security.js';
import { createAppWindow } from './window.js';

/**
 * Composition of the desktop app: engine + host in this process, the UI in a locked-down window.
 * `electron` is the real module in the app (index.ts) and a fake in tests.
 */
export function runDesktop(electron: ElectronMain): void {
  const { app } = electron;
  // Every renderer is sandboxed, whatever a window's options say.
  app.enableSandbox();

  let appWindow: BrowserWindow | null = null;
  let shutdown: (() => Promise<void>) | null = null;
  // Config and the SQLite file live in the OS user data dir unless PERPSCOPE_HOME moves them.
  const home = process.env.PERPSCOPE_HOME?.trim() || app.getPath('userData');
  let startLogger: { error(obj: object, msg: string): void } | null = null;

  async function start(): Promise<void> {
    hardenSession(electron.session.defaultSession);
    const sim = process.env.PERPSCOPE_SIM === '1' || process.argv.includes('--sim');
    const [createEngine, secrets] = await Promise.all([loadEngineFactory(), loadSecretStore()]);
    // Every level reaches the file; the engine runtime filters by the config's logLevel.
    const logger = createFileLogger(logFilePath(home), 'trace').logger.child({ command: 'desktop' });
    startLogger = logger;
    const runtime: EngineRuntime = await createEngine({ home, sim, logger });
    const host = createHost({ engine: runtime.engine, secrets, ...(runtime.store ? { store: runtime.store } : {}) });
    const stopCycleLog = logScanCycles(host, logger);
    const page = {
      rendererFile: fileURLToPath(new URL('../renderer/index.html', import.meta.url)),
      ...(process.env.ELECTRON_RENDERER_URL && !app.isPackaged ? { devServerUrl: process.env.ELECTRON_RENDERER_URL } : {}),
    };
    const unregister = registerIpc(electron.ipcMain, host, {
      appWindow: () => appWindow,
      windowOf: (contents) => electron.BrowserWindow.fromWebContents(contents),
      isAppUrl: appUrlMatcher(page),
    });
    shutdown = async () => {
      unregister();
      stopCycleLog();
      host.close();
      await runtime.stop();
    };
    appWindow = await createAppWindow(electron.BrowserWindow, {
      preloadPath: fileURLToPath(new URL('../preload/index.cjs', import.meta.url)),
      ...page,
    });
    appWindow.on('closed', () => {
      appWindow = null;
    });
    await runtime.start();
  }

  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('second-instance', () => {
    if (appWindow) {
      if (appWindow.isMinimized()) appWindow.restore();
      appWindow.focus();
    }
  });
  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', (event) => {
    if (!shutdown) return;
    const stop = shutdown;
    shutdown = null;
    event.preventDefault();
    stop()
      .catch((e: unknown) => console.error(`Perpscope did not shut down cleanly: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => app.quit());
  });
  app
    .whenReady()
    .then(start)
    .catch((e: unknown) => {
      const message = e instanceof Error ? e.message : String(e);
      console.error(`Perpscope failed to start: ${message}`);
      startLogger?.error({ error: message }, 'desktop start failed');
      // Launched from a menu, the app has no terminal: without the dialog it would vanish without a word.
      electron.dialog.showErrorBox('Perpscope could not start', `${message}\n\nThe log is at ${logFilePath(home)}`);
      app.exit(1);
    });
}
