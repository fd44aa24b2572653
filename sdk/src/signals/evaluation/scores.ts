/** Mean squared error of stated probabilities against 0/1 outcomes; NaN on empty input. */
export function brierScore(probabilities: ArrayLike<number>, outcomes: ArrayLike<number>): number {
  const n = probabilities.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = probabilities[i]! - outcomes[i]!;
    sum += d * d;
  }
  return n > 0 ? sum / n : Number.NaN;
}

/**
 * Brier score of stating `rate` for every outcome: the bar a probability must beat to be worth
 * showing. Out of sample, `rate` is the training folds' base rate, not the evaluated set's.
 */
export function constantBrier(rate: number, outcomes: ArrayLike<number>): number {
  const n = outcomes.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (rate - outcomes[i]!) ** 2;
  return n > 0 ? sum / n : Number.NaN;
}

/** Share of 1s among 0/1 outcomes; NaN on empty input. */
export function baseRate(outcomes: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < outcomes.length; i++) sum += outcomes[i]!;
  return outcomes.length > 0 ? sum / outcomes.length : Number.NaN;
}
