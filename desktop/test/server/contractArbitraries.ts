import fc from 'fast-check';
import { z } from 'zod';
import { FORBIDDEN_KEYS, RPC_FRAME_LIMITS, RPC_METHODS, findUnsafeShape, type MethodName } from '@perpscope/shared';

/** The subset of JSON Schema that `z.toJSONSchema` emits for the RPC contract's params. */
interface JsonSchema {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

const SMALL = 6;

/**
 * An arbitrary for values that match a JSON Schema node. Refinements that JSON Schema cannot carry
 * (an order's "exactly one of amountBase or notionalUsd") are not honoured, so some generated
 * params are invalid; the fuzz decides validity with the zod schema itself.
 */
export function arbitraryFor(s: JsonSchema): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  if (s.anyOf) return fc.oneof(...s.anyOf.map(arbitraryFor));
  // A discriminated union (drawings.save's `drawing`) comes out as oneOf.
  if (s.oneOf) return fc.oneof(...s.oneOf.map(arbitraryFor));
  if (Array.isArray(s.type)) return fc.oneof(...s.type.map((type) => arbitraryFor({ ...s, type })));
  switch (s.type) {
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'integer': {
      const min = Math.max(s.minimum ?? -(2 ** 40), Number.MIN_SAFE_INTEGER);
      const max = Math.min(s.maximum ?? 2 ** 40, Number.MAX_SAFE_INTEGER);
      return fc.oneof(fc.integer({ min: Math.max(min, -1000), max: Math.min(max, Math.max(min, -1000) + 2000) }), fc.constantFrom(min, max), fc.maxSafeInteger().filter((n) => n >= min && n <= max));
    }
    case 'number': {
      const min = s.exclusiveMinimum ?? s.minimum ?? -1e12;
      const max = s.exclusiveMaximum ?? s.maximum ?? 1e12;
      return fc.double({ min, max, minExcluded: s.exclusiveMinimum !== undefined, maxExcluded: s.exclusiveMaximum !== undefined, noNaN: true, noDefaultInfinity: true });
    }
    case 'string': {
      if (s.pattern) {
        const maxLength = s.maxLength ?? Infinity;
        return fc.stringMatching(new RegExp(s.pattern)).filter((t) => t.length <= maxLength && t.length >= (s.minLength ?? 0));
      }
      return fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 24, 24), unit: 'binary' });
    }
    case 'array':
      return fc.array(arbitraryFor(s.items ?? {}), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? SMALL, SMALL) });
    case 'object': {
      if (s.properties && Object.keys(s.properties).length > 0) {
        const props = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, arbitraryFor(v)]));
        return fc.record(props, { requiredKeys: s.required ?? [] });
      }
      if (typeof s.additionalProperties === 'object') {
        const keys = arbitraryFor(s.propertyNames ?? { type: 'string' }) as fc.Arbitrary<string>;
        return fc.dictionary(keys.filter((k) => !FORBIDDEN_KEYS.has(k)), arbitraryFor(s.additionalProperties), { maxKeys: SMALL });
      }
      return fc.constant({});
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** The params schema of one method as JSON Schema (input side). */
export function paramsJsonSchema(method: MethodName): JsonSchema {
  let schema = jsonSchemas.get(method);
  if (!schema) {
    schema = z.toJSONSchema(RPC_METHODS[method].input, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    jsonSchemas.set(method, schema);
  }
  return schema;
}
const jsonSchemas = new Map<MethodName, JsonSchema>();

/** Whether the host must accept these params: the zod contract, plus the frame's shape limits. */
export function paramsAreValid(method: string, params: unknown): boolean {
  if (!Object.prototype.hasOwnProperty.call(RPC_METHODS, method)) return false;
  if (findUnsafeShape(params, RPC_FRAME_LIMITS.maxDepth - 1)) return false;
  return RPC_METHODS[method as MethodName].input.safeParse(params ?? {}).success;
}
