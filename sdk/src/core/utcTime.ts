/**
 * An ISO date (`2025-01-01`) or date-time (`2025-01-01T12:00:00`, with or without a zone) as ms
 * since the epoch, read as UTC when it names no zone; NaN when it is not one. Market times are
 * UTC throughout, so a zone-less time must never be read in the machine's local zone.
 */
export function parseUtcTimeMs(raw: string): number {
  const text = raw.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return Date.parse(`${text}T00:00:00Z`);
  return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`);
}
