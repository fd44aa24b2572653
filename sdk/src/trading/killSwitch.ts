import type { Clock } from '../core/clock.js';
import { panicFileCheck } from '../risk/index.js';
import type { Store } from '../store/index.js';

const SETTING = 'trading.killSwitch';

export interface KillSwitchState {
  on: boolean;
  /** Which sources hold it on. */
  sources: ('config' | 'setting' | 'file')[];
  reason: string | null;
  changedAtMs: number | null;
}

export interface KillSwitchOptions {
  store: Store;
  clock: Clock;
  /** `risk.gates.killSwitch` from the config. */
  configOn?: boolean;
  /** Perpscope home: a `.panic` file there turns the switch on. */
  home?: string;
  fileExists?: (path: string) => boolean;
}

/**
 * The kill switch: on when the config says so, when `<home>/.panic` exists, or when set through
 * the API/CLI/GUI (persisted in the store, so it survives a restart). Pass `isOn` to the
 * RiskPolicy as `isKillSwitchOn`: every new entry is then refused; exits still pass.
 */
export class KillSwitch {
  private readonly fileCheck: (() => boolean) | null;

  constructor(private readonly o: KillSwitchOptions) {
    this.fileCheck = o.home === undefined ? null : panicFileCheck(o.home, o.fileExists);
  }

  readonly isOn = (): boolean => this.state().on;

  state(): KillSwitchState {
    const stored = this.stored();
    const sources: KillSwitchState['sources'] = [];
    if (this.o.configOn) sources.push('config');
    if (stored.on) sources.push('setting');
    if (this.fileCheck?.()) sources.push('file');
    return { on: sources.length > 0, sources, reason: stored.reason, changedAtMs: stored.atMs };
  }

  /** Turns the persisted switch on or off (the config and the file are not changed here). */
  set(on: boolean, reason: string): KillSwitchState {
    const atMs = this.o.clock.nowMs();
    this.o.store.settings.set(SETTING, { on, reason, atMs }, atMs);
    this.o.store.events.append({ atMs, type: 'kill_switch', payload: { on, reason } });
    return this.state();
  }

  private stored(): { on: boolean; reason: string | null; atMs: number | null } {
    const raw = this.o.store.settings.get(SETTING) as { on?: unknown; reason?: unknown; atMs?: unknown } | undefined;
    return {
      on: raw?.on === true,
      reason: typeof raw?.reason === 'string' ? raw.reason : null,
      atMs: typeof raw?.atMs === 'number' ? raw.atMs : null,
    };
  }
}
