import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { AlertView, HealthView, RpcError } from '@perpscope/shared';
import { isNetworkFailure, useApi } from './api.js';
import { useConnectionStore } from './connection.js';
import { statusOf, type LoadStatus } from '../lib/remote.js';

const HEALTH_POLL_MS = 5_000;
const MAX_ALERTS = 200;

/** Engine and exchange health, plus the alert log. */
export const useHealthStore = defineStore('health', () => {
  const api = useApi();
  const conn = useConnectionStore();
  const health = shallowRef<HealthView | null>(null);
  const status = ref<LoadStatus>('idle');
  const error = ref<RpcError | null>(null);
  const alerts = shallowRef<AlertView[]>([]);
  /** Wall time at which the last health snapshot arrived, to show its age. */
  const receivedAtMs = ref<number | null>(null);

  async function load(): Promise<void> {
    if (!health.value) status.value = 'loading';
    const res = conn.observe(await api.health.get({}));
    if (res.ok) {
      health.value = res.value;
      receivedAtMs.value = Date.now();
      status.value = 'ready';
      error.value = null;
    } else if (!(health.value && isNetworkFailure(res))) {
      // A dropped connection keeps the last snapshot on screen; its age shows how stale it is.
      error.value = res.error;
      status.value = statusOf(res.error);
    }
  }

  let timer: ReturnType<typeof setInterval> | null = null;
  function start(): void {
    if (timer) return;
    // Subscriptions live as long as the page; the store is never torn down.
    api.on('health', (h) => {
      conn.sawEvent();
      health.value = h;
      receivedAtMs.value = Date.now();
      status.value = 'ready';
    });
    api.on('alert', (a) => {
      conn.sawEvent();
      alerts.value = [a, ...alerts.value].slice(0, MAX_ALERTS);
    });
    conn.onReconnect(() => void load());
    void load();
    timer = setInterval(() => void load(), HEALTH_POLL_MS);
  }

  return { health, status, error, alerts, receivedAtMs, load, start };
});
