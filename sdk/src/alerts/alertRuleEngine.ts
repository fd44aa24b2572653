import type { AlertRulesConfig } from './alertsConfig.js';
import type { AlertInput, AlertMessage, AlertRuleName, AlertSeverity } from './alertTypes.js';

const HOUR_MS = 3_600_000;
/** Signal times kept for the no-trade rule; enough for any realistic rate over its window. */
const MAX_SIGNAL_TIMES = 10_000;

/**
 * Turns alert inputs into messages, one rule per concern. Pure: time arrives with each call
 * (wall-clock ms), nothing is sent from here, and dedupe/throttle belong to the dispatcher.
 *
 * @example
 * const rules = new AlertRuleEngine(config.alerts.rules);
 * const messages = [...rules.handle({ type: 'kill_switch', on: true, message: 'manual' }, Date.now()), ...rules.tick(Date.now())];
 */
export class AlertRuleEngine {
  /** Last top-N per ranking profile; a profile's first snapshot only sets it. */
  private readonly topByProfile = new Map<string, Set<string>>();
  private lastHeardMs: number | null = null;
  private silent = false;
  private autotradeSinceMs: number | null = null;
  private lastOrderMs: number | null = null;
  private signalTimesMs: number[] = [];
  private noTradeReported = false;

  constructor(private readonly rules: AlertRulesConfig) {}

  /** Messages for one input; `nowMs` is the wall-clock time it was heard. */
  handle(input: AlertInput, nowMs: number): AlertMessage[] {
    const out: AlertMessage[] = [];
    // The autotrade state is polled by the shell, not pushed by the engine: no sign of life.
    if (input.type !== 'autotrade') this.heard(nowMs, out);
    switch (input.type) {
      case 'ranking':
        this.ranking(input, nowMs, out);
        break;
      case 'manipulation':
        if (this.rules.manipulation.enabled) {
          out.push(msg('manipulation', input.symbol, 'warning', `Manipulation risk: ${input.symbol}`, input.message, [{ name: 'symbol', value: input.symbol }], nowMs));
        }
        break;
      case 'signal':
        this.signal(input, nowMs, out);
        break;
      case 'order':
        this.lastOrderMs = nowMs;
        this.noTradeReported = false;
        break;
      case 'fill':
        this.lastOrderMs = nowMs;
        this.noTradeReported = false;
        if (this.rules.fill.enabled) out.push(fillMessage(input, nowMs));
        break;
      case 'kill_switch':
        if (this.rules.killSwitch.enabled) {
          out.push(
            msg('killSwitch', input.on ? 'on' : 'off', input.on ? 'critical' : 'info', input.on ? 'Kill switch ON' : 'Kill switch off', input.message, [{ name: 'state', value: input.on ? 'on' : 'off' }], nowMs),
          );
        }
        break;
      case 'drift':
        if (this.rules.drift.enabled) {
          const state = input.recovered ? 'recovered' : 'drift';
          out.push(
            msg('drift', `${input.key}:${state}`, input.recovered ? 'info' : 'warning', input.recovered ? `Calibration ${input.key} recovered` : `Calibration ${input.key} drifted`, input.message, [{ name: 'calibration', value: input.key }], nowMs),
          );
        }
        break;
      case 'trading_halted':
        if (this.rules.errors.enabled) out.push(msg('errors', 'trading_halted', 'critical', 'Trading halted', input.message, [], nowMs));
        break;
      case 'autotrade':
        if (input.enabled && this.autotradeSinceMs === null) this.autotradeSinceMs = nowMs;
        if (!input.enabled) {
          this.autotradeSinceMs = null;
          this.noTradeReported = false;
        }
        break;
      case 'heard':
        break;
    }
    return out;
  }

  /** Time-driven rules (heartbeat, no-trade); call it periodically with the wall-clock time. */
  tick(nowMs: number): AlertMessage[] {
    const out: AlertMessage[] = [];
    // Silence is measured from the first tick when nothing was ever heard: a dead start alerts too.
    this.lastHeardMs ??= nowMs;
    const hb = this.rules.heartbeat;
    const quietMs = nowMs - this.lastHeardMs;
    if (hb.enabled && !this.silent && quietMs > hb.heartbeatMs) {
      this.silent = true;
      out.push(msg('heartbeat', 'silent', 'critical', 'Engine silent', `No engine event for ${seconds(quietMs)}.`, [{ name: 'silentFor', value: seconds(quietMs) }], nowMs));
    }
    this.noTrade(nowMs, out);
    return out;
  }

  private heard(nowMs: number, out: AlertMessage[]): void {
    if (this.silent && this.rules.heartbeat.enabled && this.lastHeardMs !== null) {
      const quietMs = nowMs - this.lastHeardMs;
      out.push(msg('heartbeat', 'resumed', 'info', 'Engine events resumed', `Engine events resumed after ${seconds(quietMs)} of silence.`, [{ name: 'silentFor', value: seconds(quietMs) }], nowMs));
    }
    this.silent = false;
    this.lastHeardMs = nowMs;
  }

  private ranking(input: Extract<AlertInput, { type: 'ranking' }>, nowMs: number, out: AlertMessage[]): void {
    const rule = this.rules.ranking;
    const top = input.symbols.slice(0, rule.topN);
    const before = this.topByProfile.get(input.profile);
    this.topByProfile.set(input.profile, new Set(top));
    if (!before || !rule.enabled) return;
    top.forEach((symbol, i) => {
      if (before.has(symbol)) return;
      out.push(
        msg('ranking', `${input.profile}:${symbol}`, 'info', `${symbol} entered the top ${rule.topN} (${input.profile})`, `${symbol} is now #${i + 1} in the ${input.profile} ranking.`, [
          { name: 'symbol', value: symbol },
          { name: 'rank', value: String(i + 1) },
          { name: 'profile', value: input.profile },
        ], nowMs),
      );
    });
  }

  private signal(input: Extract<AlertInput, { type: 'signal' }>, nowMs: number, out: AlertMessage[]): void {
    this.signalTimesMs.push(nowMs);
    if (this.signalTimesMs.length > MAX_SIGNAL_TIMES) this.signalTimesMs = this.signalTimesMs.slice(-MAX_SIGNAL_TIMES);
    const rule = this.rules.signal;
    if (!rule.enabled || input.probability < rule.minProbability) return;
    const probability = input.calibrated ? `${(input.probability * 100).toFixed(1)}%` : 'uncalibrated';
    out.push(
      msg('signal', `${input.symbol}:${input.timeframe}:${input.side}`, 'info', `Signal: ${input.side} ${input.symbol} (${input.timeframe})`, `New ${input.side} signal on ${input.symbol} ${input.timeframe}, score ${round(input.score)}.`, [
        { name: 'symbol', value: input.symbol },
        { name: 'side', value: input.side },
        { name: 'timeframe', value: input.timeframe },
        { name: 'score', value: round(input.score) },
        { name: 'probability', value: probability },
      ], nowMs),
    );
  }

  private noTrade(nowMs: number, out: AlertMessage[]): void {
    const rule = this.rules.noTrade;
    if (!rule.enabled || this.autotradeSinceMs === null || this.noTradeReported) return;
    const windowMs = rule.noTradeHours * HOUR_MS;
    const quietSinceMs = Math.max(this.autotradeSinceMs, this.lastOrderMs ?? -Infinity);
    if (nowMs - quietSinceMs < windowMs) return;
    this.signalTimesMs = this.signalTimesMs.filter((t) => t > nowMs - windowMs);
    const signals = this.signalTimesMs.length;
    if (signals < rule.minSignals) return;
    this.noTradeReported = true;
    out.push(
      msg('noTrade', 'no_trade', 'warning', 'Autotrade placed no order', `Autotrade is on and ${signals} signals arrived, but no order was placed for ${rule.noTradeHours} h.`, [
        { name: 'signals', value: String(signals) },
        { name: 'hours', value: String(rule.noTradeHours) },
      ], nowMs),
    );
  }
}

function fillMessage(input: Extract<AlertInput, { type: 'fill' }>, nowMs: number): AlertMessage {
  const what = input.exitReason ? `exit (${input.exitReason})` : 'entry';
  return msg('fill', input.id, 'info', `Fill: ${input.side} ${input.symbol}`, `${input.side} ${round(input.amountBase)} ${input.symbol} at ${round(input.price)}: ${what}.`, [
    { name: 'symbol', value: input.symbol },
    { name: 'side', value: input.side },
    { name: 'price', value: round(input.price) },
    { name: 'amount', value: round(input.amountBase) },
    { name: 'kind', value: what },
  ], nowMs);
}

function msg(rule: AlertRuleName, key: string, severity: AlertSeverity, title: string, text: string, fields: AlertMessage['fields'], atMs: number): AlertMessage {
  return { rule, key, severity, title, text, fields, atMs };
}

/** Up to 8 significant digits, without trailing zeros. */
function round(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(8))) : String(x);
}

function seconds(ms: number): string {
  return ms >= 120_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}
