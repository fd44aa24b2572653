export * from './secretStore.js';
export * from './keytarSecretStore.js';
