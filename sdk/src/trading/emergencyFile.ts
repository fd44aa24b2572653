import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { describeError } from '../core/errors.js';
import type { Store } from '../store/index.js';
import type { KillSwitch } from './killSwitch.js';
import { panic, type PanicReport } from './panic.js';
import type { Broker } from './types.js';

/** How often the file is looked for: well inside the one second a trader may wait for it. */
export const EMERGENCY_POLL_MS = 250;

export interface EmergencyAlert {
  level: 'info' | 'error';
  kind: 'emergency_flatten';
  message: string;
  details: { file: string; report: PanicReport | null; error: string | null };
}

export interface EmergencyFileOptions {
  /** The configured file; relative to `home`. */
  file: string;
  home: string;
  broker: Broker;
  store: Store;
  clock: Clock;
  killSwitch: KillSwitch;
  onAlert: (alert: EmergencyAlert) => void;
  exists?: (path: string) => boolean;
  pollMs?: number;
}

export interface EmergencyFileWatch {
  /** The file watched, resolved. */
  readonly path: string;
  /** Looks once (the poll calls it); resolves after a flatten it started has finished. */
  check(): Promise<void>;
  stop(): void;
}

/**
 * Watches for the emergency file. When it appears (or is there at start), the kill switch goes on
 * first, so nothing new opens meanwhile, then every open order is cancelled and every position
 * closed reduce-only, with an event in the store and an alert. It fires once per appearance:
 * the file must disappear before it can fire again, and its disappearance changes nothing else.
 */
export function watchEmergencyFile(o: EmergencyFileOptions): EmergencyFileWatch {
  const path = isAbsolute(o.file) ? o.file : join(o.home, o.file);
  const exists = o.exists ?? existsSync;
  let armed = true;
  let running: Promise<void> | null = null;

  async function flatten(): Promise<void> {
    try {
      o.killSwitch.set(true, 'emergency_file');
      o.store.events.append({ atMs: o.clock.nowMs(), type: 'emergency_file', ledger: o.broker.ledger, payload: { file: path } });
      const report = await panic({ broker: o.broker, store: o.store, clock: o.clock, killSwitch: o.killSwitch }, { reason: 'emergency_file' });
      const failed = report.failures.length > 0;
      o.onAlert({
        level: failed ? 'error' : 'info',
        kind: 'emergency_flatten',
        message: `Emergency file ${path}: kill switch on, ${report.cancelled.length} orders cancelled, ${report.closed.length} positions closed${failed ? `, ${report.failures.length} failed` : ''}`,
        details: { file: path, report, error: null },
      });
    } catch (err) {
      o.onAlert({ level: 'error', kind: 'emergency_flatten', message: `Emergency file ${path}: kill switch on, but the flatten failed: ${describeError(err)}`, details: { file: path, report: null, error: describeError(err) } });
    }
  }

  async function check(): Promise<void> {
    if (running) return running;
    if (!exists(path)) {
      armed = true;
      return;
    }
    if (!armed) return;
    armed = false;
    running = flatten().finally(() => {
      running = null;
    });
    return running;
  }

  // flatten() reports its own failures; this catches a failure to look at all.
  const poll = (): void => {
    check().catch((err: unknown) =>
      o.onAlert({ level: 'error', kind: 'emergency_flatten', message: `Emergency file ${path}: could not check it: ${describeError(err)}`, details: { file: path, report: null, error: describeError(err) } }),
    );
  };
  const timer = setInterval(poll, o.pollMs ?? EMERGENCY_POLL_MS);
  timer.unref();
  return {
    path,
    check,
    stop: () => clearInterval(timer),
  };
}
