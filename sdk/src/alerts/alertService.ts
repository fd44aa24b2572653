import { silentLogger, type Logger } from '../core/logger.js';
import { AlertDispatcher, policyFromRules, type DispatchOutcome, type DispatchStats, type SinkResult } from './alertDispatcher.js';
import { AlertRuleEngine } from './alertRuleEngine.js';
import type { AlertRulesConfig } from './alertsConfig.js';
import type { AlertInput, AlertMessage } from './alertTypes.js';
import type { AlertSink } from './sinks/alertSink.js';

export interface AlertServiceOptions {
  rules: AlertRulesConfig;
  sinks: readonly AlertSink[];
  /** Wall-clock time (the rules' silences and the dispatcher's windows are wall time). */
  nowMs: () => number;
  logger?: Logger;
  /** Sees each dispatched message and its outcome (logs, tests). */
  onOutcome?: (message: AlertMessage, outcome: DispatchOutcome) => void;
}

/** The message `test` sends. */
export function testAlertMessage(atMs: number): AlertMessage {
  return {
    rule: 'test',
    key: 'test',
    severity: 'info',
    title: 'Perpscope test alert',
    text: 'If you can read this, Perpscope alerts reach this channel.',
    fields: [{ name: 'sent', value: new Date(atMs).toISOString() }],
    atMs,
  };
}

/**
 * Rules plus dispatcher: feed it inputs and ticks, it sends what the rules produce. `handle` and
 * `tick` return at once and never throw; delivery runs in the background (`idle` waits for it).
 *
 * @example
 * const alerts = new AlertService({ rules: config.alerts.rules, sinks, nowMs: Date.now });
 * alerts.handle({ type: 'kill_switch', on: true, message: 'Kill switch on (manual)' });
 */
export class AlertService {
  private readonly rules: AlertRuleEngine;
  private readonly dispatcher: AlertDispatcher;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly logger: Logger;

  constructor(private readonly o: AlertServiceOptions) {
    this.logger = o.logger ?? silentLogger;
    this.rules = new AlertRuleEngine(o.rules);
    this.dispatcher = new AlertDispatcher({ sinks: o.sinks, nowMs: o.nowMs, policy: policyFromRules(o.rules), logger: this.logger });
  }

  get sinkNames(): string[] {
    return this.dispatcher.sinkNames;
  }

  /** Replaces the sinks (secrets changed); rule state, cooldowns and counters are kept. */
  setSinks(sinks: readonly AlertSink[]): void {
    this.dispatcher.setSinks(sinks);
  }

  handle(input: AlertInput): void {
    this.run(() => this.rules.handle(input, this.o.nowMs()));
  }

  tick(): void {
    this.run(() => this.rules.tick(this.o.nowMs()));
  }

  /** Sends the test message to every sink, past dedupe and throttle; one result per sink. */
  async test(): Promise<SinkResult[]> {
    return (await this.dispatcher.dispatch(testAlertMessage(this.o.nowMs()))).results;
  }

  stats(): DispatchStats {
    return this.dispatcher.stats();
  }

  /** Resolves once every delivery started so far has finished. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private run(produce: () => AlertMessage[]): void {
    let messages: AlertMessage[];
    try {
      messages = produce();
    } catch (e) {
      this.logger.error({ error: e instanceof Error ? e.message : String(e) }, 'alert rules failed');
      return;
    }
    for (const message of messages) {
      const p = this.dispatcher
        .dispatch(message)
        .then((outcome) => this.o.onOutcome?.(message, outcome))
        .catch((e: unknown) => this.logger.error({ rule: message.rule, error: e instanceof Error ? e.message : String(e) }, 'alert dispatch failed'))
        .finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
  }
}
