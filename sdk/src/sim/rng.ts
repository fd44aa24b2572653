/**
 * Stateless, seeded randomness. Every draw is a pure function of its integer coordinates, so a
 * value never depends on which other values were drawn before it. That is what makes generated
 * candles identical whichever window a client asks for.
 */

/** Mixes up to five 32-bit integers into one well-distributed unsigned 32-bit hash. */
export function hash32(a: number, b = 0, c = 0, d = 0, e = 0): number {
  let h = 0x9e3779b9 ^ Math.imul(a | 0, 0x85ebca6b);
  h = mix(h ^ Math.imul(b | 0, 0xc2b2ae35));
  h = mix(h ^ Math.imul(c | 0, 0x27d4eb2f));
  h = mix(h ^ Math.imul(d | 0, 0x165667b1));
  h = mix(h ^ Math.imul(e | 0, 0x9e3779b1));
  return h >>> 0;
}

function mix(x: number): number {
  let h = x;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h;
}

/** Uniform in (0, 1), never exactly 0 or 1. */
export function uniform(a: number, b = 0, c = 0, d = 0, e = 0): number {
  return (hash32(a, b, c, d, e) + 0.5) / 4294967296;
}

/** Standard normal draw (Box-Muller over two decorrelated hashes). */
export function gaussian(a: number, b = 0, c = 0, d = 0, e = 0): number {
  const u1 = uniform(a, b, c, d, e);
  const u2 = uniform(a ^ 0x5bd1e995, b, c, d, e + 0x3c6ef372);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Stable 32-bit id for a string (FNV-1a), used to key draws by symbol name. */
export function stringHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A fast sequential generator (mulberry32) for blocks of draws that are always produced together,
 * e.g. the sixty minutes of one hour. Seed it from {@link hash32} of the block's coordinates.
 */
export class BlockRng {
  private state: number;
  private spare: number | null = null;

  constructor(seed: number) {
    this.state = seed | 0;
  }

  /** Uniform in (0, 1). */
  next(): number {
    return (this.nextBits() + 0.5) / 4294967296;
  }

  /** 32 random bits as an unsigned integer. */
  nextBits(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /**
   * Approximately standard normal: the centred sum of four 16-bit uniforms (two draws split in
   * halves), scaled to unit variance. Tails stop near 3.5 sigma; cheap for millions of draws.
   */
  fastNormal(): number {
    const a = this.nextBits();
    const b = this.nextBits();
    const sum = (a >>> 16) + (a & 0xffff) + (b >>> 16) + (b & 0xffff) + 2;
    return (sum / 65536 - 2) * 1.7320508075688772;
  }

  /** Standard normal (Box-Muller, both outputs used). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(this.next()));
    const theta = 2 * Math.PI * this.next();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }
}
