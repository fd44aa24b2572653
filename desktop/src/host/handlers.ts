import { ALERTS_SECRET_EXCHANGE } from '@perpscope/sdk';
import { ErrorCode, err, liveConfirmPhrase, ok, type MethodName, type MethodOutput, type MethodParams, type Result } from '@perpscope/shared';
import type { HostEngine, HostSecret, HostSecretStore, HostStore, MaybePromise } from './ports.js';
import { queryRanking } from './rankingQuery.js';
import { createChartHandlers } from './chartStudies.js';
import { invalidParams, notSupported, toRpcError } from './rpcErrors.js';

/** The side rule of an empty ranking (before the first cycle): momentum, nothing measured. */
const NO_SIDE_EVIDENCE = { basis: 'momentum', horizonBars: null, timeframe: null, evidence: [] } as const satisfies MethodOutput<'rankings.query'>['side'];

/** One implementation per contract command; params arrive already validated. */
export type Handlers = { [M in MethodName]: (params: MethodParams<M>) => Promise<Result<MethodOutput<M>>> };

export interface HandlerDeps {
  engine: HostEngine;
  secrets: HostSecretStore;
  store: HostStore;
}

/** Orders and fills `orders.history` returns when the caller names no limit. */
const ORDER_HISTORY_LIMIT = 100;

/** Runs a port call, turning a thrown error into an error Result. */
async function attempt<T>(fn: () => MaybePromise<T>, hidden: readonly string[] = []): Promise<Result<T>> {
  try {
    return ok(await fn());
  } catch (e) {
    const error = toRpcError(e);
    for (const h of hidden) if (h) error.message = error.message.split(h).join('[redacted]');
    // Details go only when they could hold a credential: a risk refusal's reason stays.
    if (error.details && hidden.some((h) => h && JSON.stringify(error.details).includes(h))) delete error.details;
    return { ok: false, error };
  }
}

const secretValues = (s: HostSecret) => [s.apiKey, s.secret, s.password ?? ''];
/** The armed live key's values, kept out of every trading reply (ccxt messages may carry a signed URL). */
const liveSecrets = (t: { secretsInUse?(): readonly string[] }) => t.secretsInUse?.() ?? [];

/**
 * Alert sink secrets share the keychain (`alerts:<sink>`) but are no exchange keys: the keys.* and
 * arm-live commands refuse that "exchange", so no RPC client can read, replace or delete a sink URL
 * (they are managed with `perpscope alerts set-sink` / `delete-sink`). Null when `exchange` is fine.
 */
function refuseAlertsExchange(method: MethodName, exchange: string): { ok: false; error: ReturnType<typeof invalidParams> } | null {
  if (exchange !== ALERTS_SECRET_EXCHANGE) return null;
  return {
    ok: false,
    error: invalidParams(method, [{ path: 'exchange', received: JSON.stringify(exchange), expected: `an exchange id; "${ALERTS_SECRET_EXCHANGE}" holds alert sink secrets, managed with perpscope alerts set-sink/delete-sink` }]),
  };
}

/**
 * Builds the command table over the injected ports, with `dispose` to detach what the handlers
 * listen to on the engine (the chart's flag timeline); the host calls it on close.
 */
export function createHandlers({ engine, secrets, store }: HandlerDeps): Handlers & { dispose(): void } {
  const chart = createChartHandlers(engine);
  return {
    async 'rankings.query'(p) {
      const rankings = engine.rankings;
      if (!rankings) return { ok: false, error: notSupported('rankings.query', 'ranking') };
      let watch: Set<string> | null = null;
      if (p.watchlist !== undefined) {
        const lists = store.watchlists;
        if (!lists) return { ok: false, error: notSupported('rankings.query', 'watchlist store') };
        const all = await attempt(() => lists.list());
        if (!all.ok) return all;
        const found = all.value.find((w) => w.name === p.watchlist);
        if (!found) {
          return { ok: false, error: invalidParams('rankings.query', [{ path: 'watchlist', received: JSON.stringify(p.watchlist), expected: `an existing watchlist (${all.value.map((w) => w.name).join(', ') || 'none saved'})` }]) };
        }
        watch = new Set(found.symbols);
      }
      const latest = await attempt(() => rankings.latest(p.profile));
      if (!latest.ok) return latest;
      const snapshot = latest.value ?? { asOfMs: null, profile: p.profile ?? '', side: NO_SIDE_EVIDENCE, total: 0, rows: [] };
      return ok(queryRanking(snapshot, p, watch));
    },
    async 'symbol.inspect'(p) {
      const port = engine.symbols;
      return port ? attempt(() => port.inspect(p)) : { ok: false, error: notSupported('symbol.inspect', 'symbol inspector') };
    },
    async 'candles.get'(p) {
      const port = engine.candles;
      return port ? attempt(() => port.get(p)) : { ok: false, error: notSupported('candles.get', 'candle history') };
    },
    async 'signals.list'(p) {
      const port = engine.signals;
      return port ? attempt(async () => ({ signals: await port.list(p) })) : { ok: false, error: notSupported('signals.list', 'signal engine') };
    },
    async 'trading.status'() {
      const t = engine.trading;
      return t ? attempt(() => t.status(), liveSecrets(t)) : { ok: false, error: notSupported('trading.status', 'trader') };
    },
    async 'trading.setAutotrade'(p) {
      const t = engine.trading;
      return t ? attempt(async () => ({ autotrade: await t.setAutotrade(p.enabled) }), liveSecrets(t)) : { ok: false, error: notSupported('trading.setAutotrade', 'trader') };
    },
    async 'trading.armLive'(p) {
      const t = engine.trading;
      const tester = engine.keyTester;
      if (!t?.armLive || !tester) return { ok: false, error: notSupported('trading.armLive', 'live trader') };
      const refused = refuseAlertsExchange('trading.armLive', p.exchange);
      if (refused) return refused;
      const phrase = liveConfirmPhrase(p.exchange, p.label);
      if (p.confirm !== phrase) {
        return err(ErrorCode.InvalidInput, `Live trading not armed: type "${phrase}" to confirm real orders on ${p.exchange} with the key ${p.label}`, {
          field: 'confirm',
          expected: phrase,
        });
      }
      const stored = await attempt(() => secrets.get({ exchange: p.exchange, label: p.label }));
      if (!stored.ok) return stored;
      const secret = stored.value;
      if (!secret) return err(ErrorCode.SecretNotFound, `Live trading not armed: no key is stored for ${p.exchange}:${p.label}`, { exchange: p.exchange, label: p.label });
      // The trader checks the session can be armed (one at a time, the engine's venue), then tests the key, then starts it.
      const armed = await attempt(() => t.armLive!(p.exchange, p.label, secret, () => tester.test(p.exchange, secret)), secretValues(secret));
      return armed.ok ? armed : { ok: false, error: { ...armed.error, message: `Live trading not armed: ${armed.error.message}` } };
    },
    async 'trading.disarmLive'() {
      const t = engine.trading;
      return t?.disarmLive ? attempt(() => t.disarmLive!(), liveSecrets(t)) : { ok: false, error: notSupported('trading.disarmLive', 'live trader') };
    },
    async 'trading.resumeEntries'() {
      const t = engine.trading;
      return t?.resumeEntries ? attempt(() => t.resumeEntries!(), liveSecrets(t)) : { ok: false, error: notSupported('trading.resumeEntries', 'live trader') };
    },
    async 'orders.place'(p) {
      const t = engine.trading;
      return t ? attempt(async () => ({ order: await t.placeOrder(p) }), liveSecrets(t)) : { ok: false, error: notSupported('orders.place', 'trader') };
    },
    async 'orders.cancel'(p) {
      const t = engine.trading;
      return t ? attempt(async () => ({ order: await t.cancelOrder(p.orderId) }), liveSecrets(t)) : { ok: false, error: notSupported('orders.cancel', 'trader') };
    },
    async 'orders.history'(p) {
      const t = engine.trading;
      return t ? attempt(() => t.history(p.limit ?? ORDER_HISTORY_LIMIT), liveSecrets(t)) : { ok: false, error: notSupported('orders.history', 'trader') };
    },
    async 'orders.preview'(p) {
      const t = engine.trading;
      return t?.previewOrder ? attempt(() => t.previewOrder!(p), liveSecrets(t)) : { ok: false, error: notSupported('orders.preview', 'trader') };
    },
    async 'orders.amendTrigger'(p) {
      const t = engine.trading;
      return t?.amendTrigger ? attempt(() => t.amendTrigger!(p), liveSecrets(t)) : { ok: false, error: notSupported('orders.amendTrigger', 'trader') };
    },
    async 'positions.setTrigger'(p) {
      const t = engine.trading;
      return t?.setPositionTrigger ? attempt(() => t.setPositionTrigger!(p), liveSecrets(t)) : { ok: false, error: notSupported('positions.setTrigger', 'trader') };
    },
    async 'history.list'(p) {
      const t = engine.trading;
      return t?.historyPage ? attempt(() => t.historyPage!(p), liveSecrets(t)) : { ok: false, error: notSupported('history.list', 'trader') };
    },
    async 'positions.close'(p) {
      const t = engine.trading;
      return t ? attempt(async () => ({ order: await t.closePosition(p.symbol, p.expectMode, { fraction: p.fraction, type: p.type, price: p.price }) }), liveSecrets(t)) : { ok: false, error: notSupported('positions.close', 'trader') };
    },
    async 'emergency.killSwitch'(p) {
      const t = engine.trading;
      return t ? attempt(() => t.setKillSwitch(p.active, p.reason ?? null), liveSecrets(t)) : { ok: false, error: notSupported('emergency.killSwitch', 'trader') };
    },
    async 'emergency.panic'(p) {
      const t = engine.trading;
      return t ? attempt(() => t.panic(p.symbols ?? null), liveSecrets(t)) : { ok: false, error: notSupported('emergency.panic', 'trader') };
    },
    async 'settings.get'() {
      const s = engine.settings;
      return s ? attempt(() => s.get()) : { ok: false, error: notSupported('settings.get', 'settings service') };
    },
    async 'settings.set'(p) {
      const s = engine.settings;
      return s ? attempt(() => s.set(p.values)) : { ok: false, error: notSupported('settings.set', 'settings service') };
    },
    async 'profiles.list'() {
      const s = engine.profiles;
      return s ? attempt(() => s.list()) : { ok: false, error: notSupported('profiles.list', 'ranking profiles') };
    },
    async 'profiles.apply'(p) {
      const s = engine.profiles;
      return s ? attempt(() => s.apply(p.name, p.weights ?? null)) : { ok: false, error: notSupported('profiles.apply', 'ranking profiles') };
    },
    async 'watchlists.list'() {
      const w = store.watchlists;
      return w ? attempt(async () => ({ watchlists: await w.list() })) : { ok: false, error: notSupported('watchlists.list', 'watchlist store') };
    },
    async 'watchlists.save'(p) {
      const w = store.watchlists;
      if (!w) return { ok: false, error: notSupported('watchlists.save', 'watchlist store') };
      return attempt(async () => ({ watchlist: await w.save({ name: p.name, symbols: [...new Set(p.symbols)] }) }));
    },
    async 'watchlists.delete'(p) {
      const w = store.watchlists;
      return w ? attempt(async () => ({ deleted: await w.delete(p.name) })) : { ok: false, error: notSupported('watchlists.delete', 'watchlist store') };
    },
    async 'drawings.list'(p) {
      const d = store.drawings;
      return d ? attempt(async () => ({ symbol: p.symbol, drawings: await d.list(p.symbol) })) : { ok: false, error: notSupported('drawings.list', 'drawing store') };
    },
    async 'drawings.save'(p) {
      const d = store.drawings;
      return d ? attempt(async () => ({ drawing: await d.save(p.symbol, p.drawing) })) : { ok: false, error: notSupported('drawings.save', 'drawing store') };
    },
    async 'drawings.delete'(p) {
      const d = store.drawings;
      return d ? attempt(async () => ({ deleted: await d.delete(p.symbol, p.id) })) : { ok: false, error: notSupported('drawings.delete', 'drawing store') };
    },
    async 'keys.set'(p) {
      const refused = refuseAlertsExchange('keys.set', p.exchange);
      if (refused) return refused;
      const secret: HostSecret = p.password === undefined ? { apiKey: p.apiKey, secret: p.secret } : { apiKey: p.apiKey, secret: p.secret, password: p.password };
      const ref = { exchange: p.exchange, label: p.label };
      return attempt(async () => {
        await secrets.set(ref, secret);
        return ref;
      }, secretValues(secret));
    },
    async 'keys.list'() {
      // Alert sink secrets share the keychain (`alerts:<sink>`) but are no exchange keys: the Keys view never lists them.
      return attempt(async () => ({ keys: (await secrets.list()).filter((r) => r.exchange !== ALERTS_SECRET_EXCHANGE).map((r) => ({ exchange: r.exchange, label: r.label })) }));
    },
    async 'keys.delete'(p) {
      const refused = refuseAlertsExchange('keys.delete', p.exchange);
      if (refused) return refused;
      return attempt(async () => ({ deleted: await secrets.delete({ exchange: p.exchange, label: p.label }) }));
    },
    async 'keys.test'(p) {
      const tester = engine.keyTester;
      if (!tester) return { ok: false, error: notSupported('keys.test', 'key tester') };
      const notAKey = refuseAlertsExchange('keys.test', p.exchange);
      if (notAKey) return notAKey;
      const stored = await attempt(() => secrets.get({ exchange: p.exchange, label: p.label }));
      if (!stored.ok) return stored;
      const secret = stored.value;
      if (!secret) return err(ErrorCode.SecretNotFound, `No key is stored for ${p.exchange}:${p.label}`, { exchange: p.exchange, label: p.label });
      const tested = await attempt(() => tester.test(p.exchange, secret), secretValues(secret));
      if (tested.ok) return ok({ exchange: p.exchange, label: p.label, authenticated: true, latencyMs: tested.value.latencyMs, message: tested.value.message });
      const refused: string[] = [ErrorCode.AuthenticationFailed, ErrorCode.PermissionDenied, ErrorCode.AccountSuspended];
      if (refused.includes(tested.error.code)) {
        return ok({ exchange: p.exchange, label: p.label, authenticated: false, latencyMs: null, message: tested.error.message });
      }
      return tested;
    },
    async 'alerts.test'() {
      const a = engine.alerts;
      return a ? attempt(() => a.test()) : { ok: false, error: notSupported('alerts.test', 'alert sinks') };
    },
    async 'health.get'() {
      const h = engine.health;
      return h ? attempt(() => h.get()) : { ok: false, error: notSupported('health.get', 'health monitor') };
    },
    async 'backtest.datasets'() {
      const b = engine.backtest;
      return b ? attempt(() => b.datasets()) : { ok: false, error: notSupported('backtest.datasets', 'backtester') };
    },
    async 'backtest.start'(p) {
      const b = engine.backtest;
      return b ? attempt(() => b.start(p)) : { ok: false, error: notSupported('backtest.start', 'backtester') };
    },
    async 'backtest.cancel'(p) {
      const b = engine.backtest;
      return b ? attempt(() => ({ cancelled: b.cancel(p.runId) })) : { ok: false, error: notSupported('backtest.cancel', 'backtester') };
    },
    async 'backtest.list'(p) {
      const b = engine.backtest;
      return b ? attempt(() => b.list(p.limit ?? 100)) : { ok: false, error: notSupported('backtest.list', 'backtester') };
    },
    async 'backtest.get'(p) {
      const b = engine.backtest;
      return b ? attempt(() => b.get(p.id)) : { ok: false, error: notSupported('backtest.get', 'backtester') };
    },
    async 'backtest.bars'(p) {
      const b = engine.backtest;
      return b ? attempt(() => b.bars(p)) : { ok: false, error: notSupported('backtest.bars', 'backtester') };
    },
    async 'backtest.report'(p) {
      const b = engine.backtest;
      return b ? attempt(() => b.report(p.id, p.kind)) : { ok: false, error: notSupported('backtest.report', 'backtester') };
    },
    ...chart.handlers,
    dispose: chart.dispose,
  };
}
