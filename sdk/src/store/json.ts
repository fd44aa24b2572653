/** Serializes a JSON column value; `undefined` becomes `{}` so columns stay NOT NULL. */
export function toJson(value: unknown): string {
  return value === undefined ? '{}' : JSON.stringify(value);
}

/** Parses a JSON column. The store wrote it, so a parse failure is corruption and is thrown. */
export function fromJson(text: string): unknown {
  return JSON.parse(text) as unknown;
}

/** Parses a JSON object column into a record. */
export function fromJsonObject(text: string): Record<string, unknown> {
  const value = fromJson(text);
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
