import { defineStore } from 'pinia';
import { computed, shallowRef } from 'vue';
import type { WarmUpView } from '@perpscope/shared';
import { useApi } from './api.js';
import { useConnectionStore } from './connection.js';
import { warmUpLabel } from '../lib/warmUp.js';

/**
 * The engine's warm start as its `warmup.progress` pushes tell it: symbols fetched and ranked so
 * far, the timeframes, the time left. A page that connects after the warm-up hears nothing and
 * shows nothing; one that connects during it hears the next batch.
 */
export const useWarmUpStore = defineStore('warmUp', () => {
  const api = useApi();
  const conn = useConnectionStore();
  const progress = shallowRef<WarmUpView | null>(null);
  const label = computed(() => warmUpLabel(progress.value));
  const warming = computed(() => label.value !== null);

  let off: (() => void) | null = null;
  function start(): void {
    if (off) return;
    // The `done` push may have been sent while the link was down: forget the progress, and the
    // next push (if the warm-up still runs) brings it back.
    conn.onReconnect(() => (progress.value = null));
    off = api.on('warmup.progress', (p) => {
      conn.sawEvent();
      progress.value = p;
    });
  }

  return { progress, label, warming, start };
});
