import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, type NewWebhookReceipt } from '@perpscope/sdk';

describe('webhook receipts (SQLite store)', () => {
  const home = mkdtempSync(join(tmpdir(), 'perpscope-receipts-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  const receipt = (key: string): NewWebhookReceipt => ({ key, receivedAtMs: 1_000, source: '127.0.0.1', symbol: 'BTC/USDT:USDT', action: 'buy', request: { symbol: 'BTC/USDT:USDT', action: 'buy', notionalUsd: 50 } });

  it('claims a key once, across two connections to one database, and finishes it once', () => {
    const a = openStore({ home });
    const b = openStore({ home });
    try {
      const first = a.webhookReceipts.claim(receipt('id:1'));
      expect(first).toMatchObject({ claimed: true, receipt: { key: 'id:1', status: 'received', orderId: null, request: { notionalUsd: 50 } } });
      const second = b.webhookReceipts.claim({ ...receipt('id:1'), receivedAtMs: 2_000, source: '10.0.0.1' });
      expect(second.claimed, 'the other connection finds the row').toBe(false);
      expect(second.receipt, 'and leaves it untouched').toEqual(first.receipt);
      expect(a.webhookReceipts.markPlaced('id:1', 'order-1', 3_000)).toBe(true);
      expect(b.webhookReceipts.markRefused('id:1', 'RISK_REJECTED', 'late', 4_000), 'a finished receipt is never rewritten').toBe(false);
      expect(b.webhookReceipts.get('id:1')).toMatchObject({ status: 'placed', orderId: 'order-1', errorCode: null, updatedAtMs: 3_000 });
    } finally {
      a.close();
      b.close();
    }
  });

  it('records refusals and failures with their code and message, newest first', () => {
    const s = openStore({ home });
    try {
      s.webhookReceipts.claim({ ...receipt('id:2'), receivedAtMs: 5_000 });
      s.webhookReceipts.claim({ ...receipt('id:3'), receivedAtMs: 6_000 });
      expect(s.webhookReceipts.markRefused('id:2', 'KILL_SWITCH_ACTIVE', 'Kill switch is on', 7_000)).toBe(true);
      expect(s.webhookReceipts.markFailed('id:3', 'NETWORK_ERROR', 'timeout', 8_000)).toBe(true);
      expect(s.webhookReceipts.recent(2).map((r) => [r.key, r.status, r.errorCode, r.errorMessage])).toEqual([
        ['id:3', 'failed', 'NETWORK_ERROR', 'timeout'],
        ['id:2', 'refused', 'KILL_SWITCH_ACTIVE', 'Kill switch is on'],
      ]);
      expect(s.webhookReceipts.get('id:none')).toBeUndefined();
    } finally {
      s.close();
    }
  });
});
