import type { AlertSinksConfig } from './alertsConfig.js';
import type { AlertSink, FetchLike, SecretSinkName } from './sinks/alertSink.js';
import { SECRET_SINKS } from './sinks/alertSink.js';
import { createDiscordSink } from './sinks/discordSink.js';
import { checkTelegramToken, checkWebhookUrl } from './sinks/sinkConfigCheck.js';
import { createSlackSink } from './sinks/slackSink.js';
import { createTelegramSink } from './sinks/telegramSink.js';
import { createWebhookSink } from './sinks/webhookSink.js';

/**
 * Keychain "exchange" under which sink secrets are kept: account `alerts:<sink>`, the URL or bot
 * token in the `secret` field (`apiKey` holds the sink name: the entry shape needs one).
 */
export const ALERTS_SECRET_EXCHANGE = 'alerts';

/** The part of the SecretStore port the sinks need. */
export interface SinkSecretStore {
  get(ref: { exchange: string; label: string }): Promise<{ apiKey: string; secret: string } | null>;
  set(ref: { exchange: string; label: string }, secret: { apiKey: string; secret: string }): Promise<void>;
  delete(ref: { exchange: string; label: string }): Promise<boolean>;
}

export function sinkSecretRef(sink: SecretSinkName): { exchange: string; label: string } {
  return { exchange: ALERTS_SECRET_EXCHANGE, label: sink };
}

/** What each webhook URL looks like, for error messages. */
const URL_EXAMPLES: Record<Exclude<SecretSinkName, 'telegram'>, string> = {
  slack: 'https://hooks.slack.com/services/T000/B000/XXXX',
  discord: 'https://discord.com/api/webhooks/123/abc',
  webhook: 'https://example.com/hooks/perpscope',
};

/** Checks a sink secret (URL, or the Telegram bot token) and stores it in the keychain. */
export async function storeSinkSecret(store: SinkSecretStore, sink: SecretSinkName, value: string): Promise<void> {
  const field = `alerts:${sink} (keychain)`;
  const checked = sink === 'telegram' ? checkTelegramToken(field, value) : checkWebhookUrl(field, value, URL_EXAMPLES[sink]);
  await store.set(sinkSecretRef(sink), { apiKey: sink, secret: checked });
}

/** A sink that is enabled but cannot be built, and why. */
export interface SinkProblem {
  sink: string;
  message: string;
}

export interface ResolveSinksOptions {
  store: SinkSecretStore;
  config: AlertSinksConfig;
  fetch: FetchLike;
  /** Telegram Bot API root (tests point it at a local receiver). */
  telegramApiBaseUrl?: string;
  timeoutMs?: number;
  /** Aborts every request of the built sinks for good (shutdown). */
  signal?: AbortSignal;
}

/**
 * Builds every enabled sink from its keychain secret. Never throws: an enabled sink without a
 * secret, with a bad one or behind a locked keychain is returned as a problem instead.
 */
export async function resolveSinks(o: ResolveSinksOptions): Promise<{ sinks: AlertSink[]; problems: SinkProblem[] }> {
  const sinks: AlertSink[] = [];
  const problems: SinkProblem[] = [];
  for (const name of SECRET_SINKS) {
    if (!o.config[name].enabled) continue;
    try {
      const stored = await o.store.get(sinkSecretRef(name));
      if (!stored) {
        problems.push({ sink: name, message: `${name} is enabled but no ${name === 'telegram' ? 'bot token' : 'webhook URL'} is stored; run: perpscope alerts set-sink ${name}` });
        continue;
      }
      sinks.push(buildSink(name, stored.secret, o));
    } catch (e) {
      problems.push({ sink: name, message: e instanceof Error ? e.message : String(e) });
    }
  }
  return { sinks, problems };
}

function buildSink(name: SecretSinkName, secret: string, o: ResolveSinksOptions): AlertSink {
  const common = { fetch: o.fetch, ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}), ...(o.signal ? { signal: o.signal } : {}) };
  switch (name) {
    case 'slack':
      return createSlackSink({ url: secret, ...common });
    case 'discord':
      return createDiscordSink({ url: secret, ...common });
    case 'webhook':
      return createWebhookSink({ url: secret, ...common });
    case 'telegram':
      return createTelegramSink({
        token: secret,
        chatId: o.config.telegram.chatId as string,
        ...common,
        ...(o.telegramApiBaseUrl !== undefined ? { apiBaseUrl: o.telegramApiBaseUrl } : {}),
      });
  }
}
