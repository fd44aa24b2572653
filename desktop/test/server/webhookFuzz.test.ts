import { describe, expect, it } from 'vitest';
import { openStore } from '@perpscope/sdk';
import { runWebhookFuzz } from '../../../scripts/fuzz-webhook.js';

/**
 * Standing webhook fuzz at a small count (scripts/fuzz-webhook.ts runs the same at any count):
 * random bodies and mutations of valid alerts, over a real sim host and the gateway on loopback.
 * Fixed seed, so a failure reproduces; the summary's `failures` lists the first offending bodies.
 */
describe('webhook gateway fuzz', () => {
  it('1,500 random and mutated bodies: no crash, no 5xx, no invalid body reaches the order path, no order from one', async () => {
    const summary = await runWebhookFuzz({ count: 1_500, seed: 2_026, openStore });
    const report = JSON.stringify(summary);
    expect(summary.crashes, report).toBe(0);
    expect(Object.keys(summary.status).filter((s) => Number(s) >= 500), report).toEqual([]);
    expect(summary.leaks, `invalid bodies answered by the order path: ${report}`).toBe(0);
    expect(summary.parserAccepted, `bodies built broken that the parser accepted: ${report}`).toBe(0);
    expect(summary.ordersFromInvalid, report).toBe(0);
    // The run exercised every gate, not just one of them.
    for (const status of ['400', '401', '413', '422']) expect(summary.status[status] ?? 0, `${status} seen: ${report}`).toBeGreaterThan(0);
    expect(summary.invalid, report).toBeGreaterThan(summary.bodies / 2);
    expect(summary.bodies - summary.invalid, 'valid bodies reached the order path too').toBeGreaterThan(100);
  }, 300_000);
});
