import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type {
  BacktestDatasetsView,
  BacktestProgressView,
  BacktestReportKind,
  BacktestRunSummaryView,
  BacktestRunView,
  MethodInput,
  RpcError,
} from '@perpscope/shared';
import { useApi } from './api.js';
import { useConnectionStore } from './connection.js';
import { issuesOf, issueText, statusOf, type LoadStatus } from '../lib/remote.js';

export type BacktestStartParams = MethodInput<'backtest.start'>;

/**
 * The Backtest view: the datasets and defaults the host offers, the run in progress (from
 * `backtest.progress` events), the stored runs, the run on screen and the pair being compared.
 */
export const useBacktestStore = defineStore('backtest', () => {
  const api = useApi();
  const conn = useConnectionStore();

  const options = shallowRef<BacktestDatasetsView | null>(null);
  const optionsStatus = ref<LoadStatus>('idle');
  const optionsError = ref<RpcError | null>(null);
  const runs = shallowRef<BacktestRunSummaryView[]>([]);
  const runsStatus = ref<LoadStatus>('idle');
  const runsError = ref<RpcError | null>(null);
  const progress = shallowRef<BacktestProgressView | null>(null);
  /** Why the last start was refused or the last run ended without a result. */
  const runError = ref<string | null>(null);
  /** Field errors of the last refused start, by params path. */
  const fieldErrors = ref<Record<string, string>>({});
  const current = shallowRef<BacktestRunView | null>(null);
  const currentStatus = ref<LoadStatus>('idle');
  const currentError = ref<RpcError | null>(null);
  /** Run ids picked for the side-by-side compare (at most two). */
  const compareIds = ref<string[]>([]);
  const exportError = ref<string | null>(null);

  const running = computed(() => progress.value?.status === 'running');
  const compared = computed(() => compareIds.value.map((id) => runs.value.find((r) => r.id === id)).filter((r): r is BacktestRunSummaryView => r !== undefined));

  async function loadOptions(): Promise<void> {
    optionsStatus.value = 'loading';
    const res = conn.observe(await api.backtest.datasets());
    if (res.ok) {
      options.value = res.value;
      optionsStatus.value = 'ready';
      optionsError.value = null;
    } else {
      optionsError.value = res.error;
      optionsStatus.value = statusOf(res.error);
    }
  }

  async function loadRuns(): Promise<void> {
    if (runsStatus.value !== 'ready') runsStatus.value = 'loading';
    const res = conn.observe(await api.backtest.list({ limit: 200 }));
    if (res.ok) {
      runs.value = res.value.runs;
      runsStatus.value = 'ready';
      runsError.value = null;
      // A run started before this page loaded (or from another window) shows its progress too.
      if (res.value.active && !running.value) progress.value = res.value.active;
    } else {
      runsError.value = res.error;
      runsStatus.value = statusOf(res.error);
    }
  }

  async function open(id: string): Promise<void> {
    currentStatus.value = 'loading';
    const res = conn.observe(await api.backtest.get({ id }));
    if (res.ok) {
      current.value = res.value;
      currentStatus.value = 'ready';
      currentError.value = null;
    } else {
      currentError.value = res.error;
      currentStatus.value = statusOf(res.error);
    }
  }

  async function start(params: BacktestStartParams): Promise<boolean> {
    runError.value = null;
    fieldErrors.value = {};
    const res = conn.observe(await api.backtest.start(params));
    if (res.ok) {
      progress.value = { runId: res.value.runId, status: 'running', done: 0, total: 0, atMs: null, etaMs: null, startedAtMs: Date.now(), error: null };
      return true;
    }
    const issues = issuesOf(res.error);
    fieldErrors.value = Object.fromEntries(issues.map((i) => [i.path, issueText(i)]));
    runError.value = issues.length ? null : res.error.message;
    return false;
  }

  async function cancel(): Promise<void> {
    const p = progress.value;
    if (!p || p.status !== 'running') return;
    conn.observe(await api.backtest.cancel({ runId: p.runId }));
  }

  function onProgress(p: BacktestProgressView): void {
    const known = progress.value;
    // Events of an older run (a reconnect can replay one) never replace the newer run's state.
    if (known && known.runId !== p.runId && known.startedAtMs > p.startedAtMs) return;
    progress.value = p;
    if (p.status === 'completed') {
      void loadRuns();
      void open(p.runId);
    } else if (p.status === 'failed') runError.value = p.error?.message ?? 'The backtest failed';
    else if (p.status === 'cancelled') runError.value = null;
  }

  function toggleCompare(id: string): void {
    const ids = compareIds.value.filter((x) => x !== id);
    compareIds.value = ids.length === compareIds.value.length ? [...ids, id].slice(-2) : ids;
  }

  /** Fetches one report file and hands it to the browser as a download. */
  async function exportReport(kind: BacktestReportKind): Promise<void> {
    const run = current.value;
    if (!run) return;
    exportError.value = null;
    const res = conn.observe(await api.backtest.report({ id: run.id, kind }));
    if (!res.ok) {
      exportError.value = res.error.message;
      return;
    }
    const bytes = Uint8Array.from(atob(res.value.base64), (c) => c.charCodeAt(0));
    const url = URL.createObjectURL(new Blob([bytes], { type: res.value.mimeType }));
    const a = document.createElement('a');
    a.href = url;
    a.download = res.value.fileName;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }

  let off: (() => void) | null = null;
  function startListening(): void {
    if (off) return;
    off = api.on('backtest.progress', (p) => {
      conn.sawEvent();
      onProgress(p);
    });
  }

  return {
    options,
    optionsStatus,
    optionsError,
    runs,
    runsStatus,
    runsError,
    progress,
    running,
    runError,
    fieldErrors,
    current,
    currentStatus,
    currentError,
    compareIds,
    compared,
    exportError,
    loadOptions,
    loadRuns,
    open,
    start,
    cancel,
    onProgress,
    toggleCompare,
    exportReport,
    startListening,
  };
});
