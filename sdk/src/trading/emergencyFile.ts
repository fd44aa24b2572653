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
/** Polls between retries of a flatten that failed: doubling from one, up to this many. */
const MAX_RETRY_POLLS = 120;

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
  /** Stops polling; resolves once a flatten under way has finished, so the store can close after it. */
  stop(): Promise<void>;
}

/**
 * Watches for the emergency file. When it appears (or is there at start), the kill switch goes on
 * first, so nothing new opens meanwhile, then every open order is cancelled and every position
 * closed reduce-only, with an event in the store and an alert. It fires once per appearance: the
 * file must disappear before it can fire again, and its disappearance changes nothing else. A
 * flatten that left something open (a cancel or close failed) is retried while the file stays,
 * after 1, 2, 4, ... polls (at most 120, 30 s at the default poll), until it succeeds.
 */
export function watchEmergencyFile(o: EmergencyFileOptions): EmergencyFileWatch {
  const path = isAbsolute(o.file) ? o.file : join(o.home, o.file);
  const exists = o.exists ?? existsSync;
  let armed = true;
  let running: Promise<void> | null = null;
  let failures = 0;
  let waitPolls = 0;
  const alert = (a: EmergencyAlert): void => {
    try {
      o.onAlert(a);
    } catch {
      // A listener's failure must not stop the flatten or become an unhandled rejection.
    }
  };

  /** True when everything was cancelled and closed. */
  async function flatten(): Promise<boolean> {
    try {
      o.killSwitch.set(true, 'emergency_file');
      o.store.events.append({ atMs: o.clock.nowMs(), type: 'emergency_file', ledger: o.broker.ledger, payload: { file: path, attempt: failures + 1 } });
      const report = await panic({ broker: o.broker, store: o.store, clock: o.clock, killSwitch: o.killSwitch }, { reason: 'emergency_file' });
      const failed = report.failures.length > 0;
      alert({
        level: failed ? 'error' : 'info',
        kind: 'emergency_flatten',
        message: `Emergency file ${path}: kill switch on, ${report.cancelled.length} orders cancelled, ${report.closed.length} positions closed${failed ? `, ${report.failures.length} failed (retrying while the file stays)` : ''}`,
        details: { file: path, report, error: null },
      });
      return !failed;
    } catch (err) {
      let on = false;
      try {
        on = o.killSwitch.isOn();
      } catch {
        // The store itself failed; the message says the switch is not known to be on.
      }
      alert({
        level: 'error',
        kind: 'emergency_flatten',
        message: `Emergency file ${path}: ${on ? 'kill switch on, but ' : ''}the flatten failed (retrying while the file stays): ${describeError(err)}`,
        details: { file: path, report: null, error: describeError(err) },
      });
      return false;
    }
  }

  async function check(): Promise<void> {
    const present = exists(path);
    // Looked at even during a flatten, so that a delete-and-recreate meanwhile is a new appearance.
    if (!present) {
      armed = true;
      failures = 0;
      waitPolls = 0;
    }
    if (running) return running;
    if (!present || !armed) return;
    if (waitPolls > 0) {
      waitPolls--;
      return;
    }
    armed = false;
    running = flatten()
      .then((ok) => {
        if (ok) failures = 0;
        else {
          failures++;
          armed = true;
          waitPolls = Math.min(MAX_RETRY_POLLS, 2 ** (failures - 1));
        }
      })
      .finally(() => {
        running = null;
      });
    return running;
  }

  // flatten() reports its own failures; this catches a failure to look at all.
  const poll = (): void => {
    check().catch((err: unknown) =>
      alert({ level: 'error', kind: 'emergency_flatten', message: `Emergency file ${path}: could not check it: ${describeError(err)}`, details: { file: path, report: null, error: describeError(err) } }),
    );
  };
  const timer = setInterval(poll, o.pollMs ?? EMERGENCY_POLL_MS);
  timer.unref();
  return {
    path,
    check,
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
