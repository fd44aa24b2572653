import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { AlertTestReportView, ProfileView, RpcError, SettingFieldView } from '@perpscope/shared';
import { useApi } from './api.js';
import { useConnectionStore } from './connection.js';
import { issuesOf, statusOf, type LoadStatus } from '../lib/remote.js';
import { plainIssuesByPath } from '../lib/plainValidation.js';

type FieldValue = SettingFieldView['value'];

/** Settings fields and ranking profiles, with the host's per-field validation errors. */
export const useSettingsStore = defineStore('settings', () => {
  const api = useApi();
  const conn = useConnectionStore();

  const fields = ref<SettingFieldView[]>([]);
  const status = ref<LoadStatus>('idle');
  const error = ref<RpcError | null>(null);
  /** Edited but unsaved values by path. */
  const draft = ref<Record<string, FieldValue>>({});
  /** Host validation messages by field path. */
  const fieldErrors = ref<Record<string, string>>({});
  const formError = ref<string | null>(null);
  const savedAtMs = ref<number | null>(null);

  const profiles = ref<ProfileView[]>([]);
  const activeProfile = ref<string | null>(null);
  const profileStatus = ref<LoadStatus>('idle');
  const profileError = ref<RpcError | null>(null);
  const weightErrors = ref<Record<string, string>>({});

  const dirty = computed(() => Object.keys(draft.value).length > 0);

  /** The last `alerts.test` reply (one result per enabled sink), or why it failed. */
  const alertTest = ref<AlertTestReportView | null>(null);
  const alertTestError = ref<string | null>(null);
  const alertTestBusy = ref(false);

  async function sendTestAlert(): Promise<void> {
    alertTestBusy.value = true;
    try {
      const res = conn.observe(await api.alerts.test({}));
      alertTest.value = res.ok ? res.value : null;
      alertTestError.value = res.ok ? null : res.error.message;
    } finally {
      alertTestBusy.value = false;
    }
  }

  async function load(): Promise<void> {
    status.value = 'loading';
    const res = conn.observe(await api.settings.get({}));
    if (res.ok) {
      fields.value = res.value.fields;
      status.value = 'ready';
      error.value = null;
    } else {
      error.value = res.error;
      status.value = statusOf(res.error);
    }
  }

  function edit(path: string, value: FieldValue): void {
    const field = fields.value.find((f) => f.path === path);
    const next = { ...draft.value };
    if (field && field.value === value) delete next[path];
    else next[path] = value;
    draft.value = next;
    if (fieldErrors.value[path]) {
      const errs = { ...fieldErrors.value };
      delete errs[path];
      fieldErrors.value = errs;
    }
  }

  /** Puts a field's schema default in the draft (saved with the rest); false when the host gave no default. */
  function resetField(path: string): boolean {
    const field = fields.value.find((f) => f.path === path);
    if (!field || field.defaultValue === undefined) return false;
    edit(path, field.defaultValue);
    return true;
  }

  function discard(): void {
    draft.value = {};
    fieldErrors.value = {};
    formError.value = null;
  }

  /** Saves the draft as it is now; edits typed while the save is in flight stay in the draft. */
  async function save(): Promise<boolean> {
    if (!dirty.value) return true;
    formError.value = null;
    const sent = { ...draft.value };
    const res = conn.observe(await api.settings.set({ values: sent }));
    if (res.ok) {
      const rest = { ...draft.value };
      for (const [path, value] of Object.entries(sent)) if (Object.is(rest[path], value)) delete rest[path];
      draft.value = rest;
      fields.value = res.value.fields;
      fieldErrors.value = {};
      savedAtMs.value = Date.now();
      return true;
    }
    const { byPath, other } = plainIssuesByPath(issuesOf(res.error), Object.keys(sent));
    fieldErrors.value = byPath;
    formError.value = other.length ? other.join('; ') : Object.keys(byPath).length ? null : res.error.message;
    return false;
  }

  async function loadProfiles(): Promise<void> {
    profileStatus.value = 'loading';
    const res = conn.observe(await api.profiles.list({}));
    if (res.ok) {
      profiles.value = res.value.profiles;
      activeProfile.value = res.value.active;
      profileStatus.value = 'ready';
      profileError.value = null;
    } else {
      profileError.value = res.error;
      profileStatus.value = statusOf(res.error);
    }
  }

  /** Activates a profile, optionally with edited weights; returns the host's error, if any. */
  async function applyProfile(name: string, weights?: Record<string, number>): Promise<RpcError | null> {
    const res = conn.observe(await api.profiles.apply(weights ? { name, weights } : { name }));
    if (!res.ok) {
      if (weights) weightErrors.value = plainIssuesByPath(issuesOf(res.error), Object.keys(weights)).byPath;
      return res.error;
    }
    weightErrors.value = {};
    profiles.value = res.value.profiles;
    activeProfile.value = res.value.active;
    return null;
  }

  return {
    fields, status, error, draft, fieldErrors, formError, savedAtMs, dirty, profiles, activeProfile, profileStatus, profileError, weightErrors,
    alertTest, alertTestError, alertTestBusy,
    load, edit, resetField, discard, save, loadProfiles, applyProfile, sendTestAlert,
  };
});
