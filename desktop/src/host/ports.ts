import type {
  AlertTestReportView,
  CandlesReplyView,
  DrawingView,
  EventData,
  EventName,
  FillView,
  HealthView,
  KillSwitchStateView,
  MethodOutput,
  MethodParams,
  OrderView,
  PanicReportView,
  ProfilesView,
  RankingSnapshotView,
  SettingsView,
  SignalView,
  SymbolDetailView,
  TradingModeView,
  TradingStatusView,
  WatchlistView,
} from '@perpscope/shared';
import type { BacktestPort } from './backtest/backtestService.js';

export type { BacktestPort } from './backtest/backtestService.js';

/**
 * The narrow ports the host needs from the engine, stated in contract (view) terms. The composition
 * root adapts the real Engine onto them. A capability the engine does not offer is left undefined
 * and its commands reply NOT_SUPPORTED; nothing is ever faked. Methods may throw PerpscopeError
 * (its code and message reach the UI) and may be sync or async.
 */
export type MaybePromise<T> = T | Promise<T>;

/** One engine event, already mapped to its contract view. */
export type HostEvent = { [E in EventName]: { event: E; data: EventData<E> } }[EventName];

export interface HostEventSource {
  /** Returns an unsubscribe function. */
  subscribe(listener: (event: HostEvent) => void): () => void;
}

export interface RankingPort {
  /** The last finished cycle for a profile (the active one when omitted), all rows; null before the first. */
  latest(profile?: string): MaybePromise<RankingSnapshotView | null>;
}

export interface SymbolPort {
  inspect(params: MethodParams<'symbol.inspect'>): MaybePromise<SymbolDetailView>;
}

export interface CandlePort {
  get(params: MethodParams<'candles.get'>): MaybePromise<CandlesReplyView>;
}

export interface SignalPort {
  list(params: MethodParams<'signals.list'>): MaybePromise<SignalView[]>;
}

export interface TradingPort {
  status(): MaybePromise<TradingStatusView>;
  /** Whether the auto-trader is on, from memory: no exchange read, unlike `status()`. */
  isAutotrade?(): boolean;
  setAutotrade(enabled: boolean): MaybePromise<boolean>;
  /** Goes through RiskPolicy; a refusal throws RiskRejectedError (or KILL_SWITCH_ACTIVE) with its reason. */
  placeOrder(params: MethodParams<'orders.place'>): MaybePromise<OrderView>;
  cancelOrder(orderId: string): MaybePromise<OrderView>;
  /** The newest `limit` orders (every state) and fills from the store, newest first. */
  history(limit: number): MaybePromise<{ orders: OrderView[]; fills: FillView[] }>;
  /** Prices a ticket without sending it (`orders.preview`); absent: not offered. */
  previewOrder?(params: MethodParams<'orders.preview'>): MaybePromise<MethodOutput<'orders.preview'>>;
  /** Moves a working stop-loss or take-profit through RiskPolicy (`orders.amendTrigger`); absent: not offered. */
  amendTrigger?(params: MethodParams<'orders.amendTrigger'>): MaybePromise<MethodOutput<'orders.amendTrigger'>>;
  /** Sets an open position's SL or TP through RiskPolicy (`positions.setTrigger`); absent: not offered. */
  setPositionTrigger?(params: MethodParams<'positions.setTrigger'>): MaybePromise<MethodOutput<'positions.setTrigger'>>;
  /** A page of fills and funding with PnL, source and exit reason (`history.list`); absent: not offered. */
  historyPage?(params: MethodParams<'history.list'>): MaybePromise<MethodOutput<'history.list'>>;
  /**
   * Closes the position reduce-only (all of it, or `close.fraction` of it, at market or as a resting
   * limit); returns the closing order. `expectMode`: as in `positions.close`.
   */
  closePosition(symbol: string, expectMode?: TradingModeView, close?: Pick<MethodParams<'positions.close'>, 'fraction' | 'type' | 'price'>): MaybePromise<OrderView>;
  setKillSwitch(active: boolean, reason: string | null): MaybePromise<KillSwitchStateView>;
  panic(symbols: string[] | null): MaybePromise<PanicReportView>;
  /** Arms live trading with a key the host read from the keychain and tested; absent: not offered. */
  armLive?(exchange: string, label: string, secret: HostSecret, testKey: () => Promise<unknown>): Promise<TradingStatusView>;
  disarmLive?(): Promise<TradingStatusView>;
  /** Lifts an error-burst halt of new entries on the live session; throws when there is none. */
  resumeEntries?(): Promise<TradingStatusView>;
  /** Credential values of the armed live key, masked in every reply; empty on paper. */
  secretsInUse?(): readonly string[];
}

export interface SettingsPort {
  get(): MaybePromise<SettingsView>;
  /** Applies and persists; invalid values throw InvalidInputError listing each bad path. */
  set(values: MethodParams<'settings.set'>['values']): MaybePromise<SettingsView>;
}

export interface ProfilesPort {
  list(): MaybePromise<ProfilesView>;
  /** Makes `name` active (hot), optionally saving edited weights first. */
  apply(name: string, weights: Record<string, number> | null): MaybePromise<ProfilesView>;
}

export interface HealthPort {
  get(): MaybePromise<HealthView>;
}

/** Checks credentials against the exchange (a private read such as the balance). */
export interface KeyTester {
  test(exchange: string, secret: HostSecret): Promise<{ latencyMs: number | null; message: string }>;
}

/** Alert sinks (Slack, Discord, Telegram, webhook, OS notifications), as the shell wired them. */
export interface AlertsPort {
  /** Sends a test message to every enabled sink, secrets read afresh from the keychain; never throws for a failing sink. */
  test(): Promise<AlertTestReportView>;
}

/** Everything the host can reach in the engine. */
export interface HostEngine {
  events: HostEventSource;
  rankings?: RankingPort;
  symbols?: SymbolPort;
  candles?: CandlePort;
  signals?: SignalPort;
  trading?: TradingPort;
  settings?: SettingsPort;
  profiles?: ProfilesPort;
  health?: HealthPort;
  keyTester?: KeyTester;
  /** Backtests over recorded data (one run at a time, progress as `backtest.progress` events). */
  backtest?: BacktestPort;
  /** Alert delivery; wired by the shells (`perpscope serve`, the desktop app) next to the engine. */
  alerts?: AlertsPort;
}

/** Watchlist persistence (the SQLite store's watchlist repository). */
export interface WatchlistStore {
  list(): MaybePromise<WatchlistView[]>;
  /** Creates or replaces by name. */
  save(watchlist: WatchlistView): MaybePromise<WatchlistView>;
  delete(name: string): MaybePromise<boolean>;
}

/** Chart drawings per symbol (the SQLite store's drawings table). */
export interface DrawingStore {
  /** Oldest first. */
  list(symbol: string): MaybePromise<DrawingView[]>;
  /** Creates or replaces by id. */
  save(symbol: string, drawing: DrawingView): MaybePromise<DrawingView>;
  delete(symbol: string, id: string): MaybePromise<boolean>;
}

/** The store pieces the host uses directly. */
export interface HostStore {
  watchlists?: WatchlistStore;
  drawings?: DrawingStore;
}

/** Credentials as the keychain holds them; only the host ever sees them. */
export interface HostSecret {
  apiKey: string;
  secret: string;
  password?: string;
}

/** The SecretStore port of `@perpscope/sdk` (keytar adapter), as the host uses it. */
export interface HostSecretStore {
  set(ref: { exchange: string; label: string }, secret: HostSecret): Promise<void>;
  get(ref: { exchange: string; label: string }): Promise<HostSecret | null>;
  delete(ref: { exchange: string; label: string }): Promise<boolean>;
  list(exchange?: string): Promise<{ exchange: string; label: string }[]>;
}
