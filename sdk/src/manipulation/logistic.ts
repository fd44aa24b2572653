/**
 * A small logistic regression: standardise, fit by full-batch gradient descent with L2, predict.
 * Plain loops over number arrays; the data sets it serves have thousands of rows, not millions.
 */

/** Fitted weights as data: the feature order, the standardisation and the coefficients. */
export interface LogisticModel {
  features: string[];
  mean: number[];
  std: number[];
  intercept: number;
  coef: number[];
}

export interface FitOptions {
  /** L2 penalty on the coefficients (not the intercept), per row. */
  l2?: number;
  learningRate?: number;
  iterations?: number;
  /** Weight of positive rows; `balanced` sets it to negatives/positives (counted with row weights). */
  positiveWeight?: number | 'balanced';
  /** Weight of each row, e.g. the inverse sampling rate of a down-sampled class (default 1). */
  rowWeights?: readonly number[];
  /**
   * A fixed term added to each row's linear predictor (default 0): the contribution of features
   * whose weights are held at priors, so the fit learns the rest given them.
   */
  offsets?: readonly number[];
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Probability of the positive class for one feature row (raw, unstandardised values). */
export function predictLogistic(model: LogisticModel, row: ArrayLike<number>): number {
  let z = model.intercept;
  for (let j = 0; j < model.coef.length; j++) {
    const s = model.std[j] as number;
    const x = ((row[j] as number) - (model.mean[j] as number)) / (s > 0 ? s : 1);
    z += (model.coef[j] as number) * x;
  }
  return sigmoid(z);
}

/**
 * Fits a logistic regression by gradient descent on the mean weighted log-loss plus
 * `l2/2 * |coef|^2`. Features are standardised with the training mean and std, which are stored
 * in the model so prediction applies the same transform.
 */
export function fitLogistic(features: string[], rows: number[][], labels: number[], options: FitOptions = {}): LogisticModel {
  const l2 = options.l2 ?? 0.01;
  const lr = options.learningRate ?? 0.5;
  const iterations = options.iterations ?? 2000;
  const d = features.length;
  const n = rows.length;
  const rw = (i: number): number => options.rowWeights?.[i] ?? 1;
  let positives = 0;
  let negatives = 0;
  labels.forEach((y, i) => (y > 0 ? (positives += rw(i)) : (negatives += rw(i))));
  const posWeight = options.positiveWeight === 'balanced' ? (positives > 0 ? negatives / positives : 1) : (options.positiveWeight ?? 1);
  const mean = new Array<number>(d).fill(0);
  const std = new Array<number>(d).fill(0);
  for (const row of rows) for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (row[j] as number) / n;
  for (const row of rows) for (let j = 0; j < d; j++) std[j] = (std[j] as number) + ((row[j] as number) - (mean[j] as number)) ** 2 / Math.max(1, n - 1);
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j] as number) || 1;
  const x = rows.map((row) => row.map((v, j) => (v - (mean[j] as number)) / (std[j] as number)));
  const w = labels.map((y, i) => (y > 0 ? posWeight : 1) * rw(i));
  const wSum = w.reduce((s, v) => s + v, 0);
  const coef = new Array<number>(d).fill(0);
  let intercept = 0;
  const grad = new Array<number>(d).fill(0);
  for (let it = 0; it < iterations; it++) {
    grad.fill(0);
    let gradB = 0;
    for (let i = 0; i < n; i++) {
      const xi = x[i] as number[];
      let z = intercept + (options.offsets?.[i] ?? 0);
      for (let j = 0; j < d; j++) z += (coef[j] as number) * (xi[j] as number);
      const err = ((sigmoid(z) - (labels[i] as number)) * (w[i] as number)) / wSum;
      gradB += err;
      for (let j = 0; j < d; j++) grad[j] = (grad[j] as number) + err * (xi[j] as number);
    }
    intercept -= lr * gradB;
    for (let j = 0; j < d; j++) coef[j] = (coef[j] as number) - lr * ((grad[j] as number) + l2 * (coef[j] as number));
  }
  return { features: [...features], mean, std, intercept, coef };
}

/** Area under the ROC curve by the rank-sum statistic; ties share their average rank. */
export function rocAuc(scores: number[], labels: number[]): number {
  const idx = scores.map((_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number));
  const ranks = new Array<number>(scores.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1] as number] === scores[idx[i] as number]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[idx[k] as number] = avg;
    i = j + 1;
  }
  let pos = 0;
  let rankSum = 0;
  labels.forEach((y, i) => {
    if (y > 0) {
      pos++;
      rankSum += ranks[i] as number;
    }
  });
  const neg = labels.length - pos;
  if (pos === 0 || neg === 0) return Number.NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

export interface BinaryMetrics {
  threshold: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  precision: number;
  recall: number;
  f1: number;
}

/** Precision, recall and F1 when `score >= threshold` predicts the positive class. */
export function binaryMetrics(scores: number[], labels: number[], threshold: number): BinaryMetrics {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  scores.forEach((s, i) => {
    const pos = (labels[i] as number) > 0;
    if (s >= threshold) {
      if (pos) tp++;
      else fp++;
    } else if (pos) fn++;
    else tn++;
  });
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { threshold, tp, fp, fn, tn, precision, recall, f1 };
}
