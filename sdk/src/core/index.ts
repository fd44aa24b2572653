export * from './clock.js';
export * from './errors.js';
export * from './ccxtErrors.js';
export * from './logger.js';
export * from './logLevel.js';
export * from './fileLogger.js';
export * from './zodIssues.js';
