import type { AlertMessage } from '../alertTypes.js';
import { postJson, postOptions, type AlertSink } from './alertSink.js';
import { checkWebhookUrl } from './sinkConfigCheck.js';
import type { WebhookSinkOptions } from './slackSink.js';

/** The generic webhook body: the AlertMessage itself, as JSON. */
export function webhookPayload(m: AlertMessage): AlertMessage {
  return { rule: m.rule, key: m.key, severity: m.severity, title: m.title, text: m.text, fields: m.fields.map((f) => ({ name: f.name, value: f.value })), atMs: m.atMs };
}

/** POSTs each alert as JSON to any endpoint (n8n, Zapier, a custom relay...). */
export function createWebhookSink(o: WebhookSinkOptions): AlertSink {
  const url = checkWebhookUrl('alerts:webhook (keychain)', o.url, 'https://example.com/hooks/perpscope');
  return { name: 'webhook', send: (m) => postJson(o.fetch, 'webhook', url, webhookPayload(m), postOptions(o)) };
}
