import { createHash } from 'node:crypto';
import type { WebhookSignal } from './parseWebhookBody.js';

/**
 * The key a delivery is deduplicated by: the alert's own id when it has one, else a sha256 of the
 * normalized order (resolved symbol, action, price, size) and the alert's time. Two alerts with
 * neither id nor time and the same order therefore share a key: the second is a replay.
 */
export function idempotencyKey(signal: WebhookSignal, symbol: string): string {
  if (signal.id !== undefined) return `id:${signal.id}`;
  const normalized = JSON.stringify([symbol, signal.action, signal.price ?? null, signal.notionalUsd ?? null, signal.amountBase ?? null, signal.timeMs ?? null]);
  return `sha256:${createHash('sha256').update(normalized, 'utf8').digest('hex')}`;
}

/** How far `timeMs` is from `nowMs`, or null when inside the window (or the alert has no time). */
export function outsideWindowMs(timeMs: number | undefined, nowMs: number, maxAgeMs: number): number | null {
  if (timeMs === undefined) return null;
  const offMs = nowMs - timeMs;
  return Math.abs(offMs) > maxAgeMs ? offMs : null;
}
