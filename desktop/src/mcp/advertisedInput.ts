import { z } from 'zod';

/** One property of a JSON Schema object, as zod renders it. */
type JsonSchemaProperty = Record<string, unknown>;

/**
 * The arguments schema a tool registers with the MCP SDK. Listed, it is the JSON Schema of
 * `schema` (types, ranges, patterns, required fields, no extra fields) with a description per
 * field; parsed, it accepts any object. The SDK validates arguments before the tool runs and
 * would answer a bad field with its own message and no error code; letting everything through
 * leaves validation to `schema` and the host, whose errors carry the RPC code and name the field,
 * the value received and what was expected.
 *
 * @example
 * server.registerTool('signals', { inputSchema: advertisedInput(SignalsInput, { limit: 'rows, newest first' }) }, cb);
 */
export function advertisedInput<T extends z.ZodObject>(schema: T, descriptions: { readonly [K in keyof T['shape']]: string }): z.ZodObject {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, JsonSchemaProperty>; required?: string[] };
  const properties = json.properties ?? {};
  const shape: Record<string, z.ZodOptional<z.ZodUnknown>> = {};
  for (const key of Object.keys(schema.shape)) {
    const description = (descriptions as Record<string, string>)[key];
    shape[key] = z
      .unknown()
      .meta({ ...properties[key], ...(description ? { description } : {}) })
      .optional();
  }
  return z.looseObject(shape).meta({ required: json.required ?? [], additionalProperties: false });
}
