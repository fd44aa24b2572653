import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import type { RpcError, SignalView } from '@perpscope/shared';
import { useApi } from './api.js';
import { useConnectionStore } from './connection.js';
import { statusOf, type LoadStatus } from '../lib/remote.js';
import { isNullableString, loadPref, oneOf, savePref } from '../lib/persist.js';
import { SIGNAL_SORT_KEYS, signalFacets, viewSignals, type SignalSortKey } from '../lib/signalView.js';

const MAX_SIGNALS = 500;

/** The signal feed: the recent list, then every `signal` event on top, with the view's filters and sort. */
export const useSignalsStore = defineStore('signals', () => {
  const api = useApi();
  const conn = useConnectionStore();
  const items = shallowRef<SignalView[]>([]);
  const status = ref<LoadStatus>('idle');
  const error = ref<RpcError | null>(null);

  const strategy = ref<string | null>(loadPref('signals.strategy', null, isNullableString));
  const side = ref<'long' | 'short' | null>(loadPref('signals.side', null, (v): v is 'long' | 'short' | null => v === null || v === 'long' || v === 'short'));
  const timeframe = ref<string | null>(loadPref('signals.timeframe', null, isNullableString));
  const sortKey = ref<SignalSortKey>(loadPref('signals.sortKey', 'time', oneOf(SIGNAL_SORT_KEYS)));
  const sortDir = ref<'asc' | 'desc'>(loadPref('signals.sortDir', 'desc', oneOf(['asc', 'desc'] as const)));
  watch([strategy, side, timeframe, sortKey, sortDir], () => {
    savePref('signals.strategy', strategy.value);
    savePref('signals.side', side.value);
    savePref('signals.timeframe', timeframe.value);
    savePref('signals.sortKey', sortKey.value);
    savePref('signals.sortDir', sortDir.value);
  });

  const facets = computed(() => signalFacets(items.value));
  const rows = computed(() => viewSignals(items.value, { strategy: strategy.value, side: side.value, timeframe: timeframe.value }, sortKey.value, sortDir.value));

  function sortBy(key: SignalSortKey): void {
    if (sortKey.value === key) sortDir.value = sortDir.value === 'asc' ? 'desc' : 'asc';
    else {
      sortKey.value = key;
      sortDir.value = key === 'symbol' ? 'asc' : 'desc';
    }
  }

  /** Fetches the recent list; a listed signal replaces the one held, so outcomes resolved since show. */
  async function load(): Promise<void> {
    if (status.value !== 'ready') status.value = 'loading';
    const res = conn.observe(await api.signals.list({ limit: 200 }));
    if (res.ok) {
      const fresh = new Map(res.value.signals.map((s) => [s.id, s]));
      const merged = [...res.value.signals, ...items.value.filter((s) => !fresh.has(s.id))];
      items.value = merged.sort((a, b) => b.createdAtMs - a.createdAtMs).slice(0, MAX_SIGNALS);
      status.value = 'ready';
      error.value = null;
    } else {
      error.value = res.error;
      status.value = statusOf(res.error);
    }
  }

  let off: (() => void) | null = null;
  function start(): void {
    if (off) return;
    off = api.on('signal', (s) => {
      conn.sawEvent();
      if (items.value.some((x) => x.id === s.id)) return;
      // A signal just emitted is unresolved; the event carries no outcome, the listed ones do when the host reports them.
      const reports = s.outcome === undefined && items.value.some((x) => x.outcome !== undefined);
      items.value = [reports ? { ...s, outcome: 'open' as const } : s, ...items.value].slice(0, MAX_SIGNALS);
      if (status.value !== 'ready') status.value = 'ready';
    });
    conn.onReconnect(() => void load());
    void load();
  }

  return { items, status, error, strategy, side, timeframe, sortKey, sortDir, facets, rows, sortBy, load, start };
});
