import { defineStore } from 'pinia';
import { ref, watch } from 'vue';
import { useApi, useTransportKind } from './api.js';
import { loadPref, savePref } from '../lib/persist.js';
import { parseAlertPrefs, pushToast, toastFor, type AlertKind, type AlertPrefs, type AlertSource, type Toast } from '../lib/alertRules.js';

/** How long a toast stays on screen unless dismissed. */
const TOAST_MS = 10_000;
/** Ids already alerted, so an event replayed after a reconnect does not ring again. */
const SEEN_MAX = 2_000;

/** Quiet time per (kind, symbol): a flag that flaps every cycle rings once a minute, not every cycle. */
export const ALERT_COOLDOWN_MS = 60_000;

/**
 * The per-(kind, symbol) cooldown of `raise`. Fills are never held back: each is a distinct trade
 * (an entry, then its stop a few seconds later) the trader must see. `nowMs` is injectable for tests.
 */
export function createAlertCooldown(nowMs: () => number = Date.now, cooldownMs = ALERT_COOLDOWN_MS) {
  const last = new Map<string, number>();
  return {
    /** True when an alert of `kind` on `symbol` may ring now; records it when so. */
    allow(kind: AlertKind, symbol: string | null): boolean {
      if (kind === 'fill') return true;
      const key = `${kind} ${symbol ?? ''}`;
      const now = nowMs();
      const at = last.get(key);
      if (at !== undefined && now - at < cooldownMs) return false;
      // Re-inserted, so the first key is always the least recently rung one and goes first.
      last.delete(key);
      last.set(key, now);
      if (last.size > SEEN_MAX) last.delete(last.keys().next().value!);
      return true;
    },
  };
}

export type NotifyPermission = 'default' | 'granted' | 'denied' | 'unsupported';

function notifyPermission(): NotifyPermission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** In-app alerts: the trader's choices (kept in localStorage), the toast list, the beep and OS notifications. */
export const useAlertsStore = defineStore('alerts', () => {
  const api = useApi();
  const prefs = ref<AlertPrefs>(parseAlertPrefs(loadPref<unknown>('alerts.prefs', {}, (_v): _v is unknown => true)));
  const toasts = ref<Toast[]>([]);
  const permission = ref<NotifyPermission>(notifyPermission());
  /** Count of sounds played and OS notifications shown: what the page did, for the status line and tests. */
  const delivered = ref({ sound: 0, desktop: 0 });
  const seen = new Set<string>();
  const cooldown = createAlertCooldown();
  /**
   * In the Electron app the host's desktop alert sink (`alerts.sinks.desktop`, on by default) shows
   * the OS notifications; a page Notification would show each one twice. The renderer is in Electron
   * when the preload bridge is its transport.
   */
  const hostNotifies = useTransportKind() === 'electron';
  const timers = new Map<string, ReturnType<typeof setTimeout>>();

  watch(prefs, (p) => savePref('alerts.prefs', p), { deep: true });

  let audio: AudioContext | null = null;
  function beep(): void {
    try {
      audio ??= new AudioContext();
      // Created before any click the context starts suspended; a later alert after a click plays.
      if (audio.state === 'suspended') void audio.resume();
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = 'sine';
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.0001, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.2, audio.currentTime + 0.01);
      gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.18);
      osc.connect(gain).connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + 0.2);
      delivered.value = { ...delivered.value, sound: delivered.value.sound + 1 };
    } catch {
      // No audio device or WebAudio: the toast still shows.
    }
  }

  function notify(t: Toast): void {
    if (hostNotifies) return;
    permission.value = notifyPermission();
    if (permission.value !== 'granted') return;
    try {
      new Notification(t.title, { body: t.body, tag: t.id });
      delivered.value = { ...delivered.value, desktop: delivered.value.desktop + 1 };
    } catch {
      // Some contexts refuse page notifications (no service worker); the toast still shows.
    }
  }

  function dismiss(id: string): void {
    toasts.value = toasts.value.filter((t) => t.id !== id);
    const timer = timers.get(id);
    if (timer) clearTimeout(timer);
    timers.delete(id);
  }

  function raise(src: AlertSource): void {
    const t = toastFor(src, prefs.value);
    if (!t || seen.has(t.id)) return;
    seen.add(t.id);
    if (seen.size > SEEN_MAX) seen.delete(seen.values().next().value!);
    if (!cooldown.allow(t.kind, t.symbol)) return;
    const before = toasts.value;
    toasts.value = pushToast(before, t);
    for (const old of before) if (!toasts.value.some((x) => x.id === old.id)) dismiss(old.id);
    timers.set(t.id, setTimeout(() => dismiss(t.id), TOAST_MS)); // a display lifetime, not a wait
    if (prefs.value.sound) beep();
    if (prefs.value.desktop) notify(t);
  }

  /** Asks the browser for notification permission (from a click: browsers ignore it otherwise). */
  async function requestPermission(): Promise<NotifyPermission> {
    if (typeof Notification === 'undefined') return (permission.value = 'unsupported');
    permission.value = await Notification.requestPermission();
    return permission.value;
  }

  /** A sample toast (and beep/notification as chosen), so the trader hears and sees what an alert does. */
  function test(): void {
    const t: Toast = { id: `test:${Date.now()}`, kind: 'fill', level: 'info', title: 'Test alert', body: 'This is how an alert looks and sounds.', symbol: null };
    toasts.value = pushToast(toasts.value, t);
    timers.set(t.id, setTimeout(() => dismiss(t.id), TOAST_MS)); // a display lifetime, not a wait
    if (prefs.value.sound) beep();
    if (prefs.value.desktop) notify(t);
  }

  let started = false;
  function start(): void {
    if (started) return;
    started = true;
    api.on('signal', (data) => raise({ event: 'signal', data }));
    api.on('alert', (data) => raise({ event: 'alert', data }));
    api.on('fill', (data) => raise({ event: 'fill', data }));
  }

  return { prefs, toasts, permission, delivered, hostNotifies, start, dismiss, requestPermission, test };
});
