import type { AlertMessage } from '../alertTypes.js';
import { postJson, postOptions, type AlertSink, type FetchLike } from './alertSink.js';
import { checkTelegramChatId, checkTelegramToken, checkWebhookUrl } from './sinkConfigCheck.js';

export interface TelegramSinkOptions {
  /** The bot token from @BotFather (a secret). */
  token: string;
  chatId: string;
  fetch: FetchLike;
  /** Bot API root; tests point it at a local receiver. Default `https://api.telegram.org`. */
  apiBaseUrl?: string;
  /** Per request, reading the answer included; default 10 s. */
  timeoutMs?: number;
  /** Aborts every request for good (shutdown). */
  signal?: AbortSignal;
}

const SEVERITY_ICON = { info: 'ℹ️', warning: '⚠️', critical: '🚨' } as const;

/** A Bot API `sendMessage` body: HTML text (escaped as the API requires), at most 4096 characters. */
export function telegramPayload(chatId: string, m: AlertMessage): { chat_id: string; text: string; parse_mode: 'HTML'; disable_web_page_preview: true } {
  const lines = [`${SEVERITY_ICON[m.severity]} <b>${escapeHtml(m.title)}</b>`, escapeHtml(m.text), ...m.fields.map((f) => `<b>${escapeHtml(f.name)}</b>: ${escapeHtml(f.value)}`)];
  return { chat_id: chatId, text: clipHtml(lines.join('\n')), parse_mode: 'HTML', disable_web_page_preview: true };
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Telegram's limit on a message, in characters. */
const MAX_MESSAGE_CHARS = 4096;

/**
 * Keeps the text within the limit. A cut drops the tags, so no element is left open, and never
 * splits an entity (`&am`): Telegram refuses such a message outright, and the alert is lost.
 */
function clipHtml(html: string): string {
  if (html.length <= MAX_MESSAGE_CHARS) return html;
  const plain = html.replace(/<\/?b>/g, '');
  if (plain.length <= MAX_MESSAGE_CHARS) return plain;
  return `${plain.slice(0, MAX_MESSAGE_CHARS - 1).replace(/&[a-z#0-9]*$/i, '')}…`;
}

/** Sends alerts with a Telegram bot: `POST <api>/bot<token>/sendMessage`. */
export function createTelegramSink(o: TelegramSinkOptions): AlertSink {
  const token = checkTelegramToken('alerts:telegram (keychain)', o.token);
  const chatId = checkTelegramChatId('alerts.sinks.telegram.chatId', o.chatId);
  const base = checkWebhookUrl('telegram apiBaseUrl', o.apiBaseUrl ?? 'https://api.telegram.org', 'https://api.telegram.org').replace(/\/+$/, '');
  const url = `${base}/bot${token}/sendMessage`;
  return { name: 'telegram', send: (m) => postJson(o.fetch, 'telegram', url, telegramPayload(chatId, m), { ...postOptions(o), hidden: [token] }) };
}
