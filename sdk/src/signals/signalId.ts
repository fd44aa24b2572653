/**
 * Deterministic signal id: the same symbol, timeframe, bar, side and component set always give
 * the same id, which is what dedupe keys on. `componentIds` must be sorted.
 *
 * A pure 64-bit hash (two FNV-1a lanes with different offsets, each finished with a murmur3
 * mix), 16 hex digits: an id is made for every blended signal of every bar close, and this is
 * about ten times cheaper than a crypto digest while collisions stay negligible for dedupe.
 */
export function signalId(symbol: string, timeframe: string, openTimeMs: number, side: string, componentIds: readonly string[]): string {
  const text = `${symbol}|${timeframe}|${openTimeMs}|${side}|${componentIds.join(',')}`;
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193 + 0x2f0);
  }
  return hex(mix(a)) + hex(mix(b ^ a));
}

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hex(x: number): string {
  return x.toString(16).padStart(8, '0');
}
