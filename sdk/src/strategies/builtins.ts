import { breakout } from './breakout.js';
import { donchianAtr } from './donchianAtr.js';
import { emaCross } from './emaCross.js';
import { emaPullback } from './emaPullback.js';
import { momentumBurst } from './momentumBurst.js';
import { StrategyRegistry } from './registry.js';
import { supertrendFlip } from './supertrendFlip.js';

/** Ids of the built-in strategies, sorted. */
export const BUILTIN_STRATEGY_IDS = ['breakout', 'donchian-atr', 'ema-cross', 'ema-pullback', 'momentum-burst', 'supertrend-flip'] as const;

/** A registry holding the built-ins; register your own on the result. */
export function createStrategyRegistry(): StrategyRegistry {
  const registry = new StrategyRegistry();
  registry.register(breakout).register(donchianAtr).register(emaCross).register(emaPullback).register(momentumBurst).register(supertrendFlip);
  return registry;
}
