import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { RpcError, WatchlistView } from '@perpscope/shared';
import { useApi } from './api.js';
import { useConnectionStore } from './connection.js';
import { statusOf, type LoadStatus } from '../lib/remote.js';

/** Named symbol lists, stored by the host. */
export const useWatchlistsStore = defineStore('watchlists', () => {
  const api = useApi();
  const conn = useConnectionStore();
  const items = ref<WatchlistView[]>([]);
  const status = ref<LoadStatus>('idle');
  const error = ref<RpcError | null>(null);

  async function load(): Promise<void> {
    status.value = 'loading';
    const res = conn.observe(await api.watchlists.list({}));
    if (res.ok) {
      items.value = res.value.watchlists;
      status.value = 'ready';
      error.value = null;
    } else {
      error.value = res.error;
      status.value = statusOf(res.error);
    }
  }

  /** Saves a list; returns the host's error, if any, for inline display. */
  async function save(name: string, symbols: string[]): Promise<RpcError | null> {
    const res = conn.observe(await api.watchlists.save({ name, symbols }));
    if (!res.ok) return res.error;
    const saved = res.value.watchlist;
    const i = items.value.findIndex((w) => w.name === saved.name);
    if (i >= 0) items.value.splice(i, 1, saved);
    else items.value.push(saved);
    return null;
  }

  async function remove(name: string): Promise<RpcError | null> {
    const res = conn.observe(await api.watchlists.delete({ name }));
    if (!res.ok) return res.error;
    items.value = items.value.filter((w) => w.name !== name);
    return null;
  }

  /** Adds or removes one symbol from a list (creating the list when needed). */
  async function toggle(name: string, symbol: string): Promise<RpcError | null> {
    const wl = items.value.find((w) => w.name === name);
    const symbols = wl ? (wl.symbols.includes(symbol) ? wl.symbols.filter((s) => s !== symbol) : [...wl.symbols, symbol]) : [symbol];
    return save(name, symbols);
  }

  return { items, status, error, load, save, remove, toggle };
});
