import type Database from 'better-sqlite3';
import { ErrorCode } from '@perpscope/shared';
import { StoreError } from '../../core/errors.js';
import { fromJsonObject, toJson } from '../json.js';

/** What became of a webhook order: `received` is written before the order is sent. */
export type WebhookReceiptStatus = 'received' | 'placed' | 'refused' | 'failed';
export type WebhookAction = 'buy' | 'sell' | 'close';

export interface NewWebhookReceipt {
  /** Idempotency key: the alert's own id, or a hash of the normalized order. */
  key: string;
  receivedAtMs: number;
  /** Remote address the request came from. */
  source: string;
  /** Unified symbol the order is for. */
  symbol: string;
  action: WebhookAction;
  /** The normalized order as it was sent to the order path; never the secret. */
  request: Record<string, unknown>;
}

export interface WebhookReceipt extends NewWebhookReceipt {
  status: WebhookReceiptStatus;
  updatedAtMs: number;
  /** Set once the order path returned an order. */
  orderId: string | null;
  /** Set when refused or failed. */
  errorCode: string | null;
  errorMessage: string | null;
}

/** A claim either wins (this call wrote the row) or finds the row a previous delivery wrote. */
export type WebhookClaim = { claimed: true; receipt: WebhookReceipt } | { claimed: false; receipt: WebhookReceipt };

interface Row {
  key: string;
  received_at_ms: number;
  updated_at_ms: number;
  source: string;
  symbol: string;
  action: WebhookAction;
  request_json: string;
  status: WebhookReceiptStatus;
  order_id: string | null;
  error_code: string | null;
  error_message: string | null;
}

const toReceipt = (r: Row): WebhookReceipt => ({
  key: r.key,
  receivedAtMs: r.received_at_ms,
  updatedAtMs: r.updated_at_ms,
  source: r.source,
  symbol: r.symbol,
  action: r.action,
  request: fromJsonObject(r.request_json),
  status: r.status,
  orderId: r.order_id,
  errorCode: r.error_code,
  errorMessage: r.error_message,
});

/**
 * Webhook receipts: the replay guard and the record of what each accepted alert did. A key is
 * claimed once (`INSERT OR IGNORE` on the primary key), so two deliveries of one alert, even in two
 * processes on one database, give one order.
 */
export class WebhookReceiptRepository {
  private readonly insertStmt: Database.Statement;
  private readonly getStmt: Database.Statement<[string], Row>;
  private readonly finishStmt: Database.Statement;
  private readonly recentStmt: Database.Statement<[number], Row>;

  constructor(db: Database.Database) {
    this.insertStmt = db.prepare(
      `INSERT OR IGNORE INTO webhook_receipts (key, received_at_ms, updated_at_ms, source, symbol, action, request_json, status)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'received')`,
    );
    this.getStmt = db.prepare('SELECT * FROM webhook_receipts WHERE key = ?');
    // Only a `received` row moves: a finished receipt is never rewritten.
    this.finishStmt = db.prepare(
      `UPDATE webhook_receipts SET status = ?, order_id = ?, error_code = ?, error_message = ?, updated_at_ms = ?
       WHERE key = ? AND status = 'received'`,
    );
    this.recentStmt = db.prepare('SELECT * FROM webhook_receipts ORDER BY received_at_ms DESC, key LIMIT ?');
  }

  /** Records the intent before the order is sent; a key already present is returned untouched. */
  claim(receipt: NewWebhookReceipt): WebhookClaim {
    const inserted = this.insertStmt.run(receipt.key, receipt.receivedAtMs, receipt.receivedAtMs, receipt.source, receipt.symbol, receipt.action, toJson(receipt.request)).changes > 0;
    const stored = this.get(receipt.key);
    if (!stored) throw new StoreError(ErrorCode.StoreError, `Webhook receipt ${receipt.key} is missing right after its insert`, { details: { key: receipt.key } });
    return { claimed: inserted, receipt: stored };
  }

  get(key: string): WebhookReceipt | undefined {
    const r = this.getStmt.get(key);
    return r ? toReceipt(r) : undefined;
  }

  /** The order path returned this order. Returns false when the receipt was not `received`. */
  markPlaced(key: string, orderId: string, nowMs: number): boolean {
    return this.finishStmt.run('placed', orderId, null, null, nowMs, key).changes > 0;
  }

  /** The order path refused the order (risk, kill switch, bad ticket): retrying will not help. */
  markRefused(key: string, errorCode: string, errorMessage: string, nowMs: number): boolean {
    return this.finishStmt.run('refused', null, errorCode, errorMessage, nowMs, key).changes > 0;
  }

  /** The order path failed (exchange, network, internal); whether an order exists is unknown or no. */
  markFailed(key: string, errorCode: string, errorMessage: string, nowMs: number): boolean {
    return this.finishStmt.run('failed', null, errorCode, errorMessage, nowMs, key).changes > 0;
  }

  /** Newest first. */
  recent(limit = 100): WebhookReceipt[] {
    return this.recentStmt.all(limit).map(toReceipt);
  }
}
