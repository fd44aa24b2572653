export * from './configSchema.js';
export * from './loadConfig.js';
export * from './forbiddenKeys.js';
