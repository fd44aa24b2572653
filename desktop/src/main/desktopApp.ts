import { fileURLToPath } from 'node:url';
import type { BrowserWindow } from 'electron';
import { createFileLogger, logFilePath, useNativeSqliteBinding } from '@perpscope/sdk';
import type { NotificationClass } from '../host/alertsAdapter.js';
import { logScanCycles } from '../host/cycleLog.js';
import { startHomeWebhookGateway } from '../gateway/gatewayForHome.js';
import { hostConfig } from '../host/hostConfig.js';
import { loadSecretStore } from '../host/runtime.js';
import { startWorkerHost } from '../host/workerHost.js';
import type { ElectronMain } from './electronMain.js';
import { registerIpc } from './ipc.js';
import { nativeOptions, processNativeEnvironment, resolveNativeModules } from './nativeModules.js';
import { appUrlMatcher, hardenSession } from './security.js';
import { createAppWindow } from './window.js';

/**
 * Composition of the desktop app: engine + host in a worker thread (so scans never stall IPC and
 * window handling), the UI in a locked-down window.
 * `electron` is the real module in the app (index.ts) and a fake in tests.
 */
export function runDesktop(electron: ElectronMain & { Notification?: NotificationClass }): void {
  const { app } = electron;
  // Every renderer is sandboxed, whatever a window's options say.
  app.enableSandbox();

  let appWindow: BrowserWindow | null = null;
  let shutdown: (() => Promise<void>) | null = null;
  // Config and the SQLite file live in the OS user data dir unless PERPSCOPE_HOME moves them.
  const home = process.env.PERPSCOPE_HOME?.trim() || app.getPath('userData');
  let startLogger: { error(obj: object, msg: string): void } | null = null;
  /** Set once the app is quitting: a start cut short by it is no failure to show. */
  let quitting = false;

  async function start(): Promise<void> {
    hardenSession(electron.session.defaultSession);
    const sim = process.env.PERPSCOPE_SIM === '1' || process.argv.includes('--sim');
    // Under Electron the addons come from copies built for its ABI (a missing build stops here, in the dialog below).
    const native = nativeOptions(resolveNativeModules(processNativeEnvironment({ isPackaged: app.isPackaged, desktopDir: fileURLToPath(new URL('../..', import.meta.url)) })));
    // Every store of this process (engine, webhook receipts, backtest runs) then opens with that build.
    useNativeSqliteBinding(native.sqliteBinding);
    // The keychain stays in this thread (the worker asks for it by message), with the addon built for Electron.
    const secrets = await loadSecretStore(native);
    // Every level reaches the file; the engine runtime filters by the config's logLevel.
    const logger = createFileLogger(logFilePath(home), 'trace').logger.child({ command: 'desktop' });
    startLogger = logger;
    // Alerts (docs/alerts.md) go to the configured sinks and, with `alerts.sinks.desktop`, to OS notifications.
    const engine = await startWorkerHost({
      home,
      sim,
      command: 'perpscope desktop',
      alerts: hostConfig({ home, sim, env: process.env, saved: {} }).alerts,
      secrets,
      logger,
      ...(electron.Notification ? { notifications: electron.Notification } : {}),
      ...(native.sqliteBinding !== undefined ? { sqliteBinding: native.sqliteBinding } : {}),
      // Built by electron-vite beside this bundle (out/main/engineWorker.js).
      entry: new URL('./engineWorker.js', import.meta.url),
    });
    const host = engine.host;
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
    // The webhook gateway (docs/webhook.md) runs only when configured on; a bad setup is logged and the app still starts.
    const config = hostConfig({ home, sim, env: process.env, saved: {} });
    const webhook = config.webhook.enabled
      ? await startHomeWebhookGateway({ host, home, config, logger }).catch((e: unknown) => {
          const message = e instanceof Error ? e.message : String(e);
          logger.error({ error: message }, 'webhook gateway not started');
          console.error(`Perpscope webhook gateway not started: ${message}`);
          return null;
        })
      : null;
    shutdown = async () => {
      unregister();
      await webhook?.close();
      stopCycleLog();
      await engine.stop();
    };
    appWindow = await createAppWindow(electron.BrowserWindow, {
      preloadPath: fileURLToPath(new URL('../preload/index.cjs', import.meta.url)),
      ...page,
    });
    appWindow.on('closed', () => {
      appWindow = null;
    });
    await engine.start();
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
    quitting = true;
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
      if (quitting) {
        startLogger?.error({ error: message }, 'desktop start ended by quitting');
        return;
      }
      console.error(`Perpscope failed to start: ${message}`);
      startLogger?.error({ error: message }, 'desktop start failed');
      // Launched from a menu, the app has no terminal: without the dialog it would vanish without a word.
      electron.dialog.showErrorBox('Perpscope could not start', `${message}\n\nThe log is at ${logFilePath(home)}`);
      app.exit(1);
    });
}
