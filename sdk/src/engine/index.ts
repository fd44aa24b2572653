export * from './createEngine.js';
export * from './engineEvents.js';
