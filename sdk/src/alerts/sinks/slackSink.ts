import type { AlertMessage } from '../alertTypes.js';
import { clip, postJson, postOptions, type AlertSink, type FetchLike } from './alertSink.js';
import { checkWebhookUrl } from './sinkConfigCheck.js';

export interface WebhookSinkOptions {
  /** The webhook URL (a secret: it is never logged or shown). */
  url: string;
  fetch: FetchLike;
  /** Per request, reading the answer included; default 10 s. */
  timeoutMs?: number;
  /** Aborts every request for good (shutdown). */
  signal?: AbortSignal;
}

const SEVERITY_ICON = { info: ':information_source:', warning: ':warning:', critical: ':rotating_light:' } as const;

/**
 * A Slack incoming-webhook body: `text` (the notification fallback) plus Block Kit `blocks`
 * (header, section, up to 10 fields, context), within Slack's documented length limits.
 */
export function slackPayload(m: AlertMessage): { text: string; blocks: unknown[] } {
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(m.title, 150) } },
    { type: 'section', text: { type: 'mrkdwn', text: clip(escapeSlack(m.text), 3000) } },
  ];
  if (m.fields.length > 0) {
    blocks.push({ type: 'section', fields: m.fields.slice(0, 10).map((f) => ({ type: 'mrkdwn', text: clip(`*${escapeSlack(f.name)}*\n${escapeSlack(f.value)}`, 2000) })) });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `${SEVERITY_ICON[m.severity]} ${m.severity} · ${m.rule} · ${new Date(m.atMs).toISOString()}` }] });
  return { text: clip(`${m.title}: ${m.text}`, 3000), blocks };
}

/** Slack's mrkdwn control characters, escaped as its docs require. */
function escapeSlack(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Posts alerts to a Slack incoming webhook (`https://hooks.slack.com/services/...`). */
export function createSlackSink(o: WebhookSinkOptions): AlertSink {
  const url = checkWebhookUrl('alerts:slack (keychain)', o.url, 'https://hooks.slack.com/services/T000/B000/XXXX');
  return { name: 'slack', send: (m) => postJson(o.fetch, 'slack', url, slackPayload(m), postOptions(o)) };
}
