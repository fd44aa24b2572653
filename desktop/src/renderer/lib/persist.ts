/**
 * Small UI preferences kept in localStorage (view, sort, filters, timeframe) so a reload comes back
 * to the same screen. Trading and settings state lives in the host, not here.
 */
const PREFIX = 'perpscope.ui.';

export function loadPref<T>(key: string, fallback: T, valid: (v: unknown) => v is T): T {
  try {
    const raw = localStorage.getItem(PREFIX + key);
    if (raw === null) return fallback;
    const parsed: unknown = JSON.parse(raw);
    return valid(parsed) ? parsed : fallback;
  } catch {
    return fallback;
  }
}

export function savePref(key: string, value: unknown): void {
  try {
    localStorage.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    // Storage full or disabled: preferences are a convenience, the app works without them.
  }
}

export const isString = (v: unknown): v is string => typeof v === 'string';
export const isNullableString = (v: unknown): v is string | null => v === null || typeof v === 'string';
export const isNullableNumber = (v: unknown): v is number | null => v === null || (typeof v === 'number' && Number.isFinite(v));
export function oneOf<T extends string>(values: readonly T[]): (v: unknown) => v is T {
  return (v: unknown): v is T => typeof v === 'string' && (values as readonly string[]).includes(v);
}
