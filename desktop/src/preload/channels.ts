/** IPC channel of one command; the preload has one named verb per channel. */
export const commandChannel = (method: string): string => `rpc:${method}`;

/** Channel host events are pushed on. */
export const EVENT_CHANNEL = 'rpc:event';
