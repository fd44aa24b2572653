import { describe, expect, it } from 'vitest';
import { ALERT_COOLDOWN_MS, createAlertCooldown } from '../../src/renderer/stores/alerts.js';

describe('renderer: alert cooldown per kind and symbol', () => {
  it('rings a flapping flag once per cooldown, each symbol and kind on its own clock; fills always', () => {
    let now = 1_000_000;
    const cooldown = createAlertCooldown(() => now);
    expect(cooldown.allow('manipulation', 'BTC/USDT:USDT'), 'the first one rings').toBe(true);
    expect(cooldown.allow('manipulation', 'BTC/USDT:USDT'), 'the same flag again at once: held').toBe(false);
    expect(cooldown.allow('manipulation', 'ETH/USDT:USDT'), 'another symbol').toBe(true);
    expect(cooldown.allow('signal', 'BTC/USDT:USDT'), 'another kind').toBe(true);
    expect(cooldown.allow('manipulation', null), 'market-wide').toBe(true);
    expect(cooldown.allow('manipulation', null)).toBe(false);
    now += ALERT_COOLDOWN_MS - 1;
    expect(cooldown.allow('manipulation', 'BTC/USDT:USDT'), 'still inside the cooldown').toBe(false);
    now += 1;
    expect(cooldown.allow('manipulation', 'BTC/USDT:USDT'), 'the cooldown is over').toBe(true);
    expect(cooldown.allow('manipulation', 'BTC/USDT:USDT'), 'and starts again').toBe(false);
    expect([cooldown.allow('fill', 'BTC/USDT:USDT'), cooldown.allow('fill', 'BTC/USDT:USDT')], 'every fill is a trade of its own').toEqual([true, true]);
  });

  it('takes its length as an option', () => {
    let now = 0;
    const cooldown = createAlertCooldown(() => now, 5_000);
    expect(cooldown.allow('signal', 'SOL/USDT:USDT')).toBe(true);
    now = 4_999;
    expect(cooldown.allow('signal', 'SOL/USDT:USDT')).toBe(false);
    now = 5_000;
    expect(cooldown.allow('signal', 'SOL/USDT:USDT')).toBe(true);
  });
});
