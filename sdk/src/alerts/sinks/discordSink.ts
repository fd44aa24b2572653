import type { AlertMessage } from '../alertTypes.js';
import { clip, postJson, postOptions, type AlertSink } from './alertSink.js';
import { checkWebhookUrl } from './sinkConfigCheck.js';
import type { WebhookSinkOptions } from './slackSink.js';

/** Embed side colors per severity (Discord takes a 24-bit RGB integer). */
const SEVERITY_COLOR = { info: 0x3498db, warning: 0xf1c40f, critical: 0xe74c3c } as const;

/**
 * A Discord execute-webhook body: `content` plus one embed (title, description, color, up to 25
 * inline fields, ISO timestamp), within Discord's documented limits. `allowed_mentions` is empty
 * so text from the market can never ping @everyone.
 */
export function discordPayload(m: AlertMessage): { content: string; embeds: unknown[]; allowed_mentions: { parse: string[] } } {
  return {
    content: clip(`**${m.title}**`, 2000),
    embeds: [
      {
        title: clip(m.title, 256),
        description: clip(m.text, 4096),
        color: SEVERITY_COLOR[m.severity],
        fields: m.fields.slice(0, 25).map((f) => ({ name: clip(f.name, 256), value: clip(f.value || '-', 1024), inline: true })),
        footer: { text: `${m.severity} · ${m.rule}` },
        timestamp: new Date(m.atMs).toISOString(),
      },
    ],
    allowed_mentions: { parse: [] },
  };
}

/** Posts alerts to a Discord webhook (`https://discord.com/api/webhooks/<id>/<token>`). */
export function createDiscordSink(o: WebhookSinkOptions): AlertSink {
  const url = checkWebhookUrl('alerts:discord (keychain)', o.url, 'https://discord.com/api/webhooks/123/abc');
  return { name: 'discord', send: (m) => postJson(o.fetch, 'discord', url, discordPayload(m), postOptions(o)) };
}
