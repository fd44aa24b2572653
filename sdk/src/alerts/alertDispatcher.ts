import { silentLogger, type Logger } from '../core/logger.js';
import type { AlertRulesConfig } from './alertsConfig.js';
import type { AlertMessage, AlertRuleName } from './alertTypes.js';
import type { AlertSink } from './sinks/alertSink.js';

/** How often one rule may speak. */
export interface DispatchPolicy {
  /** The same (rule, key) is sent at most once within this many ms; 0: no dedupe. */
  cooldownMs: number;
  /** At most this many messages of the rule per `windowMs`. */
  maxPerWindow: number;
  windowMs: number;
}

/** One sink's answer to one message. */
export interface SinkResult {
  sink: string;
  ok: boolean;
  /** 1, or 2 when a retryable failure was retried. */
  attempts: number;
  /** `delivered`, or why not (never a URL or token). */
  message: string;
}

export type DispatchStatus = 'sent' | 'cooldown' | 'throttled';

export interface DispatchOutcome {
  status: DispatchStatus;
  /** Per sink; empty unless `sent`. */
  results: SinkResult[];
}

/** Counters since start, for logs and the UI. */
export interface DispatchStats {
  sent: number;
  suppressedCooldown: number;
  suppressedThrottle: number;
  /** Messages each sink delivered. */
  delivered: Record<string, number>;
  /** Messages each sink failed to deliver after its retry. */
  failures: Record<string, number>;
}

export interface AlertDispatcherOptions {
  sinks: readonly AlertSink[];
  /** Wall-clock time for cooldowns and throttle windows. */
  nowMs: () => number;
  /** The rule's limits; the `test` rule is never deduped or throttled. */
  policy: (rule: Exclude<AlertRuleName, 'test'>) => DispatchPolicy;
  logger?: Logger;
}

/** Dedupe entries kept before expired ones are swept. */
const MAX_DEDUPE_KEYS = 5_000;

/**
 * Sends messages to every sink, at most once per (rule, key) within the rule's cooldown and at
 * most `maxPerWindow` per rule and window. Never rejects: a failing sink is retried once when the
 * failure is temporary (network, timeout, 429, 5xx), then logged and counted.
 *
 * @example
 * const dispatcher = new AlertDispatcher({ sinks, nowMs: Date.now, policy: policyFromRules(config.alerts.rules) });
 * const outcome = await dispatcher.dispatch(message);
 */
export class AlertDispatcher {
  private readonly lastSentMs = new Map<string, number>();
  private readonly windowSendsMs = new Map<string, number[]>();
  private readonly counters: DispatchStats = { sent: 0, suppressedCooldown: 0, suppressedThrottle: 0, delivered: {}, failures: {} };
  private readonly logger: Logger;
  private sinks: readonly AlertSink[];

  constructor(private readonly o: AlertDispatcherOptions) {
    this.logger = o.logger ?? silentLogger;
    this.sinks = o.sinks;
  }

  get sinkNames(): string[] {
    return this.sinks.map((s) => s.name);
  }

  /** Replaces the sinks; cooldowns, throttle windows and counters are kept. */
  setSinks(sinks: readonly AlertSink[]): void {
    this.sinks = sinks;
  }

  async dispatch(message: AlertMessage): Promise<DispatchOutcome> {
    if (message.rule !== 'test') {
      const nowMs = this.o.nowMs();
      const policy = this.o.policy(message.rule);
      const dedupeKey = `${message.rule}\u0000${message.key}`;
      const last = this.lastSentMs.get(dedupeKey);
      if (last !== undefined && policy.cooldownMs > 0 && nowMs - last < policy.cooldownMs) {
        this.counters.suppressedCooldown++;
        return { status: 'cooldown', results: [] };
      }
      const recent = (this.windowSendsMs.get(message.rule) ?? []).filter((t) => t > nowMs - policy.windowMs);
      if (recent.length >= policy.maxPerWindow) {
        this.windowSendsMs.set(message.rule, recent);
        this.counters.suppressedThrottle++;
        this.logger.debug({ rule: message.rule, key: message.key }, 'alert throttled');
        return { status: 'throttled', results: [] };
      }
      recent.push(nowMs);
      this.windowSendsMs.set(message.rule, recent);
      this.remember(dedupeKey, nowMs);
    }
    this.counters.sent++;
    const results = await Promise.all(this.sinks.map((sink) => this.deliver(sink, message)));
    return { status: 'sent', results };
  }

  stats(): DispatchStats {
    return { ...this.counters, delivered: { ...this.counters.delivered }, failures: { ...this.counters.failures } };
  }

  private async deliver(sink: AlertSink, message: AlertMessage): Promise<SinkResult> {
    let attempts = 0;
    let lastError: unknown;
    while (attempts < 2) {
      attempts++;
      try {
        await sink.send(message);
        this.counters.delivered[sink.name] = (this.counters.delivered[sink.name] ?? 0) + 1;
        return { sink: sink.name, ok: true, attempts, message: 'delivered' };
      } catch (e) {
        lastError = e;
        // Only a temporary failure is worth the one retry; a 4xx will fail the same way.
        if ((e as { retryable?: unknown }).retryable !== true) break;
      }
    }
    const reason = lastError instanceof Error ? lastError.message : String(lastError);
    this.counters.failures[sink.name] = (this.counters.failures[sink.name] ?? 0) + 1;
    this.logger.warn({ sink: sink.name, rule: message.rule, key: message.key, attempts, error: reason }, 'alert not delivered');
    return { sink: sink.name, ok: false, attempts, message: reason };
  }

  private remember(dedupeKey: string, nowMs: number): void {
    this.lastSentMs.set(dedupeKey, nowMs);
    if (this.lastSentMs.size <= MAX_DEDUPE_KEYS) return;
    // Sweep the oldest half: entries that old are past any sensible cooldown.
    const sorted = [...this.lastSentMs.entries()].sort((a, b) => a[1] - b[1]);
    for (const [k] of sorted.slice(0, Math.floor(sorted.length / 2))) this.lastSentMs.delete(k);
  }
}

/** Each rule's cooldown and throttle, as the config states them. */
export function policyFromRules(rules: AlertRulesConfig): (rule: Exclude<AlertRuleName, 'test'>) => DispatchPolicy {
  return (rule) => {
    const r = rules[rule];
    return { cooldownMs: r.cooldownMs, maxPerWindow: r.maxPerWindow, windowMs: rules.throttleWindowMs };
  };
}
