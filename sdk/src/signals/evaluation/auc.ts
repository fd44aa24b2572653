import { averageRanks } from './ranks.js';

/**
 * Area under the ROC curve of `scores` for 0/1 `outcomes`, by the Mann-Whitney U statistic with
 * average ranks for ties: the chance that a random positive outscores a random negative, ties
 * counting one half. 0.5 is no discrimination; NaN when either class is empty.
 */
export function aucMannWhitney(scores: ArrayLike<number>, outcomes: ArrayLike<number>): number {
  const ranks = averageRanks(scores);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < ranks.length; i++) {
    if (outcomes[i] === 1) {
      positives++;
      rankSum += ranks[i]!;
    }
  }
  const negatives = ranks.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
