/**
 * Ranks 1..n of `values`, ties given the mean of the ranks they span (so a tie never favours
 * either side of a comparison). NaN values must be filtered out by the caller.
 */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i + 1;
    while (j < n && values[order[j]!] === values[order[i]!]) j++;
    const mean = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) ranks[order[k]!] = mean;
    i = j;
  }
  return ranks;
}
