/** One walk-forward step: fit on `train` (every earlier fold), evaluate on `test` (the next fold). */
export interface WalkForwardStep<T> {
  fold: number;
  fromMs: number;
  toMs: number;
  train: T[];
  test: T[];
}

/**
 * Splits `items` into `folds` equal time spans of `timeMs(item)` over [fromMs, toMs) and returns
 * the expanding-window steps: fold k (k >= 1) is evaluated with everything before it as training.
 * `trainEndMs(item)` is when an item's outcome became known: items of a training fold whose
 * outcome was still open at the test fold's start are left out (they would leak the test period).
 */
export function walkForwardSteps<T>(items: readonly T[], folds: number, timeMs: (t: T) => number, trainEndMs: (t: T) => number): WalkForwardStep<T>[] {
  if (items.length === 0 || folds < 2) return [];
  let fromMs = Infinity;
  let toMs = -Infinity;
  for (const it of items) {
    const t = timeMs(it);
    if (t < fromMs) fromMs = t;
    if (t > toMs) toMs = t;
  }
  toMs += 1;
  const edge = (k: number): number => fromMs + ((toMs - fromMs) * k) / folds;
  const steps: WalkForwardStep<T>[] = [];
  for (let k = 1; k < folds; k++) {
    const start = edge(k);
    const end = edge(k + 1);
    steps.push({
      fold: k,
      fromMs: start,
      toMs: end,
      train: items.filter((it) => timeMs(it) < start && trainEndMs(it) <= start),
      test: items.filter((it) => timeMs(it) >= start && timeMs(it) < end),
    });
  }
  return steps;
}
