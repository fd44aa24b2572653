/**
 * The `Strategy` interface, the registry user scripts add to, and the built-ins: breakout,
 * EMA pullback, momentum burst, Supertrend flip, Donchian-ATR (with an entry plan) and EMA cross.
 */
export * from './types.js';
export * from './registry.js';
export * from './builtins.js';
export * from './breakout.js';
export * from './donchianAtr.js';
export * from './emaCross.js';
export * from './emaPullback.js';
export * from './momentumBurst.js';
export * from './supertrendFlip.js';
