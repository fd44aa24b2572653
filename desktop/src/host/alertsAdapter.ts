import {
  AlertService,
  resolveSinks,
  silentLogger,
  type AlertInput,
  type AlertMessage,
  type AlertRulesConfig,
  type AlertSink,
  type AlertSinksConfig,
  type FetchLike,
  type Logger,
} from '@perpscope/sdk';
import type { AlertTestReportView } from '@perpscope/shared';
import type { AlertsPort, HostEvent, HostEventSource, HostSecretStore, TradingPort } from './ports.js';

/** Electron's `Notification` class, as far as the OS-notification sink uses it. */
export interface NotificationClass {
  new (options: { title: string; body: string; urgency?: 'normal' | 'critical' | 'low' }): { show(): void };
  isSupported(): boolean;
}

export interface AlertsAdapterOptions {
  events: HostEventSource;
  secrets: HostSecretStore;
  /** The config's `alerts` section. */
  config: { rules: AlertRulesConfig; sinks: AlertSinksConfig };
  /** Read each tick for the no-trade rule (autotrade on or off); only its in-memory flag, never the exchange. */
  trading?: Pick<TradingPort, 'isAutotrade'>;
  /** OS notifications (the desktop app passes Electron's class); used when `sinks.desktop.enabled`. */
  notifications?: NotificationClass;
  logger?: Logger;
  fetch?: FetchLike;
  /** Wall-clock time; default `Date.now`. */
  nowMs?: () => number;
  /** How often the time-driven rules run, in wall ms (default 15 s). */
  tickMs?: number;
  /** Telegram Bot API root (tests point it at a local receiver). */
  telegramApiBaseUrl?: string;
  /** How long `stop` waits for deliveries in flight before aborting them, in wall ms (default 2 s). */
  stopGraceMs?: number;
}

export interface AlertsAdapter {
  port: AlertsPort;
  service: AlertService;
  /** Runs the time-driven rules now (the timer calls it every `tickMs`). */
  tick(): Promise<void>;
  /** Turns the OS-notification sink on or off at once (nothing without `notifications`). */
  setDesktopEnabled(enabled: boolean): void;
  /** Stops listening, lets deliveries in flight finish for up to `stopGraceMs`, then aborts the rest. */
  stop(): Promise<void>;
}

const DEFAULT_TICK_MS = 15_000;
const DEFAULT_STOP_GRACE_MS = 2_000;

/** A sink showing each alert as an OS notification. */
export function createOsNotificationSink(Notification: NotificationClass): AlertSink {
  return {
    name: 'desktop',
    send(m: AlertMessage) {
      if (!Notification.isSupported()) return Promise.reject(new Error('desktop: OS notifications are not supported on this system'));
      new Notification({ title: m.title, body: m.text, urgency: m.severity === 'critical' ? 'critical' : 'normal' }).show();
      return Promise.resolve();
    },
  };
}

/** The calibration id in the engine's drift messages ("calibration <id> drifted: ..."). */
function calibrationKey(message: string): string {
  return /^calibration (\S+)/.exec(message)?.[1] ?? 'calibration';
}

/** Maps one host event onto the alert rules' input; null for events that are not the engine's. */
export function toAlertInput(e: HostEvent): AlertInput | null {
  switch (e.event) {
    case 'ranking':
      return { type: 'ranking', profile: e.data.profile, symbols: [...e.data.rows].sort((a, b) => a.rank - b.rank).map((r) => r.symbol) };
    case 'signal':
      return { type: 'signal', id: e.data.id, symbol: e.data.symbol, timeframe: e.data.timeframe, side: e.data.side, score: e.data.score, probability: e.data.probability, calibrated: e.data.calibrated === true };
    case 'order':
      return { type: 'order', id: e.data.id, symbol: e.data.symbol, status: e.data.status };
    case 'fill':
      return { type: 'fill', id: e.data.id, symbol: e.data.symbol, side: e.data.side, price: e.data.price, amountBase: e.data.amountBase, exitReason: e.data.exitReason };
    case 'alert':
      switch (e.data.kind) {
        case 'manipulation':
          return { type: 'manipulation', symbol: e.data.symbol ?? 'unknown symbol', message: e.data.message };
        // The trading bridge raises it at warn when the switch turns on and at info when it turns off.
        case 'kill_switch':
          return { type: 'kill_switch', on: e.data.level !== 'info', message: e.data.message };
        case 'calibration_drift':
        case 'calibration_recovered':
          return { type: 'drift', key: calibrationKey(e.data.message), recovered: e.data.kind === 'calibration_recovered', message: e.data.message };
        case 'trading_halted':
          return { type: 'trading_halted', message: e.data.message };
        default:
          return { type: 'heard' };
      }
    case 'position':
    case 'health':
      return { type: 'heard' };
    case 'backtest.progress':
    case 'warmup.progress':
      return null;
  }
}

/**
 * Starts alert delivery for a shell: host events go through the rules to every enabled sink, with
 * sink secrets read from the keychain (`alerts:<sink>`). A sink that is enabled but unusable is
 * logged, and reported by `alerts.test`; nothing here can throw into the engine's event loop.
 */
export async function startAlertsAdapter(o: AlertsAdapterOptions): Promise<AlertsAdapter> {
  const logger = (o.logger ?? silentLogger).child({ component: 'alerts' });
  const nowMs = o.nowMs ?? Date.now;
  const fetchFn = o.fetch ?? (fetch as unknown as FetchLike);
  const shutdown = new AbortController();
  const osSink = o.notifications ? createOsNotificationSink(o.notifications) : null;
  /** Sinks of this process (OS notifications), switched from the settings form without a restart. */
  let local: AlertSink[] = osSink && o.config.sinks.desktop.enabled ? [osSink] : [];
  /** The remote sinks last resolved (with their keychain secrets). */
  let remote: AlertSink[] = [];

  async function remoteSinks() {
    const resolved = await resolveSinks({
      store: o.secrets,
      config: o.config.sinks,
      fetch: fetchFn,
      signal: shutdown.signal,
      ...(o.telegramApiBaseUrl !== undefined ? { telegramApiBaseUrl: o.telegramApiBaseUrl } : {}),
    });
    for (const p of resolved.problems) logger.warn({ sink: p.sink, problem: p.message }, 'alert sink not usable');
    return resolved;
  }

  const initial = await remoteSinks();
  remote = initial.sinks;
  const service = new AlertService({
    rules: o.config.rules,
    sinks: [...remote, ...local],
    nowMs,
    logger,
    onOutcome: (m, outcome) => logger.debug({ rule: m.rule, key: m.key, status: outcome.status }, 'alert'),
  });
  logger.info({ sinks: service.sinkNames }, 'alerts started');

  const unsubscribe = o.events.subscribe((event) => {
    const input = toAlertInput(event);
    if (input) service.handle(input);
  });

  function tick(): Promise<void> {
    // Only the in-memory flag: a full trading status reads the exchange, and a monitoring tick must never do that.
    const trading = o.trading;
    if (trading?.isAutotrade) {
      try {
        service.handle({ type: 'autotrade', enabled: trading.isAutotrade() });
      } catch (e) {
        logger.debug({ error: e instanceof Error ? e.message : String(e) }, 'autotrade state unavailable');
      }
    }
    service.tick();
    return Promise.resolve();
  }
  const timer = setInterval(() => {
    tick().catch((e: unknown) => logger.error({ error: e instanceof Error ? e.message : String(e) }, 'alert tick failed'));
  }, o.tickMs ?? DEFAULT_TICK_MS);
  timer.unref();

  return {
    service,
    tick,
    port: {
      async test(): Promise<AlertTestReportView> {
        // Secrets are read afresh, so a sink stored after start works without a restart.
        const fresh = await remoteSinks();
        remote = fresh.sinks;
        service.setSinks([...remote, ...local]);
        const sent = await service.test();
        return { results: [...fresh.problems.map((p) => ({ sink: p.sink, ok: false, message: p.message })), ...sent.map((r) => ({ sink: r.sink, ok: r.ok, message: r.message }))] };
      },
    },
    setDesktopEnabled(enabled: boolean) {
      local = osSink && enabled ? [osSink] : [];
      service.setSinks([...remote, ...local]);
      logger.info({ sinks: service.sinkNames }, enabled ? 'OS notifications on' : 'OS notifications off');
    },
    async stop() {
      clearInterval(timer);
      unsubscribe();
      let grace: ReturnType<typeof setTimeout> | undefined;
      const graceOver = new Promise<'late'>((resolve) => {
        grace = setTimeout(() => resolve('late'), o.stopGraceMs ?? DEFAULT_STOP_GRACE_MS);
      });
      const finished = await Promise.race([service.idle().then(() => 'idle' as const), graceOver]);
      clearTimeout(grace);
      if (finished === 'late') {
        logger.warn({}, 'alerts still in flight at shutdown; aborting them');
        shutdown.abort();
        await service.idle();
      }
    },
  };
}
