import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { FillView, HistoryPageView, KillSwitchStateView, MethodInput, OrderPreviewView, OrderView, PanicReportView, PlaceOrderInput, PositionView, Result, RpcError, TradingStatusView } from '@perpscope/shared';
import { isNetworkFailure, useApi } from './api.js';
import { useConnectionStore } from './connection.js';
import { statusOf, type LoadStatus } from '../lib/remote.js';
import { trailingSingleFlight } from '../lib/trailingSingleFlight.js';

const STATUS_POLL_MS = 2_000;
const MAX_RECENT = 100;
const WORKING: ReadonlySet<OrderView['status']> = new Set(['pending', 'open', 'partially_filled']);

/** Account, positions, orders and the emergency controls. */
export const useTradingStore = defineStore('trading', () => {
  const api = useApi();
  const conn = useConnectionStore();

  const status = shallowRef<TradingStatusView | null>(null);
  const loadStatus = ref<LoadStatus>('idle');
  const error = ref<RpcError | null>(null);
  const positions = shallowRef<PositionView[]>([]);
  const orders = shallowRef<OrderView[]>([]);
  /** The order history, newest first, including rejected ones: the store's on start, then every change. */
  const recentOrders = shallowRef<OrderView[]>([]);
  const fills = shallowRef<FillView[]>([]);
  const historyError = ref<RpcError | null>(null);

  const mode = computed(() => status.value?.mode ?? null);
  const killSwitch = computed<KillSwitchStateView | null>(() => status.value?.killSwitch ?? null);
  const account = computed(() => status.value?.account ?? null);
  const unrealizedUsd = computed(() => positions.value.reduce((s, p) => s + p.unrealizedPnlUsd, 0));

  function applyStatus(s: TradingStatusView): void {
    status.value = s;
    positions.value = s.positions.filter((p) => p.status === 'open');
    orders.value = s.orders;
    loadStatus.value = 'ready';
    error.value = null;
  }

  // One status read at a time: on a slow exchange (or machine) a poll that outlasts its interval
  // would otherwise stack reads in the exchange's rate limit ahead of the trader's own orders. A
  // refresh asked for meanwhile (after an order, say) runs once when the current one returns, so
  // it still sees what the command changed.
  const statusReads = trailingSingleFlight(() => readStatus());
  const refresh = (): Promise<void> => statusReads.run();

  async function readStatus(): Promise<void> {
    if (!status.value) loadStatus.value = 'loading';
    const res = conn.observe(await api.trading.status({}));
    if (res.ok) applyStatus(res.value);
    // A dropped connection keeps the last known state on screen; the header shows the link is down.
    else if (!(status.value && isNetworkFailure(res))) {
      error.value = res.error;
      loadStatus.value = statusOf(res.error);
    }
  }

  function rememberOrder(o: OrderView): void {
    recentOrders.value = [o, ...recentOrders.value.filter((x) => x.id !== o.id)].slice(0, MAX_RECENT);
    const others = orders.value.filter((x) => x.id !== o.id);
    orders.value = WORKING.has(o.status) ? [o, ...others] : others;
  }

  /** Adds the stored history behind what the app already saw; a newer copy of an item wins. */
  function mergeHistory<T extends { id: string }>(seen: readonly T[], stored: readonly T[]): T[] {
    const ids = new Set(seen.map((x) => x.id));
    return [...seen, ...stored.filter((x) => !ids.has(x.id))].slice(0, MAX_RECENT);
  }

  async function loadHistory(): Promise<void> {
    const res = conn.observe(await api.orders.history({ limit: MAX_RECENT }));
    if (!res.ok) {
      historyError.value = res.error;
      return;
    }
    historyError.value = null;
    recentOrders.value = mergeHistory(recentOrders.value, res.value.orders);
    fills.value = mergeHistory(fills.value, res.value.fills);
  }

  function applyPosition(p: PositionView): void {
    const others = positions.value.filter((x) => x.symbol !== p.symbol);
    positions.value = p.status === 'open' ? [...others, p].sort((a, b) => a.openedAtMs - b.openedAtMs) : others;
  }

  let timer: ReturnType<typeof setInterval> | null = null;
  function start(): void {
    if (timer) return;
    // Subscriptions live as long as the page; the store is never torn down.
    api.on('order', (o) => {
      conn.sawEvent();
      rememberOrder(o);
    });
    api.on('fill', (f) => {
      conn.sawEvent();
      fills.value = [f, ...fills.value].slice(0, MAX_RECENT);
    });
    api.on('position', (p) => {
      conn.sawEvent();
      applyPosition(p);
    });
    conn.onReconnect(() => {
      void refresh();
      void loadHistory();
    });
    void refresh();
    void loadHistory();
    // A poll due while a read is under way is skipped rather than queued.
    timer = setInterval(() => {
      if (!statusReads.busy()) void refresh();
    }, STATUS_POLL_MS);
  }

  /** Places a manual order; a rejected order comes back as an error carrying the host's reason. */
  async function placeOrder(input: PlaceOrderInput): Promise<{ order: OrderView | null; error: RpcError | null }> {
    const res = conn.observe(await api.orders.place(input));
    if (!res.ok) return { order: null, error: res.error };
    rememberOrder(res.value.order);
    void refresh();
    return { order: res.value.order, error: null };
  }

  async function cancelOrder(orderId: string): Promise<RpcError | null> {
    const res = conn.observe(await api.orders.cancel({ orderId }));
    if (!res.ok) return res.error;
    rememberOrder(res.value.order);
    void refresh();
    return null;
  }

  /** Closes the position reduce-only: all of it at market, or `close.fraction` of it and/or at a limit `close.price`. */
  async function closePosition(symbol: string, close: Pick<MethodInput<'positions.close'>, 'fraction' | 'type' | 'price'> = {}): Promise<RpcError | null> {
    const res = conn.observe(await api.positions.close({ symbol, ...close }));
    if (!res.ok) return res.error;
    rememberOrder(res.value.order);
    void refresh();
    return null;
  }

  /** Prices a ticket without sending it; the symbol may be spelled any way the host resolves. */
  async function previewOrder(input: MethodInput<'orders.preview'>): Promise<Result<OrderPreviewView>> {
    return conn.observe(await api.orders.preview(input));
  }

  /** Moves a working stop-loss or take-profit; the host places the new trigger, then cancels the old. */
  async function amendTrigger(orderId: string, triggerPrice: number): Promise<RpcError | null> {
    const res = conn.observe(await api.orders.amendTrigger({ orderId, triggerPrice, ...(mode.value ? { expectMode: mode.value } : {}) }));
    if (!res.ok) return res.error;
    rememberOrder(res.value.replaced);
    rememberOrder(res.value.order);
    void refresh();
    return null;
  }

  /** Sets a position's stop-loss or take-profit: a working one is moved, a missing one placed (through RiskPolicy). */
  async function setPositionTrigger(symbol: string, kind: 'sl' | 'tp', triggerPrice: number): Promise<RpcError | null> {
    const res = conn.observe(await api.positions.setTrigger({ symbol, kind, triggerPrice, ...(mode.value ? { expectMode: mode.value } : {}) }));
    if (!res.ok) return res.error;
    if (res.value.replaced) rememberOrder(res.value.replaced);
    rememberOrder(res.value.order);
    void refresh();
    return null;
  }

  /** One page of the stored trade history (fills and funding), newest first. */
  async function historyPage(offset: number, limit: number): Promise<Result<HistoryPageView>> {
    return conn.observe(await api.history.list({ offset, limit }));
  }

  async function setAutotrade(enabled: boolean): Promise<RpcError | null> {
    const res = conn.observe(await api.trading.setAutotrade({ enabled }));
    if (!res.ok) return res.error;
    void refresh();
    return null;
  }

  async function setKillSwitch(active: boolean, reason?: string): Promise<RpcError | null> {
    const res = conn.observe(await api.emergency.killSwitch(reason ? { active, reason } : { active }));
    if (!res.ok) return res.error;
    if (status.value) status.value = { ...status.value, killSwitch: res.value };
    void refresh();
    return null;
  }

  /** After arming or disarming: the new mode's status, and its own ledger's history in place of the one left. */
  function switchedMode(res: Result<TradingStatusView>): RpcError | null {
    if (!res.ok) return res.error;
    applyStatus(res.value);
    recentOrders.value = [];
    fills.value = [];
    void loadHistory();
    return null;
  }

  /** Arms live trading with a stored key; `confirm` is the phrase the trader typed. */
  async function armLive(exchange: string, label: string, confirm: string): Promise<RpcError | null> {
    return switchedMode(conn.observe(await api.trading.armLive({ exchange, label, confirm })));
  }

  /** Back to paper in one step. */
  async function disarmLive(): Promise<RpcError | null> {
    return switchedMode(conn.observe(await api.trading.disarmLive({})));
  }

  /** Lifts the live broker's error-burst halt of new entries; the host records it. */
  async function resumeEntries(): Promise<RpcError | null> {
    const res = conn.observe(await api.trading.resumeEntries({}));
    if (!res.ok) return res.error;
    applyStatus(res.value);
    return null;
  }

  async function panic(): Promise<{ report: PanicReportView | null; error: RpcError | null }> {
    const res = conn.observe(await api.emergency.panic({ confirm: true }));
    void refresh();
    return res.ok ? { report: res.value, error: null } : { report: null, error: res.error };
  }

  return {
    status, loadStatus, error, positions, orders, recentOrders, fills, historyError, mode, killSwitch, account, unrealizedUsd,
    start, refresh, loadHistory, placeOrder, previewOrder, amendTrigger, setPositionTrigger, historyPage, cancelOrder, closePosition, setAutotrade, setKillSwitch, panic, armLive, disarmLive, resumeEntries,
  };
});
