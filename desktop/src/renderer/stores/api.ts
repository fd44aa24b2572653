import { inject, type InjectionKey } from 'vue';
import type { ApiClient, Result } from '@perpscope/shared';
import type { TransportKind } from '../api.js';

export interface ApiContext {
  api: ApiClient;
  kind: TransportKind;
}

/** App-level provide key for the API client; setup stores `inject` it. */
export const API_KEY: InjectionKey<ApiContext> = Symbol('perpscope-api');

export function useApi(): ApiClient {
  const ctx = inject(API_KEY);
  if (!ctx) throw new Error('The Perpscope API client was not provided to the app');
  return ctx.api;
}

export function useTransportKind(): TransportKind {
  return inject(API_KEY)?.kind ?? 'websocket';
}

/** True when a failed reply means the host could not be reached at all. */
export function isNetworkFailure<T>(res: Result<T>): boolean {
  return !res.ok && (res.error.code === 'NETWORK_ERROR' || res.error.code === 'REQUEST_TIMEOUT');
}
