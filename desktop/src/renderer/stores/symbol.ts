import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import { TIMEFRAMES, type CandlesReplyView, type RpcError, type SymbolDetailView, type Timeframe } from '@perpscope/shared';
import { useApi } from './api.js';
import { useConnectionStore } from './connection.js';
import { statusOf, type LoadStatus } from '../lib/remote.js';
import { loadPref, oneOf, savePref } from '../lib/persist.js';
import type { ChartCandle } from '../charts/candleChart.js';

/** How much history the drawer asks for; the chart shows the last 500 and pans through the rest. */
export const HISTORY_CANDLES = 100_000;
const LIVE_POLL_MS = 2_000;
const DETAIL_POLL_MS = 3_000;

/**
 * The symbol drawer: detail (book, microstructure, evidence), the candle history and the live tail.
 * The contract has no candle event, so the open drawer polls the last two candles and hands them
 * to the chart as incremental ticks.
 */
export const useSymbolStore = defineStore('symbol', () => {
  const api = useApi();
  const conn = useConnectionStore();

  const symbol = ref<string | null>(null);
  const timeframe = ref<Timeframe>(loadPref('symbol.timeframe', '15m', oneOf(TIMEFRAMES)));
  const detail = shallowRef<SymbolDetailView | null>(null);
  const detailStatus = ref<LoadStatus>('idle');
  const detailError = ref<RpcError | null>(null);
  const history = shallowRef<CandlesReplyView | null>(null);
  const candleStatus = ref<LoadStatus>('idle');
  const candleError = ref<RpcError | null>(null);
  /** The newest candles from the live poll, oldest first; the chart applies them in order. */
  const tick = shallowRef<ChartCandle[]>([]);

  let timers: ReturnType<typeof setInterval>[] = [];
  let generation = 0;

  function stopPolling(): void {
    timers.forEach(clearInterval);
    timers = [];
  }

  async function loadDetail(gen: number): Promise<void> {
    const sym = symbol.value;
    if (!sym) return;
    const res = conn.observe(await api.symbol.inspect({ symbol: sym, timeframe: timeframe.value }));
    if (gen !== generation) return;
    if (res.ok) {
      detail.value = res.value;
      detailStatus.value = 'ready';
      detailError.value = null;
    } else {
      detailError.value = res.error;
      detailStatus.value = statusOf(res.error);
    }
  }

  async function loadHistory(gen: number): Promise<void> {
    const sym = symbol.value;
    if (!sym) return;
    candleStatus.value = 'loading';
    const res = conn.observe(await api.candles.get({ symbol: sym, timeframe: timeframe.value, limit: HISTORY_CANDLES, indicators: ['ema21', 'ema50'] }));
    if (gen !== generation) return;
    if (res.ok) {
      history.value = res.value;
      candleStatus.value = 'ready';
      candleError.value = null;
    } else {
      candleError.value = res.error;
      candleStatus.value = statusOf(res.error);
    }
  }

  async function pollLive(gen: number): Promise<void> {
    const sym = symbol.value;
    if (!sym || candleStatus.value !== 'ready') return;
    const res = conn.observe(await api.candles.get({ symbol: sym, timeframe: timeframe.value, limit: 2 }));
    if (gen !== generation || !res.ok) return;
    tick.value = res.value.candles;
  }

  function startPolling(): void {
    stopPolling();
    const gen = generation;
    timers.push(setInterval(() => void pollLive(gen), LIVE_POLL_MS));
    timers.push(setInterval(() => void loadDetail(gen), DETAIL_POLL_MS));
  }

  async function open(sym: string): Promise<void> {
    generation++;
    const gen = generation;
    symbol.value = sym;
    detail.value = null;
    history.value = null;
    tick.value = [];
    detailStatus.value = 'loading';
    candleStatus.value = 'loading';
    await Promise.all([loadDetail(gen), loadHistory(gen)]);
    if (gen === generation) startPolling();
  }

  async function setTimeframe(tf: Timeframe): Promise<void> {
    timeframe.value = tf;
    savePref('symbol.timeframe', tf);
    if (symbol.value) await open(symbol.value);
  }

  function close(): void {
    generation++;
    stopPolling();
    symbol.value = null;
  }

  return { symbol, timeframe, detail, detailStatus, detailError, history, candleStatus, candleError, tick, open, close, setTimeframe };
});
