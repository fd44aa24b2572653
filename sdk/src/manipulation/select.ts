/** Order statistics without a full sort, for medians computed per symbol on every cycle. */

/**
 * The `k`-th smallest of `a[0, n)` (0-based), reordering that range: quickselect with a
 * median-of-three pivot, O(n) on average where a sort is O(n log n). Same value as sorting and
 * indexing for any finite (or infinite) inputs.
 */
export function selectKth(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    // Order a[lo] <= a[mid] <= a[hi]; the median of the three is the pivot.
    if ((a[mid] as number) < (a[lo] as number)) swap(a, mid, lo);
    if ((a[hi] as number) < (a[lo] as number)) swap(a, hi, lo);
    if ((a[hi] as number) < (a[mid] as number)) swap(a, hi, mid);
    const pivot = a[mid] as number;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k] as number;
  }
  return a[k] as number;
}

function swap(a: Float64Array, i: number, j: number): void {
  const x = a[i] as number;
  a[i] = a[j] as number;
  a[j] = x;
}

/**
 * Median of `a[0, m)` (no NaN) by selection, reordering `a`: the upper middle value, and for an
 * even count the largest value below it, which selection leaves in `a[0, m >> 1)`.
 */
export function selectMedian(a: Float64Array, m: number): number {
  const upper = selectKth(a, m, m >> 1);
  if (m % 2 === 1) return upper;
  let lower = a[0] as number;
  for (let i = 1; i < m >> 1; i++) if ((a[i] as number) > lower) lower = a[i] as number;
  return (lower + upper) / 2;
}
