import { defineStore } from 'pinia';
import { ref, watch } from 'vue';
import { loadPref, oneOf, savePref } from '../lib/persist.js';

export const VIEWS = ['rankings', 'signals', 'trading', 'settings', 'keys', 'health', 'backtest'] as const;
export type ViewName = (typeof VIEWS)[number];

export const VIEW_LABELS: Record<ViewName, string> = {
  rankings: 'Rankings',
  signals: 'Signals',
  trading: 'Trading',
  settings: 'Settings',
  keys: 'Keys',
  health: 'Health',
  backtest: 'Backtest',
};

/** Which view is on screen and which overlays are open. */
export const useUiStore = defineStore('ui', () => {
  const view = ref<ViewName>(loadPref('view', 'rankings', oneOf(VIEWS)));
  const spotlightOpen = ref(false);
  /** Symbol the order ticket is prefilled with. */
  const ticketSymbol = ref<string | null>(loadPref('ticketSymbol', null, (v): v is string | null => v === null || typeof v === 'string'));
  watch(view, (v) => savePref('view', v));
  watch(ticketSymbol, (s) => savePref('ticketSymbol', s));
  return { view, spotlightOpen, ticketSymbol };
});
