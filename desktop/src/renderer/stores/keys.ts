import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { KeyRefView, KeyTestReportView, RpcError } from '@perpscope/shared';
import { useApi } from './api.js';
import { useConnectionStore } from './connection.js';
import { statusOf, type LoadStatus } from '../lib/remote.js';

/**
 * Exchange key references. The store never holds a secret: `add` passes the form's values straight
 * to the host and keeps only the `{exchange, label}` reference it returns.
 */
export const useKeysStore = defineStore('keys', () => {
  const api = useApi();
  const conn = useConnectionStore();
  const keys = ref<KeyRefView[]>([]);
  const status = ref<LoadStatus>('idle');
  const error = ref<RpcError | null>(null);
  const tests = ref<Record<string, KeyTestReportView | { error: string }>>({});

  const id = (k: KeyRefView) => `${k.exchange}:${k.label}`;

  async function load(): Promise<void> {
    status.value = 'loading';
    const res = conn.observe(await api.keys.list({}));
    if (res.ok) {
      keys.value = res.value.keys;
      status.value = 'ready';
      error.value = null;
    } else {
      error.value = res.error;
      status.value = statusOf(res.error);
    }
  }

  async function add(input: { exchange: string; label: string; apiKey: string; secret: string; password?: string }): Promise<RpcError | null> {
    const res = conn.observe(await api.keys.set(input));
    if (!res.ok) return res.error;
    const ref = res.value;
    keys.value = [...keys.value.filter((k) => id(k) !== id(ref)), ref];
    return null;
  }

  async function remove(k: KeyRefView): Promise<RpcError | null> {
    const res = conn.observe(await api.keys.delete({ exchange: k.exchange, label: k.label }));
    if (!res.ok) return res.error;
    keys.value = keys.value.filter((x) => id(x) !== id(k));
    const t = { ...tests.value };
    delete t[id(k)];
    tests.value = t;
    return null;
  }

  async function test(k: KeyRefView): Promise<void> {
    const res = conn.observe(await api.keys.test({ exchange: k.exchange, label: k.label }));
    tests.value = { ...tests.value, [id(k)]: res.ok ? res.value : { error: res.error.message } };
  }

  return { keys, status, error, tests, id, load, add, remove, test };
});
