import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { Result } from '@perpscope/shared';
import { isNetworkFailure, useTransportKind } from './api.js';

/** Whether the host answers, judged from the replies and events the app sees. */
export const useConnectionStore = defineStore('connection', () => {
  const kind = useTransportKind();
  const state = ref<'connecting' | 'connected' | 'disconnected'>('connecting');
  const lastMessageMs = ref<number | null>(null);
  const lastError = ref<string | null>(null);

  function observe<T>(res: Result<T>): Result<T> {
    if (isNetworkFailure(res)) {
      state.value = 'disconnected';
      lastError.value = res.ok ? null : res.error.message;
    } else {
      state.value = 'connected';
      lastMessageMs.value = Date.now();
    }
    return res;
  }

  function sawEvent(): void {
    state.value = 'connected';
    lastMessageMs.value = Date.now();
  }

  return { kind, state, lastMessageMs, lastError, observe, sawEvent };
});
