import type { Readable, Writable } from 'node:stream';
import { AlertService } from '../../alerts/alertService.js';
import { resolveSinks, sinkSecretRef, storeSinkSecret, type SinkSecretStore } from '../../alerts/sinkSecrets.js';
import { SECRET_SINKS, type FetchLike, type SecretSinkName } from '../../alerts/sinks/alertSink.js';
import type { PerpscopeConfig } from '../../config/index.js';
import { InvalidInputError } from '../../core/errors.js';
import { createKeytarSecretStore } from '../../secrets/index.js';
import type { CliIo } from '../io.js';
import { loadCliConfig } from '../loadCliConfig.js';
import { promptHidden } from '../readSecretInput.js';
import type { GlobalOptions } from '../program.js';

export interface AlertsDeps {
  store?: SinkSecretStore;
  stdin?: Readable & { isTTY?: boolean };
  /** Where the hidden prompt is written on a terminal. */
  prompts?: Writable;
  fetch?: FetchLike;
  /** The loaded config (tests); by default read like every command (home, file, env, --set). */
  config?: PerpscopeConfig;
  telegramApiBaseUrl?: string;
}

/** Longest secret accepted from stdin; webhook URLs and bot tokens are far shorter. */
const MAX_SECRET_CHARS = 2_048;

function isSink(name: string): name is SecretSinkName {
  return (SECRET_SINKS as readonly string[]).includes(name);
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > MAX_SECRET_CHARS * 4) throw new InvalidInputError('alert sink secret', [{ path: '(stdin)', received: `more than ${MAX_SECRET_CHARS * 4} bytes`, expected: 'one URL or token' }]);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads one secret (URL or token): piped on stdin, or typed at a hidden prompt. Never argv. */
async function readSinkSecret(sink: SecretSinkName, input: Readable & { isTTY?: boolean }, prompts: Writable): Promise<string> {
  const what = sink === 'telegram' ? 'Telegram bot token' : `${sink} webhook URL`;
  const text = input.isTTY ? await promptHidden(input, prompts, `${what}: `) : await readAll(input);
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (lines.length !== 1) {
    throw new InvalidInputError('alert sink secret', [{ path: '(stdin)', received: `${lines.length} non-empty line(s)`, expected: `exactly one line: the ${what}` }]);
  }
  return lines[0]!;
}

/**
 * `perpscope alerts set-sink <sink>` stores a sink's URL or bot token in the OS keychain;
 * `perpscope alerts delete-sink <sink>` removes it; `perpscope alerts test` sends a test message
 * to every enabled sink and prints each result.
 */
export async function runAlerts(action: 'set-sink' | 'delete-sink' | 'test', args: { sink?: string } & GlobalOptions, io: CliIo, deps: AlertsDeps = {}): Promise<number> {
  const store = deps.store ?? createKeytarSecretStore();
  const config = deps.config ?? loadCliConfig(args, io.env, {}).config;
  if (action === 'set-sink' || action === 'delete-sink') {
    const sink = args.sink ?? '';
    if (!isSink(sink)) {
      io.err(`perpscope alerts ${action}: got ${JSON.stringify(sink)}, expected one of ${SECRET_SINKS.join(', ')}`);
      return 2;
    }
    if (action === 'delete-sink') {
      const deleted = await store.delete(sinkSecretRef(sink));
      io.out(deleted ? `deleted alerts:${sink} from the OS keychain` : `no alerts:${sink} secret was stored`);
      if (deleted && config.alerts.sinks[sink].enabled) io.err(`note: ${sink} is still enabled; set alerts.sinks.${sink}.enabled to false in config.json`);
      return 0;
    }
    const secret = await readSinkSecret(sink, deps.stdin ?? process.stdin, deps.prompts ?? process.stderr);
    await storeSinkSecret(store, sink, secret);
    io.out(`stored alerts:${sink} in the OS keychain`);
    if (!config.alerts.sinks[sink].enabled) io.err(`note: ${sink} is not enabled; set alerts.sinks.${sink}.enabled to true in config.json`);
    if (sink === 'telegram' && !config.alerts.sinks.telegram.chatId) io.err('note: set alerts.sinks.telegram.chatId in config.json (a numeric chat id or @channel)');
    return 0;
  }
  const { sinks, problems } = await resolveSinks({
    store,
    config: config.alerts.sinks,
    fetch: deps.fetch ?? (fetch as unknown as FetchLike),
    ...(deps.telegramApiBaseUrl !== undefined ? { telegramApiBaseUrl: deps.telegramApiBaseUrl } : {}),
  });
  for (const p of problems) io.err(`${p.sink}: ${p.message}`);
  if (sinks.length === 0) {
    io.err(`no alert sink is ready; enable one in config.json (alerts.sinks.<${SECRET_SINKS.join('|')}>.enabled) and store its secret with: perpscope alerts set-sink <sink>`);
    return 1;
  }
  const service = new AlertService({ rules: config.alerts.rules, sinks, nowMs: Date.now });
  const results = await service.test();
  for (const r of results) io.out(io.isTTY ? `${r.sink}: ${r.ok ? 'ok' : `FAILED: ${r.message}`}` : JSON.stringify(r));
  return problems.length === 0 && results.every((r) => r.ok) ? 0 : 1;
}
