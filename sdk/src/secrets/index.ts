export * from './secretStore.js';
export * from './keytarSecretStore.js';
export * from './secretServiceLock.js';
