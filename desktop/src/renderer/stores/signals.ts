import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { RpcError, SignalView } from '@perpscope/shared';
import { useApi } from './api.js';
import { useConnectionStore } from './connection.js';
import { statusOf, type LoadStatus } from '../lib/remote.js';

const MAX_SIGNALS = 500;

/** The signal feed: the recent list, then every `signal` event on top. */
export const useSignalsStore = defineStore('signals', () => {
  const api = useApi();
  const conn = useConnectionStore();
  const items = shallowRef<SignalView[]>([]);
  const status = ref<LoadStatus>('idle');
  const error = ref<RpcError | null>(null);

  async function load(): Promise<void> {
    status.value = 'loading';
    const res = conn.observe(await api.signals.list({ limit: 200 }));
    if (res.ok) {
      const seen = new Set(items.value.map((s) => s.id));
      const merged = [...items.value, ...res.value.signals.filter((s) => !seen.has(s.id))];
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
      items.value = [s, ...items.value].slice(0, MAX_SIGNALS);
      if (status.value !== 'ready') status.value = 'ready';
    });
    conn.onReconnect(() => void load());
    void load();
  }

  return { items, status, error, load, start };
});
