import { InvalidInputError } from '../core/errors.js';
import { zodIssuesToFieldIssues } from '../core/zodIssues.js';
import type { BoundStrategy, Strategy } from './types.js';

/**
 * The strategies a signal engine can use, by id. Built-ins come pre-registered from
 * `createStrategyRegistry()`; user scripts add their own with `register`.
 *
 * @example
 * const registry = createStrategyRegistry().register(myStrategy);
 * const bound = registry.bind('breakout', { volumeBurstMin: 2 });
 */
export class StrategyRegistry {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- heterogeneous parameter types; each is checked by its own schema
  private readonly byId = new Map<string, Strategy<any>>();

  /** Adds a strategy; throws if the id is taken (pass `replace: true` to swap one deliberately). */
  register<P>(strategy: Strategy<P>, options: { replace?: boolean } = {}): this {
    if (!/^[a-z0-9][a-z0-9._-]*$/i.test(strategy.id)) {
      throw new InvalidInputError('strategy', [{ path: 'id', received: JSON.stringify(strategy.id), expected: 'letters, digits, ".", "_" or "-"' }]);
    }
    if (this.byId.has(strategy.id) && !options.replace) {
      throw new InvalidInputError('strategy', [{ path: 'id', received: strategy.id, expected: 'an id not registered yet' }]);
    }
    this.byId.set(strategy.id, strategy);
    return this;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get(id: string): Strategy<unknown> | undefined {
    return this.byId.get(id);
  }

  /** Registered ids, sorted. */
  ids(): string[] {
    return [...this.byId.keys()].sort();
  }

  /** Validates `rawParams` with the strategy's schema (defaults filled) and binds them. */
  bind(id: string, rawParams: unknown = {}): BoundStrategy {
    const strategy = this.byId.get(id);
    if (!strategy) throw new InvalidInputError('strategy selection', [{ path: id, received: id, expected: `one of ${this.ids().join(', ')}` }]);
    const parsed = strategy.paramsSchema.safeParse(rawParams ?? {});
    if (!parsed.success) {
      const issues = zodIssuesToFieldIssues(parsed.error, rawParams).map((i) => ({ ...i, path: `${id}.${i.path}` }));
      throw new InvalidInputError(`parameters of strategy ${id}`, issues);
    }
    const params: unknown = parsed.data;
    return { id, params, evaluate: (ctx) => strategy.evaluate(ctx, params) };
  }
}
