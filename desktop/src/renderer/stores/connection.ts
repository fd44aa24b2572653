import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { isConnectionLive, type ConnectionStatus, type Result } from '@perpscope/shared';
import { useApi, useTransportKind } from './api.js';

/**
 * The link to the host as the transport observes it (socket open, heartbeats on time), not as
 * guessed from failed replies. `live` gates trading; when the link comes back, the stores that
 * registered with `onReconnect` reload what they missed while it was down.
 */
export const useConnectionStore = defineStore('connection', () => {
  const api = useApi();
  const kind = useTransportKind();
  const status = shallowRef<ConnectionStatus>(api.connection.current());
  const lastMessageMs = ref<number | null>(null);
  const lastError = ref<string | null>(null);
  const reconnectListeners = new Set<() => void>();

  const state = computed(() => status.value.state);
  const live = computed(() => isConnectionLive(status.value.state));

  // The store lives as long as the page, and so does this subscription.
  api.connection.subscribe((next) => {
    const wasDown = status.value.state === 'disconnected';
    status.value = next;
    if (next.reason) lastError.value = next.reason;
    if (wasDown && next.state === 'connected') for (const fn of [...reconnectListeners]) fn();
  });

  /** Notes a reply's time and, for a failed one, its message; the link state itself comes from the transport. */
  function observe<T>(res: Result<T>): Result<T> {
    if (res.ok) lastMessageMs.value = Date.now();
    else lastError.value = res.error.message;
    return res;
  }

  function sawEvent(): void {
    lastMessageMs.value = Date.now();
  }

  /** Runs `fn` each time the link comes back after being down; returns an unsubscribe function. */
  function onReconnect(fn: () => void): () => void {
    reconnectListeners.add(fn);
    return () => reconnectListeners.delete(fn);
  }

  return { kind, status, state, live, lastMessageMs, lastError, observe, sawEvent, onReconnect };
});
