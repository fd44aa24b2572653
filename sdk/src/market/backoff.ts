// The backoff arithmetic lives in @perpscope/shared so the renderer's retries use the same one.
export { DEFAULT_BACKOFF, backoffCeilingMs, fullJitterBackoffMs, type BackoffOptions } from '@perpscope/shared';
