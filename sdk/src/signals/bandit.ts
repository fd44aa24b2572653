/**
 * EXP3 over strategy ids. Weights are kept as logs and re-centred after each update so they never
 * overflow; probabilities are `(1 - gamma) * w_i / sum(w) + gamma / K`.
 *
 * Unlike the textbook bandit, every strategy that fired is credited, not one pulled arm per round,
 * and its outcome is seen whatever its probability. Two changes follow:
 * - rewards are centred on 0.5 (the labeler's break-even): with plain [0, 1] rewards the arm that
 *   fires most would gain most whatever its edge;
 * - the estimate is not divided by `p_i`: that correction is for arms seen only when drawn; here it
 *   would amplify the noise of low-weight arms into weight swings (measured on the 2025-10 Binance
 *   set: the weights ended ordered by noise, not by mean reward).
 */
export interface BanditSnapshot {
  /** Log-weight per arm. */
  logWeights: Record<string, number>;
  updates: number;
}

export class Exp3Bandit {
  private readonly gamma: number;
  private readonly learningRate: number;
  private readonly maxSpread: number;
  private readonly arms: readonly string[];
  private readonly logW: Float64Array;
  private updateCount = 0;
  private cachedProbs: Float64Array | null = null;

  /** Arms missing from `snapshot` start at the mean log-weight of the known ones (neutral). */
  constructor(arms: readonly string[], gamma: number, learningRate: number, maxLogWeightSpread: number, snapshot?: BanditSnapshot) {
    this.gamma = gamma;
    this.learningRate = learningRate;
    this.maxSpread = maxLogWeightSpread;
    this.arms = [...arms].sort();
    this.logW = new Float64Array(this.arms.length);
    if (snapshot) {
      const known = this.arms.filter((a) => Number.isFinite(snapshot.logWeights[a]));
      const mean = known.length ? known.reduce((s, a) => s + snapshot.logWeights[a]!, 0) / known.length : 0;
      this.arms.forEach((a, i) => (this.logW[i] = Number.isFinite(snapshot.logWeights[a]) ? snapshot.logWeights[a]! : mean));
      this.updateCount = snapshot.updates;
    }
  }

  get armIds(): readonly string[] {
    return this.arms;
  }

  get updates(): number {
    return this.updateCount;
  }

  /** Selection probability per arm, in `armIds` order. */
  probabilities(): Float64Array {
    if (this.cachedProbs) return this.cachedProbs;
    const k = this.arms.length;
    const probs = new Float64Array(k);
    if (k === 0) return probs;
    let max = -Infinity;
    for (let i = 0; i < k; i++) if (this.logW[i]! > max) max = this.logW[i]!;
    let sum = 0;
    for (let i = 0; i < k; i++) sum += probs[i] = Math.exp(this.logW[i]! - max);
    for (let i = 0; i < k; i++) probs[i] = (1 - this.gamma) * (probs[i]! / sum) + this.gamma / k;
    this.cachedProbs = probs;
    return probs;
  }

  /** Blend weight per arm: `K * p_i`, so an arm at the uniform probability weighs 1. */
  blendWeights(): Map<string, number> {
    const probs = this.probabilities();
    const k = this.arms.length;
    return new Map(this.arms.map((a, i) => [a, k * probs[i]!]));
  }

  /**
   * One matured outcome credited to every arm in `armIds` (the signal's components). Each arm gets
   * the centred reward: `logW_i += learningRate * (reward - 0.5)`. Log-weights are then re-centred on the
   * best arm and floored at `-maxLogWeightSpread`, so an arm that fell behind in one market phase
   * can still recover in the next. Unknown arms are ignored; `reward` is clamped to [0, 1].
   */
  update(armIds: readonly string[], reward: number): void {
    const k = this.arms.length;
    if (k === 0) return;
    const r = reward > 0 ? (reward < 1 ? reward : 1) : 0;
    let touched = false;
    for (const id of armIds) {
      const i = this.arms.indexOf(id);
      if (i < 0) continue;
      this.logW[i] = this.logW[i]! + this.learningRate * (r - 0.5);
      touched = true;
    }
    if (!touched) return;
    let max = -Infinity;
    for (let i = 0; i < k; i++) if (this.logW[i]! > max) max = this.logW[i]!;
    for (let i = 0; i < k; i++) this.logW[i] = Math.max(-this.maxSpread, this.logW[i]! - max);
    this.updateCount++;
    this.cachedProbs = null;
  }

  snapshot(): BanditSnapshot {
    const logWeights: Record<string, number> = {};
    this.arms.forEach((a, i) => (logWeights[a] = this.logW[i]!));
    return { logWeights, updates: this.updateCount };
  }
}
