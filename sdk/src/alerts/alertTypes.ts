/**
 * The neutral inputs the alert rules read. Shells map their own events onto these (the desktop
 * host maps its RPC events), so the rules depend on no transport and no engine internals.
 */
export type AlertInput =
  /** A finished ranking cycle: its rows in rank order (best first). */
  | { type: 'ranking'; profile: string; symbols: readonly string[] }
  /** The engine's manipulation alert for a held or watched symbol. */
  | { type: 'manipulation'; symbol: string; message: string }
  | { type: 'signal'; id: string; symbol: string; timeframe: string; side: 'long' | 'short'; score: number; probability: number; calibrated: boolean }
  /** An order changed state; every order counts as trading activity for the no-trade rule. */
  | { type: 'order'; id: string; symbol: string; status: string }
  | { type: 'fill'; id: string; symbol: string; side: 'buy' | 'sell'; price: number; amountBase: number; exitReason: string | null }
  | { type: 'kill_switch'; on: boolean; message: string }
  /** A calibration drifted out of bound (`recovered: false`) or came back. */
  | { type: 'drift'; key: string; recovered: boolean; message: string }
  /** New entries were halted after a burst of exchange errors. */
  | { type: 'trading_halted'; message: string }
  /** The trader's autotrade state, as last read. */
  | { type: 'autotrade'; enabled: boolean }
  /** Any other sign of life from the engine (a health report). */
  | { type: 'heard' };

/** Names of the rules; also the `rule` of each message they produce. */
export const ALERT_RULES = ['ranking', 'manipulation', 'signal', 'fill', 'killSwitch', 'drift', 'errors', 'heartbeat', 'noTrade'] as const;
export type AlertRuleName = (typeof ALERT_RULES)[number] | 'test';

export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** One message for the sinks; every sink renders the same fields in its own format. */
export interface AlertMessage {
  rule: AlertRuleName;
  /** What the message is about within its rule (a symbol, a state); dedupe works per (rule, key). */
  key: string;
  severity: AlertSeverity;
  /** One short line. */
  title: string;
  /** One or two sentences. */
  text: string;
  /** Facts shown as name/value pairs, in order. */
  fields: ReadonlyArray<{ name: string; value: string }>;
  /** Wall-clock time the message was made, ms since epoch. */
  atMs: number;
}
