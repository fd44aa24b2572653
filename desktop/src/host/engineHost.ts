import type { Logger } from '@perpscope/sdk';
import { startAlertsAdapter, type AlertsAdapterOptions, type NotificationClass } from './alertsAdapter.js';
import { createHost, type Host } from './host.js';
import type { HostSecretStore } from './ports.js';
import type { EngineFactory, EngineRuntimeOptions } from './runtime.js';

/** What a shell needs to build the engine, its alerts and the host over them. */
export interface EngineHostOptions {
  /** Config and data directory. */
  home: string;
  sim: boolean;
  /** The `--config FILE` option; defaults to `<home>/config.json`. */
  configFile?: string;
  /** With `sim`: the protocol the SimExchange speaks; default `blofin`. */
  simDialect?: EngineRuntimeOptions['simDialect'];
  /** The config's `alerts` section, as the shell resolved it. */
  alerts: AlertsAdapterOptions['config'];
  secrets: HostSecretStore;
  logger: Logger;
  /** OS notifications for `alerts.sinks.desktop` (the desktop app passes Electron's class). */
  notifications?: NotificationClass;
}

/** The engine, its alerts and the host over them, with one lifecycle, wherever they run. */
export interface EngineHost {
  /** Every RPC and event of the engine goes through it (server, webhook gateway, IPC, metrics). */
  host: Host;
  /** Starts market data and trading; may take a while (backfill). */
  start(): Promise<void>;
  /** Stops the alerts, detaches the host and stops the engine. */
  stop(): Promise<void>;
}

/**
 * Builds the engine, the alerts adapter and the host in this thread. The worker thread
 * (engineWorker.ts) runs exactly this; shells call it directly only to keep the engine on their
 * own event loop (tests with an injected engine).
 *
 * @example
 * const engine = await startEngineHost(createEngine, { home, sim: true, alerts, secrets, logger });
 * await engine.start();
 */
export async function startEngineHost(createEngine: EngineFactory, options: EngineHostOptions): Promise<EngineHost> {
  const { logger, secrets } = options;
  /** Set once the alerts run; a switch of the desktop sink in the settings form goes to it. */
  let alerts: Awaited<ReturnType<typeof startAlertsAdapter>> | undefined;
  const configuredDesktop = options.alerts.sinks.desktop.enabled;
  const runtime = await createEngine({
    home: options.home,
    sim: options.sim,
    logger,
    ...(options.configFile !== undefined ? { configFile: options.configFile } : {}),
    ...(options.simDialect !== undefined ? { simDialect: options.simDialect } : {}),
    ...(options.notifications ? { desktopAlerts: { configured: configuredDesktop, onChange: (enabled: boolean) => alerts?.setDesktopEnabled(enabled) } } : {}),
  });
  // The switch saved from the settings form wins over config.json's.
  const desktopEnabled = runtime.desktopAlerts?.() ?? configuredDesktop;
  try {
    alerts = await startAlertsAdapter({
      events: runtime.engine.events,
      secrets,
      config: { ...options.alerts, sinks: { ...options.alerts.sinks, desktop: { ...options.alerts.sinks.desktop, enabled: desktopEnabled } } },
      logger,
      ...(runtime.engine.trading ? { trading: runtime.engine.trading } : {}),
      ...(options.notifications ? { notifications: options.notifications } : {}),
    });
  } catch (e) {
    await runtime.stop();
    throw e;
  }
  const started = alerts;
  const host = createHost({ engine: { ...runtime.engine, alerts: started.port }, secrets, logger, ...(runtime.store ? { store: runtime.store } : {}) });
  return {
    host,
    start: () => runtime.start(),
    async stop() {
      try {
        await started.stop();
      } finally {
        host.close();
        await runtime.stop();
      }
    },
  };
}
