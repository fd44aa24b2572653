/**
 * Bounded fuzz of the webhook gateway on loopback, over a real sim host:
 *   node --import tsx scripts/fuzz-webhook.ts --count 100000 [--seed 7]
 * Sends random bodies and mutations of valid alerts (wrong types, huge numbers, unicode, prototype
 * keys, truncated JSON, wrong or missing secret, unknown keys, oversize) and prints one JSON line:
 * { bodies, crashes, status, leaks, ordersFromInvalid, ... }. The run fails (exit 1) on a crash, a
 * 5xx, a leak (an invalid body answered by the order path) or an order that no valid body placed.
 * desktop/test/server/webhookFuzz.test.ts runs it at a small count.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { parseWebhookBody, secretsMatch, startHomeWebhookGateway } from '../desktop/src/gateway/index.js';
import { hostConfig, hostEngineFactory, type Host, type HostSecretStore, type OpenHostStore } from '../desktop/src/host/index.js';

const SECRET = 'fuzz-webhook-secret-0123456789';
const MAX_BODY_BYTES = 4_096;
const SIM_START_MS = Date.UTC(2025, 0, 15, 14, 0, 0);
const CONFIG = {
  sim: { symbols: 8, seed: 3, acceleration: 60, rateLimitScale: 20, startTimeMs: SIM_START_MS },
  timeframes: ['1m'],
  backfillBars: 60,
  universe: { minQuoteVolumeUsd: 0 },
  // Alerts without a size ask for more than RiskPolicy's manual cap: most valid bodies reach the
  // order path and are refused there, so the run places few orders and history can count them.
  webhook: { secret: SECRET, ratePerMinute: 1_000_000, maxBodyBytes: MAX_BODY_BYTES, notionalUsd: 1_000_000 },
};

const MUTATIONS = ['valid', 'valid', 'wrongType', 'hugeNumber', 'unicode', 'protoKey', 'truncated', 'wrongSecret', 'noSecret', 'unknownKey', 'dropRequired', 'text', 'random', 'oversize'] as const;
type Mutation = (typeof MUTATIONS)[number];

interface FuzzBody {
  text: string;
  contentType: string | null;
  headerSecret: string | null;
  mutation: Mutation;
  /** By construction the mutation makes the body invalid (whatever the parser says). */
  invalidByConstruction: boolean;
}

export interface FuzzSummary {
  bodies: number;
  seed: number;
  crashes: number;
  status: Record<string, number>;
  /** Invalid bodies: by construction or refused by the parser, or with a wrong/missing secret. */
  invalid: number;
  /** Invalid bodies answered with a status only the order path gives (200, 202, 409, 422, 502). */
  leaks: number;
  /** Invalid bodies the parser accepted (a generator/parser disagreement). */
  parserAccepted: number;
  ordersPlaced: number;
  ordersFromInvalid: number;
  elapsedMs: number;
  /** The first few 5xx, leaking or crashing bodies (status 0: the request itself failed), to reproduce them. */
  failures?: { status: number; mutation: Mutation; body: string; reply: string }[];
}

const junk = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(-1, 0, -0, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 5e-324, 'NaN', 'Infinity', '', ' ', '\u0000', '1e999'),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);
const unicodeText = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 }), fc.constantFrom('ＢＴＣＵＳＤＴ', 'BTC\u202eUSDT', '😀', 'BTC\u0000USDT', '\ud800'));
const symbolForms = fc.constantFrom('BINANCE:BTCUSDT.P', 'BTCUSDT', 'BTC/USDT', 'btc-usdt', 'ETHUSDT', 'BYBIT:ETHUSDT.P', 'eth/usdt', 'SIM001USDT', 'NOPEUSDT');
const sideWords = fc.constantFrom('buy', 'sell', 'long', 'short', 'close', 'flat', 'exit', 'BUY', 'Long');
/**
 * Valid alerts: half sized far above RiskPolicy's manual cap (refused on the order path), half at a
 * size it places, so an invalid body that leaked would show up as an order nobody accounted for.
 */
const validAlert = fc.record(
  {
    secret: fc.constant(SECRET),
    symbol: symbolForms,
    side: sideWords,
    notionalUsd: fc.constantFrom(1_000_000, 250_000, 40, 60),
    id: fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_'), minLength: 1, maxLength: 24 }),
    time: fc.constantFrom('now', 'none'),
  },
  { requiredKeys: ['secret', 'symbol', 'side'] },
);
const FIELDS = ['secret', 'symbol', 'side', 'price', 'notionalUsd', 'id', 'time'] as const;

/** An own enumerable key whatever its name (`{ __proto__: x }` in a literal would set the prototype). */
function withKey(target: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return target;
}

const bodyArb: fc.Arbitrary<FuzzBody> = fc
  .record({
    mutation: fc.constantFrom(...MUTATIONS),
    alert: validAlert,
    pick: fc.nat(1_000),
    value: junk,
    unicode: unicodeText,
    random: fc.oneof(fc.string({ maxLength: 200 }), fc.json({ maxDepth: 3 }), fc.string({ unit: 'grapheme', maxLength: 80 })),
    textTokens: fc.array(fc.oneof(symbolForms, sideWords, fc.constantFrom(`secret=${SECRET}`, 'price=65000', 'notional=abc', 'id=x', 'qty=-1', '__proto__=1', 'time=yesterday', '=', 'secret=')), { maxLength: 8 }),
    contentType: fc.constantFrom<string | null>('application/json', 'text/plain; charset=utf-8', 'text/plain', null, 'application/x-www-form-urlencoded', 'application/octet-stream'),
    viaHeader: fc.boolean(),
  })
  .map(({ mutation, alert, pick, value, unicode, random, textTokens, contentType, viaHeader }) => {
    const o: Record<string, unknown> = { ...alert, ...(alert.time === 'now' ? { time: new Date().toISOString() } : {}) };
    if (alert.time === 'none') delete o.time;
    let headerSecret: string | null = null;
    if (viaHeader && mutation === 'valid') {
      headerSecret = SECRET;
      delete o.secret;
    }
    const field = FIELDS[pick % FIELDS.length]!;
    let text: string | null = null;
    let invalidByConstruction = false;
    switch (mutation) {
      case 'valid':
        break;
      case 'wrongType':
        o[field] = value;
        break;
      case 'hugeNumber':
        o[['price', 'notionalUsd', 'time'][pick % 3]!] = [1e308, -1e308, 1e21, -5, 0, 5e-324, '1e999', Number.MAX_SAFE_INTEGER * 1e6][pick % 8];
        break;
      case 'unicode':
        o[['symbol', 'side', 'id', 'notionalUsd'][pick % 4]!] = unicode;
        break;
      case 'protoKey':
        withKey(o, ['__proto__', 'constructor', 'prototype'][pick % 3]!, { admin: true });
        invalidByConstruction = true;
        break;
      case 'truncated': {
        const full = JSON.stringify(o);
        text = full.slice(0, pick % (full.length - 1));
        invalidByConstruction = true;
        break;
      }
      case 'wrongSecret':
        o.secret = `${SECRET.slice(0, pick % SECRET.length)}x`;
        headerSecret = pick % 2 === 0 ? 'wrong-header-secret' : null;
        invalidByConstruction = true;
        break;
      case 'noSecret':
        delete o.secret;
        invalidByConstruction = true;
        break;
      case 'unknownKey':
        o[`x_${pick}`] = value;
        invalidByConstruction = true;
        break;
      case 'dropRequired':
        delete o[pick % 2 === 0 ? 'symbol' : 'side'];
        invalidByConstruction = true;
        break;
      case 'text':
        text = textTokens.join(' ');
        break;
      case 'random':
        text = random;
        break;
      case 'oversize':
        o.comment = 'x'.repeat(MAX_BODY_BYTES + (pick % 1_000));
        invalidByConstruction = true;
        break;
    }
    return { text: text ?? JSON.stringify(o), contentType, headerSecret, mutation, invalidByConstruction };
  });

/** Mutations that break the body itself: the parser must refuse every one of them. */
const SYNTAX_MUTATIONS: ReadonlySet<Mutation> = new Set(['protoKey', 'truncated', 'unknownKey', 'dropRequired']);

/** The oracle: would a correct gateway let this body reach the order path? */
function acceptable(body: FuzzBody): boolean {
  if (body.invalidByConstruction) return false;
  if (Buffer.byteLength(body.text) > MAX_BODY_BYTES) return false;
  const parsed = parseWebhookBody(body.text);
  if (!parsed.ok) return false;
  return secretsMatch(SECRET, body.headerSecret ?? parsed.signal.secret);
}

const memorySecrets: HostSecretStore = {
  set: () => Promise.resolve(),
  get: () => Promise.resolve(null),
  delete: () => Promise.resolve(false),
  list: () => Promise.resolve([]),
};

/** Statuses only the order path (or a request that passed validation) can give. */
const ORDER_PATH_STATUSES = new Set([200, 202, 409, 422, 502]);

export interface FuzzOptions {
  count: number;
  seed?: number;
  /** The sdk's `openStore` (the engine's database and the gateway's receipts). */
  openStore: OpenHostStore;
  concurrency?: number;
}

/**
 * Boots a sim host in a temporary home with the gateway on 127.0.0.1, sends `count` generated
 * bodies (fixed seed), and returns the summary. Orders are counted from the host's history.
 */
export async function runWebhookFuzz(options: FuzzOptions): Promise<FuzzSummary> {
  const seed = options.seed ?? 7;
  const home = mkdtempSync(join(tmpdir(), 'perpscope-webhook-fuzz-'));
  writeFileSync(join(home, 'config.json'), JSON.stringify(CONFIG));
  const runtime = await hostEngineFactory({ openStore: options.openStore, env: {}, orderFlowIntervalMs: 60_000 })({ home, sim: true, logger: silent });
  const { createHost } = await import('../desktop/src/host/host.js');
  const host: Host = createHost({ engine: runtime.engine, secrets: memorySecrets, ...(runtime.store ? { store: runtime.store } : {}) });
  await runtime.start();
  const gateway = await startHomeWebhookGateway({ host, home, config: hostConfig({ home, sim: true, env: {}, saved: {} }), port: 0 });
  let gatewayOpen = true;
  const closeGateway = async () => {
    if (!gatewayOpen) return;
    gatewayOpen = false;
    await gateway.close();
  };
  // A connection of its own to the home's database: orders and receipts are counted there.
  const ledger = options.openStore({ home });
  const crashes = { count: 0 };
  const onCrash = () => crashes.count++;
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  const started = Date.now();
  try {
    await waitForMarkets(host);
    const ordersBefore = orderCount(ledger);
    const status: Record<string, number> = {};
    let invalid = 0;
    let leaks = 0;
    let parserAccepted = 0;
    const failures: FuzzSummary['failures'] = [];
    const chunk = 2_000;
    const concurrency = options.concurrency ?? 16;
    for (let done = 0; done < options.count; done += chunk) {
      const bodies = fc.sample(bodyArb, { seed: seed + done, numRuns: Math.min(chunk, options.count - done) });
      let next = 0;
      const worker = async () => {
        while (next < bodies.length) {
          const body = bodies[next++]!;
          const ok = acceptable(body);
          if (!ok) invalid++;
          if (SYNTAX_MUTATIONS.has(body.mutation) && parseWebhookBody(body.text).ok) parserAccepted++;
          let code: number;
          let reply: unknown = null;
          try {
            const headers: Record<string, string> = {};
            if (body.contentType) headers['content-type'] = body.contentType;
            if (body.headerSecret) headers['x-perpscope-secret'] = body.headerSecret;
            const res = await fetch(`${gateway.url}/signal`, { method: 'POST', headers, body: body.text });
            code = res.status;
            reply = (await res.json()) as unknown;
          } catch (err) {
            crashes.count++;
            const cause = err instanceof Error ? `${err.message}${err.cause instanceof Error ? `: ${err.cause.message}` : ''}` : String(err);
            if (failures.length < 5) failures.push({ status: 0, mutation: body.mutation, body: body.text.slice(0, 300), reply: cause });
            continue;
          }
          status[code] = (status[code] ?? 0) + 1;
          const leak = !ok && ORDER_PATH_STATUSES.has(code);
          if (leak) leaks++;
          if ((leak || code >= 500) && failures.length < 5) failures.push({ status: code, mutation: body.mutation, body: body.text.slice(0, 300), reply: JSON.stringify(reply).slice(0, 300) });
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
    }
    // Closing waits for orders still in flight (202 pending) to finish and be recorded.
    await closeGateway();
    const ordersAfter = orderCount(ledger);
    const placed = ledger.webhookReceipts.recent(options.count).filter((r) => r.status === 'placed').length;
    return {
      bodies: options.count,
      seed,
      crashes: crashes.count,
      status,
      invalid,
      leaks,
      parserAccepted,
      ordersPlaced: ordersAfter - ordersBefore,
      ordersFromInvalid: ordersAfter - ordersBefore - placed,
      elapsedMs: Date.now() - started,
      ...(failures.length > 0 ? { failures } : {}),
    };
  } finally {
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    await closeGateway();
    ledger.close();
    host.close();
    await runtime.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

const silent = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silent;
  },
};

/** Paper orders of the sim venue an alert can create: market and limit (stops and take-profits come from protection). */
function orderCount(store: ReturnType<OpenHostStore>): number {
  return store.orders.listRecent('paper', 'sim', 10_000_000).filter((o) => o.type === 'market' || o.type === 'limit').length;
}

async function waitForMarkets(host: Host): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const r = await host.call('rankings.query', { limit: 100 });
    if (r.ok && r.value.rows.some((row) => row.symbol === 'BTC/USDT:USDT')) return;
    if (Date.now() > deadline) throw new Error('the sim universe did not rank BTC within 120 s');
    await new Promise((res) => setTimeout(res, 100)); // poll period while the sim warms up
  }
}

async function main(): Promise<void> {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const count = Number(arg('--count') ?? 10_000);
  const seed = Number(arg('--seed') ?? 7);
  if (!Number.isInteger(count) || count < 1) throw new Error(`--count: got ${arg('--count')}, expected a positive integer`);
  // The sdk as the desktop package resolves it (its built dist), so the script runs from the repo root.
  const sdkPath = createRequire(new URL('../desktop/package.json', import.meta.url)).resolve('@perpscope/sdk');
  const sdk = (await import(pathToFileURL(sdkPath).href)) as { openStore: OpenHostStore };
  const summary = await runWebhookFuzz({ count, seed, openStore: sdk.openStore });
  console.log(JSON.stringify(summary));
  const fiveXx = Object.keys(summary.status).some((k) => Number(k) >= 500);
  if (summary.crashes > 0 || fiveXx || summary.leaks > 0 || summary.ordersFromInvalid !== 0 || summary.parserAccepted > 0) process.exitCode = 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
