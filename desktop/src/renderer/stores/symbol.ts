import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import { TIMEFRAMES, timeframeMs, type BacktestTradeView, type CandlesReplyView, type RpcError, type SymbolDetailView, type Timeframe } from '@perpscope/shared';
import { isNetworkFailure, useApi } from './api.js';
import { useConnectionStore } from './connection.js';
import { statusOf, type LoadStatus } from '../lib/remote.js';
import { loadPref, oneOf, savePref } from '../lib/persist.js';
import type { ChartCandle } from '../charts/candleChart.js';

/** How much history the drawer asks for; the chart shows the last 500 and pans through the rest. */
export const HISTORY_CANDLES = 100_000;
const LIVE_POLL_MS = 2_000;
const DETAIL_POLL_MS = 3_000;
/** Bars shown before a backtest trade's entry and after its exit. */
const REPLAY_BARS_BEFORE = 120;
const REPLAY_BARS_AFTER = 60;

/** A backtest trade the drawer shows instead of the live chart: the run's recorded bars around it. */
export interface DrawerReplay {
  runId: string;
  timeframe: Timeframe;
  trade: BacktestTradeView;
}

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
  /** Set while the drawer shows a backtest trade (no live polling then). */
  const replay = shallowRef<DrawerReplay | null>(null);

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
    } else if (!(detail.value && isNetworkFailure(res))) {
      // A dropped connection keeps the last detail on screen, greyed out by the shell.
      detailError.value = res.error;
      detailStatus.value = statusOf(res.error);
    }
  }

  /** The chart's candles from a history read, or the read's error and the status it means. */
  function showHistory(res: Awaited<ReturnType<typeof api.candles.get>> | Awaited<ReturnType<typeof api.backtest.bars>>): void {
    if (res.ok) {
      history.value = res.value;
      candleStatus.value = 'ready';
      candleError.value = null;
    } else {
      candleError.value = res.error;
      candleStatus.value = statusOf(res.error);
    }
  }

  async function loadHistory(gen: number): Promise<void> {
    const sym = symbol.value;
    if (!sym) return;
    candleStatus.value = 'loading';
    const res = conn.observe(await api.candles.get({ symbol: sym, timeframe: timeframe.value, limit: HISTORY_CANDLES, indicators: ['ema21', 'ema50'] }));
    if (gen !== generation) return;
    showHistory(res);
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
    replay.value = null;
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
    replay.value = null;
  }

  /**
   * Opens the drawer on a backtest trade: the recorded bars of its run around the trade (the live
   * history holds no bars of a past dataset), plus the symbol's live detail.
   */
  async function openBacktestTrade(runId: string, tf: Timeframe, trade: BacktestTradeView): Promise<void> {
    generation++;
    const gen = generation;
    stopPolling();
    symbol.value = trade.symbol;
    replay.value = { runId, timeframe: tf, trade };
    detail.value = null;
    history.value = null;
    tick.value = [];
    detailStatus.value = 'loading';
    candleStatus.value = 'loading';
    const tfMs = timeframeMs(tf);
    const [res] = await Promise.all([
      api.backtest.bars({ id: runId, symbol: trade.symbol, fromMs: trade.openedAtMs - REPLAY_BARS_BEFORE * tfMs, toMs: trade.closedAtMs + REPLAY_BARS_AFTER * tfMs }),
      loadDetail(gen),
    ]);
    conn.observe(res);
    if (gen !== generation) return;
    showHistory(res);
  }

  return { symbol, timeframe, detail, detailStatus, detailError, history, candleStatus, candleError, tick, replay, open, close, setTimeframe, openBacktestTrade };
});
