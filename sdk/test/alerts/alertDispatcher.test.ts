import { ErrorCode } from '@perpscope/shared';
import { describe, expect, it } from 'vitest';
import { AlertDeliveryError, AlertDispatcher, AlertRulesConfigSchema, AlertService, policyFromRules, type AlertMessage, type AlertSink, type DispatchPolicy } from '../../src/alerts/index.js';

function message(over: Partial<AlertMessage> = {}): AlertMessage {
  return { rule: 'manipulation', key: 'X', severity: 'warning', title: 't', text: 'x', fields: [], atMs: 0, ...over };
}

/** A sink that records what it got and fails as told. */
function recordingSink(name: string, failures: Array<Error | null> = []): AlertSink & { got: AlertMessage[]; calls: number } {
  const sink = {
    name,
    got: [] as AlertMessage[],
    calls: 0,
    send(m: AlertMessage) {
      const failure = failures[sink.calls++] ?? null;
      if (failure) return Promise.reject(failure);
      sink.got.push(m);
      return Promise.resolve();
    },
  };
  return sink;
}

function manualClock(startMs = 0) {
  let nowMs = startMs;
  return { nowMs: () => nowMs, advance: (ms: number) => (nowMs += ms) };
}

const fixedPolicy = (p: Partial<DispatchPolicy>) => () => ({ cooldownMs: 0, maxPerWindow: 1_000, windowMs: 60_000, ...p });

describe('AlertDispatcher', () => {
  it('sends one (rule, key) once per cooldown, other keys and rules independently', async () => {
    const clock = manualClock();
    const sink = recordingSink('a');
    const d = new AlertDispatcher({ sinks: [sink], nowMs: clock.nowMs, policy: fixedPolicy({ cooldownMs: 10_000 }) });
    expect((await d.dispatch(message())).status).toBe('sent');
    clock.advance(9_999);
    expect((await d.dispatch(message())).status, 'inside the cooldown').toBe('cooldown');
    expect((await d.dispatch(message({ key: 'Y' }))).status, 'another key').toBe('sent');
    expect((await d.dispatch(message({ rule: 'signal' }))).status, 'another rule, same key').toBe('sent');
    clock.advance(1);
    expect((await d.dispatch(message())).status, 'the cooldown is over').toBe('sent');
    expect(sink.got.map((m) => `${m.rule}:${m.key}`)).toEqual(['manipulation:X', 'manipulation:Y', 'signal:X', 'manipulation:X']);
    expect(d.stats()).toMatchObject({ sent: 4, suppressedCooldown: 1, delivered: { a: 4 } });
  });

  it('throttles a rule to maxPerWindow per sliding window, whatever the key', async () => {
    const clock = manualClock();
    const sink = recordingSink('a');
    const d = new AlertDispatcher({ sinks: [sink], nowMs: clock.nowMs, policy: fixedPolicy({ maxPerWindow: 2, windowMs: 60_000 }) });
    const statuses = [];
    for (const key of ['1', '2', '3']) statuses.push((await d.dispatch(message({ key }))).status);
    expect(statuses).toEqual(['sent', 'sent', 'throttled']);
    expect((await d.dispatch(message({ rule: 'fill', key: '4' }))).status, 'other rules have their own budget').toBe('sent');
    clock.advance(59_999);
    expect((await d.dispatch(message({ key: '5' }))).status, 'both sends are still inside the window').toBe('throttled');
    clock.advance(1);
    expect((await d.dispatch(message({ key: '6' }))).status, 'the first two left the window').toBe('sent');
    expect(d.stats().suppressedThrottle).toBe(2);
    expect(sink.got.map((m) => m.key)).toEqual(['1', '2', '4', '6']);
  });

  it('takes cooldowns and throttles per rule from the config', () => {
    const policy = policyFromRules(AlertRulesConfigSchema.parse({ throttleWindowMs: 1_000, fill: { cooldownMs: 5, maxPerWindow: 7 } }));
    expect(policy('fill')).toEqual({ cooldownMs: 5, maxPerWindow: 7, windowMs: 1_000 });
    expect(policy('killSwitch').cooldownMs, 'a kill switch change is never deduped by default').toBe(0);
  });

  it('never lets the test message be deduped or throttled', async () => {
    const sink = recordingSink('a');
    const d = new AlertDispatcher({ sinks: [sink], nowMs: () => 0, policy: fixedPolicy({ cooldownMs: 1e9, maxPerWindow: 1 }) });
    for (let i = 0; i < 3; i++) expect((await d.dispatch(message({ rule: 'test', key: 'test' }))).status).toBe('sent');
    expect(sink.got).toHaveLength(3);
  });

  it('retries a temporary failure once, does not retry a refusal, and never throws', async () => {
    const temporary = () => new AlertDeliveryError(ErrorCode.ExchangeUnavailable, 'flaky: HTTP 503', { retryable: true });
    const refused = new AlertDeliveryError(ErrorCode.BadRequest, 'bad: HTTP 404', { retryable: false });
    const flaky = recordingSink('flaky', [temporary()]);
    const down = recordingSink('down', [temporary(), temporary(), temporary()]);
    const bad = recordingSink('bad', [refused]);
    const thrower = { name: 'thrower', send: () => Promise.reject(new TypeError('boom')) };
    const ok = recordingSink('ok');
    const warnings: unknown[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (f: unknown) => warnings.push(f), child: () => logger };
    const d = new AlertDispatcher({ sinks: [flaky, down, bad, thrower, ok], nowMs: () => 0, policy: fixedPolicy({}), logger });
    const outcome = await d.dispatch(message());
    expect(outcome.results).toEqual([
      { sink: 'flaky', ok: true, attempts: 2, message: 'delivered' },
      { sink: 'down', ok: false, attempts: 2, message: 'flaky: HTTP 503' },
      { sink: 'bad', ok: false, attempts: 1, message: 'bad: HTTP 404' },
      { sink: 'thrower', ok: false, attempts: 1, message: 'boom' },
      { sink: 'ok', ok: true, attempts: 1, message: 'delivered' },
    ]);
    expect(down.calls, 'at most one retry').toBe(2);
    expect(d.stats().failures).toEqual({ down: 1, bad: 1, thrower: 1 });
    expect(warnings, 'each failed sink is logged').toHaveLength(3);
  });
});

describe('AlertService', () => {
  it('runs inputs through the rules to every sink, in the background, and reports outcomes', async () => {
    const clock = manualClock(1_000);
    const a = recordingSink('a');
    const b = recordingSink('b', [new Error('down')]);
    const outcomes: string[] = [];
    const service = new AlertService({
      rules: AlertRulesConfigSchema.parse({}),
      sinks: [a, b],
      nowMs: clock.nowMs,
      onOutcome: (m, o) => outcomes.push(`${m.rule}:${m.key}:${o.status}`),
    });
    expect(() => service.handle({ type: 'kill_switch', on: true, message: 'Kill switch on (manual)' })).not.toThrow();
    service.handle({ type: 'kill_switch', on: true, message: 'again' });
    await service.idle();
    expect(a.got.map((m) => m.text), 'the default kill switch cooldown is 0: both are sent').toEqual(['Kill switch on (manual)', 'again']);
    expect(outcomes).toEqual(['killSwitch:on:sent', 'killSwitch:on:sent']);
    expect(service.stats().failures).toEqual({ b: 1 });
    const results = await service.test();
    expect(results.map((r) => [r.sink, r.ok])).toEqual([
      ['a', true],
      ['b', true],
    ]);
    expect(a.got.at(-1)).toMatchObject({ rule: 'test', title: 'Perpscope test alert', atMs: 1_000 });
  });
});
