import { z } from 'zod';
import { InvalidInputError } from '../core/errors.js';
import { zodIssuesToFieldIssues } from '../core/zodIssues.js';

/**
 * Weights of one ranking profile. Score = sum of weight x edge - cost - manipulation penalty:
 * - `cost` multiplies (round-trip cost / ATR) x 10, so cost is judged against the expected move;
 * - `manip` multiplies manipScore / 20 (a score of 100 costs 5 x `manip` z-units);
 * - `stopAtr`, `tp1Atr`, `tp2Atr` place the opportunity levels in ATRs from the entry.
 * Liquidity and microstructure weights cannot be negative: a profile may ignore liquidity but
 * never prefer a thinner book.
 */
export const ProfileWeightsSchema = z
  .object({
    liquidity: z.number().finite().nonnegative(),
    momentum: z.number().finite(),
    volatility: z.number().finite(),
    microstructure: z.number().finite().nonnegative(),
    anomaly: z.number().finite(),
    carry: z.number().finite(),
    cost: z.number().finite().nonnegative(),
    manip: z.number().finite().nonnegative(),
    stopAtr: z.number().finite().positive(),
    tp1Atr: z.number().finite().positive(),
    tp2Atr: z.number().finite().positive(),
  })
  .strict()
  .refine((w) => w.tp2Atr >= w.tp1Atr, { message: 'tp2Atr must be >= tp1Atr', path: ['tp2Atr'] });
export type ProfileWeights = z.infer<typeof ProfileWeightsSchema>;

/** The built-in profiles, as data. `scalp` pays most for liquidity and least cost per ATR. */
export const DEFAULT_PROFILES = {
  scalp: { liquidity: 1.2, momentum: 0.6, volatility: 0.6, microstructure: 0.8, anomaly: -0.5, carry: 0.1, cost: 1.5, manip: 1.5, stopAtr: 1, tp1Atr: 1.5, tp2Atr: 3 },
  swing: { liquidity: 0.6, momentum: 1.2, volatility: 0.3, microstructure: 0.3, anomaly: -0.5, carry: 0.5, cost: 0.5, manip: 1.5, stopAtr: 2, tp1Atr: 3, tp2Atr: 6 },
  news: { liquidity: 0.5, momentum: 0.8, volatility: 1.2, microstructure: 0.2, anomaly: 0.3, carry: 0, cost: 0.8, manip: 1, stopAtr: 1.5, tp1Atr: 2, tp2Atr: 4 },
} as const satisfies Record<string, ProfileWeights>;
export type BuiltinProfileName = keyof typeof DEFAULT_PROFILES;

const ProfileNameSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'a lowercase name of up to 32 letters, digits, - or _');

/** A profile file: `{ "scalp": {...weights}, "mine": {...} }`. */
export const ProfilesFileSchema = z.record(ProfileNameSchema, ProfileWeightsSchema);

/**
 * Holds the named weight sets. `apply` validates and swaps a set atomically; the next ranking
 * reads the new weights (hot apply, no restart). `version` increments on every change.
 *
 * @example
 * const profiles = new ProfileRegistry();
 * profiles.apply('scalp', { cost: 3 }); // partial: merged over the current scalp weights
 */
export class ProfileRegistry {
  private readonly profiles = new Map<string, ProfileWeights>();
  private versionCounter = 0;

  constructor(initial: Record<string, ProfileWeights> = DEFAULT_PROFILES) {
    for (const [name, w] of Object.entries(initial)) this.profiles.set(name, { ...w });
  }

  get version(): number {
    return this.versionCounter;
  }

  names(): string[] {
    return [...this.profiles.keys()];
  }

  has(name: string): boolean {
    return this.profiles.has(name);
  }

  /** A copy of the weights; throws InvalidInputError naming the known profiles. */
  get(name: string): ProfileWeights {
    const w = this.profiles.get(name);
    if (!w) throw new InvalidInputError('ranking profile', [{ path: 'profile', received: JSON.stringify(name), expected: `one of ${this.names().join(', ')}` }]);
    return { ...w };
  }

  /**
   * Sets the weights of `name`. A partial object is merged over the current weights (or over
   * `scalp` for a new name). Invalid input throws InvalidInputError and changes nothing.
   */
  apply(name: string, weights: Partial<ProfileWeights> | unknown): ProfileWeights {
    const nameOk = ProfileNameSchema.safeParse(name);
    if (!nameOk.success) throw new InvalidInputError('ranking profile', zodIssuesToFieldIssues(nameOk.error, name));
    const base = this.profiles.get(name) ?? this.profiles.get('scalp') ?? DEFAULT_PROFILES.scalp;
    const merged = typeof weights === 'object' && weights !== null && !Array.isArray(weights) ? { ...base, ...weights } : weights;
    const parsed = ProfileWeightsSchema.safeParse(merged);
    if (!parsed.success) throw new InvalidInputError(`weights of profile ${name}`, zodIssuesToFieldIssues(parsed.error, merged));
    this.profiles.set(name, parsed.data);
    this.versionCounter++;
    return { ...parsed.data };
  }

  /** Every profile, for persisting or showing in a settings panel. */
  toJSON(): Record<string, ProfileWeights> {
    return Object.fromEntries([...this.profiles].map(([k, v]) => [k, { ...v }]));
  }
}

/** Parses a profiles file (e.g. JSON from the settings store) into a registry. */
export function profileRegistryFromJson(input: unknown): ProfileRegistry {
  const parsed = ProfilesFileSchema.safeParse(input);
  if (!parsed.success) throw new InvalidInputError('ranking profiles file', zodIssuesToFieldIssues(parsed.error, input));
  return new ProfileRegistry({ ...DEFAULT_PROFILES, ...parsed.data });
}
