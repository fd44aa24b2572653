/** A fitted logistic model: `p = sigmoid(bias + sum(coef[j] * x[j]))`. */
export interface L2LogisticFit {
  bias: number;
  coef: number[];
  iterations: number;
}

export interface L2LogisticOptions {
  /** L2 penalty on the coefficients (not the bias), in units of the summed log-likelihood. */
  l2?: number;
  maxIterations?: number;
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** Solves `A x = b` for a small symmetric positive-definite `A` by Gaussian elimination with pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[piv]![c]!)) piv = r;
    [m[c], m[piv]] = [m[piv]!, m[c]!];
    const d = m[c]![c]!;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / d;
      if (f === 0) continue;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

/**
 * Maximum-likelihood logistic regression with an L2 penalty, by Newton-Raphson (IRLS). `rows[i]`
 * holds the inputs of outcome `outcomes[i]` (0/1); inputs should be on comparable scales for the
 * penalty to mean the same for each. One input makes it Platt scaling.
 */
export function fitL2Logistic(rows: readonly ArrayLike<number>[], outcomes: ArrayLike<number>, options: L2LogisticOptions = {}): L2LogisticFit {
  const l2 = options.l2 ?? 1;
  const maxIterations = options.maxIterations ?? 50;
  const k = rows.length > 0 ? rows[0]!.length : 0;
  const dim = k + 1;
  const beta = new Array<number>(dim).fill(0);
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    const grad = new Array<number>(dim).fill(0);
    const hess = Array.from({ length: dim }, () => new Array<number>(dim).fill(0));
    for (let i = 0; i < rows.length; i++) {
      const x = rows[i]!;
      let z = beta[0]!;
      for (let j = 0; j < k; j++) z += beta[j + 1]! * x[j]!;
      const p = sigmoid(z);
      const r = outcomes[i]! - p;
      const w = p * (1 - p);
      for (let a = 0; a < dim; a++) {
        const xa = a === 0 ? 1 : x[a - 1]!;
        grad[a]! += r * xa;
        for (let b = a; b < dim; b++) hess[a]![b]! += w * xa * (b === 0 ? 1 : x[b - 1]!);
      }
    }
    for (let a = 1; a < dim; a++) {
      grad[a]! -= l2 * beta[a]!;
      hess[a]![a]! += l2;
    }
    for (let a = 0; a < dim; a++) for (let b = 0; b < a; b++) hess[a]![b] = hess[b]![a]!;
    const step = solve(hess, grad);
    let change = 0;
    for (let a = 0; a < dim; a++) {
      beta[a]! += step[a]!;
      change = Math.max(change, Math.abs(step[a]!));
    }
    if (change < 1e-9) {
      iterations++;
      break;
    }
  }
  return { bias: beta[0]!, coef: beta.slice(1), iterations };
}
