import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import type { RankingSnapshotView, RpcError } from '@perpscope/shared';
import { useApi } from './api.js';
import { useConnectionStore } from './connection.js';
import { useWatchlistsStore } from './watchlists.js';
import { statusOf, type LoadStatus } from '../lib/remote.js';
import { viewRows, type RankSortKey, type SortDir } from '../lib/rankingView.js';
import { parseHiddenColumns, toggleColumn, type RankColumnId } from '../lib/rankColumns.js';
import { isNullableNumber, isNullableString, isString, loadPref, oneOf, savePref } from '../lib/persist.js';

const SORT_KEYS: readonly RankSortKey[] = ['rank', 'score', 'symbol', 'change24hPct', 'quoteVolume24hUsd', 'spreadBps', 'atrPct', 'fundingRate', 'manipScore', 'exchange'];

/** The live rankings snapshot plus the table's sort and filters. */
export const useRankingsStore = defineStore('rankings', () => {
  const api = useApi();
  const conn = useConnectionStore();
  const watchlists = useWatchlistsStore();

  const snapshot = shallowRef<RankingSnapshotView | null>(null);
  /**
   * Wall time (this machine's clock) the current snapshot arrived. Its own `asOfMs` is exchange
   * time, which under a sim is another day: ages shown to the user are measured on one clock.
   */
  const receivedAtMs = ref<number | null>(null);
  const status = ref<LoadStatus>('idle');
  const error = ref<RpcError | null>(null);
  const sortKey = ref<RankSortKey>(loadPref('rank.sortKey', 'rank', oneOf(SORT_KEYS)));
  const sortDir = ref<SortDir>(loadPref('rank.sortDir', 'asc', oneOf(['asc', 'desc'] as const)));
  const search = ref<string>(loadPref('rank.search', '', isString));
  const watchlist = ref<string | null>(loadPref('rank.watchlist', null, isNullableString));
  const maxManip = ref<number | null>(loadPref('rank.maxManip', null, isNullableNumber));
  const minVolumeUsd = ref<number | null>(loadPref('rank.minVolumeUsd', null, isNullableNumber));
  const minAtrPct = ref<number | null>(loadPref('rank.minAtrPct', null, isNullableNumber));
  const maxAtrPct = ref<number | null>(loadPref('rank.maxAtrPct', null, isNullableNumber));
  const hiddenColumns = ref<RankColumnId[]>(parseHiddenColumns(loadPref<unknown>('rank.hiddenColumns', [], (v): v is unknown => Array.isArray(v))));
  const selected = ref<string | null>(null);

  watch([sortKey, sortDir, search, watchlist, maxManip, minVolumeUsd, minAtrPct, maxAtrPct, hiddenColumns], () => {
    savePref('rank.sortKey', sortKey.value);
    savePref('rank.sortDir', sortDir.value);
    savePref('rank.search', search.value);
    savePref('rank.watchlist', watchlist.value);
    savePref('rank.maxManip', maxManip.value);
    savePref('rank.minVolumeUsd', minVolumeUsd.value);
    savePref('rank.minAtrPct', minAtrPct.value);
    savePref('rank.maxAtrPct', maxAtrPct.value);
    savePref('rank.hiddenColumns', hiddenColumns.value);
  });

  const watchSymbols = computed<ReadonlySet<string> | null>(() => {
    if (!watchlist.value) return null;
    const wl = watchlists.items.find((w) => w.name === watchlist.value);
    return new Set(wl?.symbols ?? []);
  });

  const rows = computed(() =>
    snapshot.value ? viewRows(snapshot.value.rows, {
            search: search.value,
            symbols: watchSymbols.value,
            maxManipScore: maxManip.value,
            minVolumeUsd: minVolumeUsd.value,
            minAtrPct: minAtrPct.value,
            maxAtrPct: maxAtrPct.value,
          }, sortKey.value, sortDir.value) : [],
  );
  const allSymbols = computed(() => snapshot.value?.rows.map((r) => r.symbol) ?? []);

  async function load(profile?: string): Promise<void> {
    if (!snapshot.value) status.value = 'loading';
    const res = conn.observe(await api.rankings.query(profile ? { profile, limit: 5000 } : { limit: 5000 }));
    if (res.ok) {
      snapshot.value = res.value;
      receivedAtMs.value = Date.now();
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
    off = api.on('ranking', (snap) => {
      conn.sawEvent();
      snapshot.value = snap;
      receivedAtMs.value = Date.now();
      status.value = 'ready';
    });
    // Rankings pushed while the link was down are lost; the current one is fetched on its return.
    conn.onReconnect(() => void load());
    void load();
  }

  function sortBy(key: RankSortKey): void {
    if (sortKey.value === key) sortDir.value = sortDir.value === 'asc' ? 'desc' : 'asc';
    else {
      sortKey.value = key;
      sortDir.value = key === 'rank' || key === 'symbol' || key === 'spreadBps' || key === 'manipScore' ? 'asc' : 'desc';
    }
  }

  function toggleColumnShown(id: RankColumnId): void {
    hiddenColumns.value = toggleColumn(hiddenColumns.value, id);
  }

  /** Moves the keyboard selection by `delta` rows within the current view. */
  function moveSelection(delta: number): void {
    const list = rows.value;
    if (!list.length) return;
    const idx = selected.value ? list.findIndex((r) => r.symbol === selected.value) : -1;
    const next = Math.min(list.length - 1, Math.max(0, idx < 0 ? 0 : idx + delta));
    selected.value = list[next]!.symbol;
  }

  return {
    snapshot, receivedAtMs, status, error, sortKey, sortDir, search, watchlist, maxManip, minVolumeUsd, minAtrPct, maxAtrPct, hiddenColumns, selected, rows, allSymbols,
    load, start, sortBy, moveSelection, toggleColumnShown,
  };
});
